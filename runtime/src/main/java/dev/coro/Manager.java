package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.ipc.Broker;
import dev.coro.internal.ipc.BrokerQueue;
import dev.coro.internal.ipc.Client;
import dev.coro.internal.ipc.Endpoint;
import dev.coro.internal.ipc.ProtocolException;
import dev.coro.internal.manager.AuthThrottle;
import dev.coro.internal.manager.HmacHandshake;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * A task manager on the network, Python's {@code multiprocessing.managers.BaseManager} for coro: one process serves
 * named queues, processes on other machines connect with the same secret key and put and get. Nothing to install;
 * for queues that must outlive the manager process, use the Redis engine ({@code dev.coro.redis.RedisQueues}, the
 * same {@link MessageQueue} interface).
 *
 * <pre>{@code
 * // the manager (taskmanager): serves two queues on 10.0.0.1:5000
 * byte[] key = "a long shared secret".getBytes(StandardCharsets.UTF_8);
 * Manager manager = Manager.serve(new InetSocketAddress("10.0.0.1", 5000), key);
 * MessageQueue<Long> tasks = manager.queue("tasks", Codec.longs());
 * MessageQueue<String> results = manager.queue("results", Codec.strings());
 * for (long n = 0; n < 10; n++) tasks.put(n);
 * for (int i = 0; i < 10; i++) System.out.println(results.get(Duration.ofSeconds(10)));
 * manager.shutdown();
 * }</pre>
 * and a worker (taskworker), on another machine:
 * <pre>{@code
 * try (Manager.Client c = Manager.connect(new InetSocketAddress("10.0.0.1", 5000), key)) {
 *     MessageQueue<Long> tasks = c.queue("tasks", Codec.longs());
 *     MessageQueue<String> results = c.queue("results", Codec.strings());
 *     Long n;
 *     while ((n = tasks.get(Duration.ofSeconds(1))) != null) {
 *         results.put(tasks.lastId() + ": " + n * n);     // the task id travels with the result
 *     }
 * }
 * }</pre>
 * (A complete, runnable pair: {@code dev.coro.examples.TaskManager} and {@code TaskWorker} in the examples.)
 *
 * <p><b>Queues and calls.</b> The manager declares queues with {@link #queue}; a client can only use queues the
 * manager declared. Handles are {@link MessageQueue}s: in a coroutine, {@code put} and {@code get} suspend (the loop
 * runs the others); on a plain thread they block. One {@link Client} is one TCP connection that any number of
 * coroutines and threads share; every handle it returns is a consumer of its own. Messages go through a
 * {@link Codec}: both sides must use the same one, and nothing is ever Java-deserialized unless the codec is an
 * opted-in {@link Codec#serialized}.
 *
 * <p><b>Delivery.</b> At least once. The message a {@code get} returned is the handle's, unacknowledged, until the
 * handle's next {@code get} or {@link MessageQueue#ack()}; it goes back to the front of the queue, with the same
 * {@link MessageQueue#lastId() id}, if the worker disconnects, its process dies (the kernel closes the connection),
 * or it holds the message longer than the queue's lease ({@link Options#lease}, default 30 s; the manager then
 * hands it to the next worker, and the late worker's result is a duplicate). Put the task id in the result, so the
 * collector can recognise a task done twice. A client handle holds nothing ahead while its tasks take long (over
 * 50 ms), so work spreads over the workers; while they are short it takes up to 64 ahead, which spares a round
 * trip to the manager per task ({@link Client#queue(String, Codec)}; a fixed prefetch:
 * {@link Client#queue(String, Codec, int)}).
 *
 * <p><b>What an in-memory manager loses.</b> Everything lives in the manager process's memory. If that process
 * dies, every message in its queues is gone: tasks not yet taken, tasks taken but not acknowledged, results not yet
 * collected. Connected clients get a {@link ChannelClosedException} naming the manager, and a restarted manager
 * starts empty. Where that is not acceptable, use the Redis engine with its append-only file on.
 *
 * <p><b>Security.</b> The manager binds the address it is given: {@link #serve(int, byte[])} binds loopback only,
 * and serving other machines takes an explicit address (a LAN address, or the wildcard {@code 0.0.0.0} to bind
 * all). Each connection starts with mutual challenge-response authentication, HMAC-SHA256 over random nonces in both
 * directions (as {@code multiprocessing.connection} does); the key itself never crosses the wire. A client with a
 * wrong key gets an {@link AuthenticationException}; the manager logs the refused address (logger
 * {@code dev.coro.manager}) and closes the connection, and an address that keeps failing is refused for a growing
 * while (100 ms doubling up to 10 s; every client behind that address, e.g. behind one NAT, waits it out too). Before authentication a peer may send only small frames, and must finish within
 * the handshake timeout (default 5 s); afterwards frames are limited to {@link Options#maxFrame} and a malformed,
 * truncated or oversized one closes that connection only, with a logged reason. Without TLS the traffic is
 * authenticated but <b>not encrypted</b>. With TLS ({@link Options#tls} on the manager, an {@code SSLContext} that
 * trusts its certificate on the clients: {@link #connect(InetSocketAddress, byte[], SSLContext)}) everything after
 * the TLS handshake is encrypted, the client checks that the certificate names the host it asked for, and the HMAC
 * authentication still runs inside, so a client needs both the trust and the key. Both ends of a connection, TLS or
 * not, are carried by coro's cooperative IO: the manager's connections by a reader and a writer task each on the
 * manager's loop, a client's by tasks on one loop thread per process; over TLS through coro's
 * {@code SSLEngine}-based socket, whose handshakes hand their delegated tasks (certificate checks, key agreement)
 * to {@link Coro#blocking}'s pool, so a handshake does not stall the other connections. Coroutines suspend in
 * {@code put} and {@code get} exactly as without TLS.
 */
public final class Manager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.coro.manager");

    /** How a manager serves. */
    public static final class Options {
        private Duration lease = Duration.ofSeconds(30);
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private int maxFrame = 1 << 20;
        private SSLContext tls;

        /**
         * How long a worker may hold a message unacknowledged before the manager hands it to another (default 30 s):
         * longer than the longest task.
         */
        public Options lease(Duration lease) {
            if (lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("lease must be positive: " + lease);
            }
            this.lease = lease;
            return this;
        }

        /** A connection that has not authenticated within this is dropped (default 5 s). */
        public Options handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshake timeout must be positive: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Serves TLS with {@code context}'s key manager (its certificate and private key): a client must connect
         * with an {@code SSLContext} that trusts that certificate ({@link Manager#connect(InetSocketAddress, byte[],
         * SSLContext)}), and the HMAC authentication then runs inside the encrypted connection. Plain clients are
         * refused (their connection is closed, with a logged reason). Null: no TLS (the default).
         */
        public Options tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** The largest frame (one message plus a few header bytes) accepted from a client (default 1 MiB). */
        public Options maxFrame(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("maxFrame too small: " + bytes);
            }
            this.maxFrame = bytes;
            return this;
        }
    }

    private final Broker broker;
    private final InetSocketAddress address;
    private final Options options;

    private Manager(Broker broker, InetSocketAddress address, Options options) {
        this.broker = broker;
        this.address = address;
        this.options = options;
    }

    /** Serves on loopback only ({@code 127.0.0.1}), port {@code port} (0: any free one). */
    public static Manager serve(int port, byte[] authKey) throws IOException {
        return serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), authKey, new Options());
    }

    /** Serves on {@code address} (port 0: any free one; see {@link #address()}). */
    public static Manager serve(InetSocketAddress address, byte[] authKey) throws IOException {
        return serve(address, authKey, new Options());
    }

    /**
     * Serves TLS on {@code address} with {@code tls}'s certificate and key ({@link Options#tls}); clients connect
     * with {@link #connect(InetSocketAddress, byte[], SSLContext)}.
     */
    public static Manager serve(InetSocketAddress address, byte[] authKey, SSLContext tls) throws IOException {
        Objects.requireNonNull(tls, "tls");
        return serve(address, authKey, new Options().tls(tls));
    }

    /** Serves on {@code address} with {@code options}. */
    public static Manager serve(InetSocketAddress address, byte[] authKey, Options options) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        HmacHandshake handshake = new HmacHandshake(authKey, new AuthThrottle());
        ServerSocketChannel ch = ServerSocketChannel.open();
        InetSocketAddress bound;
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, 1024);
            bound = (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot serve on " + address + ": " + e.getMessage(), e);
        }
        Broker broker = Broker.start(ch, new Broker.Options()
                .handshake(handshake)
                .handshakeTimeout(options.handshakeTimeout)
                .maxFrame(options.maxFrame)
                .threadName("coro-manager")
                .tls(options.tls)
                .errors(m -> LOG.log(System.Logger.Level.WARNING, m)));
        return new Manager(broker, bound, options);
    }

    /** The address served, with the actual port. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Declares the queue {@code name} (or finds it, if declared before) and returns a handle on it for this
     * process: a consumer of its own. Clients reach it with {@link Client#queue}.
     */
    public <T> MessageQueue<T> queue(String name, Codec<T> codec) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(codec, "codec");
        BrokerQueue q = broker.declare(name, 0, options.lease);
        return new Handle<>(ProcessQueue.on(codec, q), "manager queue '" + name + "' at " + address);
    }

    /**
     * Stops serving: every connected client gets an error naming the manager (its waiting calls throw
     * {@link ChannelClosedException}, none hangs), waiting calls in this process fail the same way, and every
     * message still queued is dropped. Idempotent.
     */
    public void shutdown() {
        broker.close();
    }

    /** {@link #shutdown()}. */
    @Override
    public void close() {
        shutdown();
    }

    public boolean isShutdown() {
        return broker.isClosed();
    }

    @Override
    public String toString() {
        return "Manager[" + address + (broker.isClosed() ? ", shut down]" : "]");
    }

    // ---- clients ----

    /** Connects to the manager at {@code address} with {@code authKey}, giving up after 10 s. */
    @Coroutine
    public static Client connect(InetSocketAddress address, byte[] authKey) throws IOException {
        return connect(address, authKey, Duration.ofSeconds(10));
    }

    /** @hidden */
    public static Client connect(InetSocketAddress address, byte[] authKey, Stack s) throws IOException {
        return connect(address, authKey, Duration.ofSeconds(10), s);
    }

    /**
     * Connects over TLS to a manager that serves it ({@link Options#tls}), giving up after 10 s. {@code tls} must
     * trust the manager's certificate, which must name the host of {@code address} as given (a name or an IP
     * address: the usual HTTPS host check); then the HMAC authentication runs inside the encrypted connection.
     *
     * @throws javax.net.ssl.SSLHandshakeException the manager does not serve TLS, or its certificate is not
     *     trusted by {@code tls} or does not name that host
     */
    @Coroutine
    public static Client connect(InetSocketAddress address, byte[] authKey, SSLContext tls) throws IOException {
        return connect(address, authKey, tls, Duration.ofSeconds(10));
    }

    /** @hidden */
    public static Client connect(InetSocketAddress address, byte[] authKey, SSLContext tls, Stack s)
            throws IOException {
        return connect(address, authKey, tls, Duration.ofSeconds(10), s);
    }

    /** Like {@link #connect(InetSocketAddress, byte[], SSLContext)}, giving up after {@code timeout}. */
    @Coroutine
    public static Client connect(InetSocketAddress address, byte[] authKey, SSLContext tls, Duration timeout)
            throws IOException {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return connect(address, authKey, tls, timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static Client connect(InetSocketAddress address, byte[] authKey, SSLContext tls, Duration timeout,
            Stack s) throws IOException {
        if (!dev.coro.internal.Suspend.isResuming(s)) {
            Objects.requireNonNull(tls, "tls");
        }
        return connectWith(address, authKey, timeout, tls, s);
    }

    /**
     * Connects to the manager at {@code address} and authenticates with {@code authKey} within {@code timeout}. A
     * coroutine suspends meanwhile; a plain thread blocks.
     *
     * @throws AuthenticationException the manager rejected the key, or did not prove it holds the same one
     * @throws IOException the manager is not reachable, did not answer in time, or is not a coro manager
     */
    @Coroutine
    public static Client connect(InetSocketAddress address, byte[] authKey, Duration timeout) throws IOException {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return connect(address, authKey, timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static Client connect(InetSocketAddress address, byte[] authKey, Duration timeout, Stack s)
            throws IOException {
        return connectWith(address, authKey, timeout, null, s);
    }

    private static Client connectWith(InetSocketAddress address, byte[] authKey, Duration timeout, SSLContext tls,
            Stack s) throws IOException {
        java.util.concurrent.CompletableFuture<Object> connected = null;
        if (!dev.coro.internal.Suspend.isResuming(s)) {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(timeout, "timeout");
            connected = start(address, dev.coro.internal.manager.HmacAuth.checkKey(authKey), timeout, tls);
        }
        // the connection is made by a task on the queue connections' IO loop; this caller only waits for it
        Object r = Coro.await(connected, s);
        if (r instanceof IOException) {
            throw (IOException) r;
        }
        if (r instanceof RuntimeException) {
            throw (RuntimeException) r;
        }
        return (Client) r;
    }

    /** Starts connecting; the future holds the client, or the exception to throw (it never fails itself). */
    private static java.util.concurrent.CompletableFuture<Object> start(InetSocketAddress address, byte[] authKey,
            Duration timeout, SSLContext tls) throws IOException {
        HmacHandshake handshake = new HmacHandshake(authKey, null);
        HmacHandshake.ClientSide[] exchange = new HmacHandshake.ClientSide[1];
        dev.coro.internal.ipc.Handshake recording = (brokerSide, peer) -> {
            HmacHandshake.ClientSide c = (HmacHandshake.ClientSide) handshake.start(false, peer);
            exchange[0] = c;
            return c;
        };
        String where = address.getHostString() + ":" + address.getPort();
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException("cannot resolve the manager's host " + address.getHostString());
        }
        return dev.coro.internal.ipc.Client.start(Broker.addressOf(address), recording,
                dev.coro.internal.ipc.Wire.DEFAULT_MAX_FRAME, timeout, tls, address.getHostString())
                .handle((c, e) -> e == null ? new Client(c, where) : explain(e, where, tls, exchange[0]));
    }

    /** What a caller of connect is told when connecting failed. */
    private static Exception explain(Throwable failure, String where, SSLContext tls,
            HmacHandshake.ClientSide exchange) {
        Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (e instanceof AuthenticationException) { // this side's check of the manager's proof failed
            return new AuthenticationException(e.getMessage().replace("authentication with tcp:",
                    "authentication with the manager at "), e);
        }
        if (e instanceof ProtocolException) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof AuthenticationException) {
                    return new AuthenticationException(t.getMessage().replace("authentication with tcp:",
                            "authentication with the manager at "), e);
                }
            }
            String said = e.getMessage();
            if (exchange != null && exchange.awaitingVerdict()) {
                return new AuthenticationException("authentication with the manager at " + where
                        + " failed: it rejected this key (both sides must use the same authentication key); it said: "
                        + said, e);
            }
            if (said != null && said.contains("failed authentications")) {
                return new AuthenticationException("the manager at " + where + " refuses this address for now after"
                        + " failed authentications; it said: " + said, e);
            }
            return new java.net.ProtocolException("cannot talk to the manager at " + where + ": " + said);
        }
        if (e instanceof javax.net.ssl.SSLHandshakeException) {
            javax.net.ssl.SSLHandshakeException x = new javax.net.ssl.SSLHandshakeException("cannot connect to the"
                    + " manager at " + where + ": " + e.getMessage());
            x.initCause(e);
            return x;
        }
        if (e instanceof java.io.EOFException) {
            return new IOException("cannot connect to the manager at " + where + ": " + e.getMessage()
                    + (tls == null ? " (if the manager serves TLS, connect with an SSLContext that trusts its"
                    + " certificate)" : ""), e);
        }
        if (e instanceof IOException) {
            return new IOException("cannot connect to the manager at " + where + ": " + e.getMessage(), e);
        }
        if (e instanceof RuntimeException) {
            return (RuntimeException) e;
        }
        return new IOException("cannot connect to the manager at " + where + ": " + e, e);
    }

    /**
     * One authenticated connection to a manager, shared by every handle it returns and every coroutine and thread
     * that uses them. Closing it closes the connection: unacknowledged messages of its handles go back to the
     * manager's queues.
     */
    public static final class Client implements AutoCloseable {
        private final dev.coro.internal.ipc.Client connection;
        private final String where;

        private Client(dev.coro.internal.ipc.Client connection, String where) {
            this.connection = connection;
            this.where = where;
        }

        /**
         * A handle on the manager's queue {@code name}, which the manager must have declared. It prefetches what its
         * callers' pace asks for. While they take long between gets (more than 50 ms: the seed's one-second tasks),
         * each {@code get} asks the manager for one message, so a worker never holds a task it has not started (work
         * spreads over the workers, and a lease runs only on the task being worked on); a coroutine suspends for
         * the round trip. While they come back for the next message faster than that round trip (under 1 ms), the
         * handle asks for more ahead, doubling up to 64, and it stops asking ahead at the first slow one.
         *
         * @throws ChannelClosedException the manager has no such queue, or the connection is gone
         */
        @Coroutine
        public <T> MessageQueue<T> queue(String name, Codec<T> codec) {
            Stack s = Stack.current();
            boolean root = s.enter(); // a method reference as a task's body: the task's own entry
            if (!root) {
                s.pin();
            }
            try {
                return queue(name, codec, s);
            } finally {
                if (!root) {
                    s.unpin();
                }
            }
        }

        /** @hidden */
        public <T> MessageQueue<T> queue(String name, Codec<T> codec, Stack s) {
            return handle(name, codec, ADAPTIVE, s);
        }

        /**
         * A handle that holds up to {@code prefetch} messages delivered ahead of the {@code get} that takes them
         * (0: none; each {@code get} asks the manager for one message, whatever the pace). More goes much faster for short tasks (no round trip to the
         * manager per {@code get}), but prefetched messages are unavailable to other workers, and their leases run,
         * while they wait; they go back to the queue when the handle closes or the connection drops.
         */
        @Coroutine
        public <T> MessageQueue<T> queue(String name, Codec<T> codec, int prefetch) {
            Stack s = Stack.current();
            boolean root = s.enter(); // a method reference as a task's body: the task's own entry
            if (!root) {
                s.pin();
            }
            try {
                return queue(name, codec, prefetch, s);
            } finally {
                if (!root) {
                    s.unpin();
                }
            }
        }

        /** @hidden */
        public <T> MessageQueue<T> queue(String name, Codec<T> codec, int prefetch, Stack s) {
            if (!dev.coro.internal.Suspend.isResuming(s) && prefetch < 0) {
                throw new IllegalArgumentException("prefetch is negative: " + prefetch);
            }
            return handle(name, codec, prefetch, s);
        }

        @SuppressWarnings("unchecked")
        private <T> MessageQueue<T> handle(String name, Codec<T> codec, int prefetch, Stack s) {
            if (!dev.coro.internal.Suspend.isResuming(s)) {
                Objects.requireNonNull(name, "name");
                Objects.requireNonNull(codec, "codec");
            }
            try {
                return (MessageQueue<T>) Coro.blocking(() -> attach(name, codec, prefetch), s);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private <T> MessageQueue<T> attach(String name, Codec<T> codec, int prefetch) {
            Endpoint remote;
            try {
                remote = connection.attach(name);
            } catch (ProtocolException e) {
                throw new ChannelClosedException("the manager at " + where + " refused queue '" + name + "': "
                        + e.getMessage());
            }
            return new Handle<>(ProcessQueue.on(codec, new Prefetching(remote, prefetch)),
                    "queue '" + name + "' of the manager at " + where);
        }

        /** True once the connection is closed or broken (the manager shut down or went away). */
        public boolean isClosed() {
            return connection.isClosed();
        }

        @Override
        public void close() {
            connection.close();
        }

        @Override
        public String toString() {
            return "Manager.Client[" + where + (isClosed() ? ", closed]" : "]");
        }
    }

    /** The prefetch of a default client handle: what its callers' pace asks for. */
    private static final int ADAPTIVE = -1;

    /** An endpoint whose consumers prefetch {@code prefetch} messages, or adaptively ({@link #ADAPTIVE}). */
    private static final class Prefetching implements Endpoint {
        private final Endpoint e;
        private final int prefetch;

        Prefetching(Endpoint e, int prefetch) {
            this.e = e;
            this.prefetch = prefetch;
        }

        @Override
        public String address() {
            return e.address();
        }

        @Override
        public String name() {
            return e.name();
        }

        @Override
        public int capacity() {
            return e.capacity();
        }

        @Override
        public boolean put(byte[] body, long nanos, Stack s) {
            return e.put(body, nanos, s);
        }

        @Override
        public Consumer consumer() {
            return prefetch == ADAPTIVE ? e.adaptiveConsumer() : e.consumer(prefetch);
        }

        @Override
        public Runnable claimEnd() {
            return e.claimEnd();
        }

        @Override
        public void flush() {
            e.flush();
        }
    }

    /** A manager queue handle: a process queue handle that names itself as the manager's. */
    private static final class Handle<T> implements MessageQueue<T> {
        private final ProcessQueue<T> q;
        private final String description;

        Handle(ProcessQueue<T> q, String description) {
            this.q = q;
            this.description = description;
        }

        @Override
        @Coroutine
        public void put(T item) {
            q.put(item);
        }

        /** @hidden */
        @Override
        public void put(T item, Stack s) {
            q.put(item, s);
        }

        @Override
        @Coroutine
        public T get() {
            return q.get();
        }

        /** @hidden */
        @Override
        public T get(Stack s) {
            return q.get(s);
        }

        @Override
        @Coroutine
        public T get(Duration timeout) {
            return q.get(timeout);
        }

        /** @hidden */
        @Override
        public T get(Duration timeout, Stack s) {
            return q.get(timeout, s);
        }

        @Override
        public void ack() {
            q.ack();
        }

        @Override
        public String lastId() {
            return q.lastId();
        }

        @Override
        public void close() {
            q.close();
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
