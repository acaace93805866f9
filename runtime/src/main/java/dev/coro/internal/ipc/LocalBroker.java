package dev.coro.internal.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's own broker for process queues and pipes: started on first use on a Unix-domain socket in a fresh
 * private directory, closed (socket file deleted) when the JVM exits. Also resolves a handed-over queue to the
 * fastest endpoint: in-process if this process runs its broker, else through the shared connection.
 */
public final class LocalBroker {
    private static volatile Broker broker;
    private static final AtomicLong NAMES = new AtomicLong();

    private LocalBroker() {
    }

    /** This process's broker, started on first use. */
    public static Broker get() {
        Broker b = broker;
        if (b != null && !b.isClosed()) {
            return b;
        }
        synchronized (LocalBroker.class) {
            b = broker;
            if (b == null || b.isClosed()) {
                try {
                    b = Broker.start(Broker.unixChannel(), new Broker.Options().threadName("coro-process-queues"));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start the process-queue broker: " + e.getMessage(), e);
                }
                Broker started = b;
                Runtime.getRuntime().addShutdownHook(new Thread(started::close, "coro-process-queues-close"));
                broker = b;
            }
            return b;
        }
    }

    /** A fresh queue name, unique in this process's broker. */
    public static String newName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** The queue {@code name} of the broker at {@code address}: in-process if that broker is this process's. */
    public static Endpoint open(String address, String name) {
        Broker b = broker;
        if (b != null && !b.isClosed() && b.address().equals(address)) {
            BrokerQueue q = b.queue(name);
            if (q == null) {
                throw new IllegalArgumentException("no queue named '" + name + "' at " + address);
            }
            return q;
        }
        return Client.shared(address).attach(name);
    }

    /** Joins fields into a handover spec's rest, each URL-encoded, separated by commas. */
    public static String join(String... fields) {
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(URLEncoder.encode(f, StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** The inverse of {@link #join}; throws if there are not exactly {@code count} fields. */
    public static String[] split(String rest, int count, String what) {
        List<String> out = new ArrayList<>();
        for (String f : rest.split(",", -1)) {
            out.add(URLDecoder.decode(f, StandardCharsets.UTF_8));
        }
        if (out.size() != count) {
            throw new IllegalArgumentException("malformed " + what + " handover '" + rest + "': " + out.size()
                    + " fields, expected " + count);
        }
        return out.toArray(new String[0]);
    }
}
