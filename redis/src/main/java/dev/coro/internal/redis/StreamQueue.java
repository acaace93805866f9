package dev.coro.internal.redis;

import dev.coro.ChannelClosedException;
import dev.coro.Codec;
import dev.coro.CodecException;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.MessageQueue;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One consumer's handle on a Redis stream used as a task queue (see {@code dev.coro.redis.RedisQueues}). Every Redis
 * command runs on this handle's own thread over its own connection, in the order they were issued; callers await
 * the result, so a coroutine suspends and a plain thread blocks. Not rewritten by the agent
 * ({@code dev.coro.internal.**}): its twins are written by hand.
 */
public final class StreamQueue<T> implements MessageQueue<T> {
    private static final System.Logger LOG = System.getLogger("dev.coro.redis");
    private static final byte[] FIELD = {'m'};
    private static final byte[] GROUP = "coro".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = {'>'};
    private static final long RETRY_FIRST_MS = 20;
    private static final long RETRY_MAX_MS = 1000;

    private final String name;
    private final byte[] key;
    private final byte[] consumer;
    private final Codec<T> codec;
    private final String host;
    private final int port;
    private final JedisClientConfig config;
    private final long leaseMs;
    private final long pollMs;
    private final long reconnectMs;
    private final int prefetch;
    private final ExecutorService io;
    private final Runnable onClose;

    // touched only on the io thread
    private Jedis jedis;
    private long nextClaimCheck = System.nanoTime();
    /** Entries read ahead (up to prefetch - 1), and acknowledgements not yet sent. */
    private final java.util.ArrayDeque<Entry> buffer = new java.util.ArrayDeque<>();
    private final List<String> pendingAcks = new ArrayList<>();
    private byte[] claimCursor = "0-0".getBytes(StandardCharsets.US_ASCII);

    /** The message handed to the last get, not yet acknowledged (io thread writes; callers read). */
    private volatile String lastId;
    /** A message read for a get whose caller went away before taking it (cancelled): the next get returns it. */
    private volatile Entry stash;
    private volatile boolean closed;

    record Entry(String id, byte[] payload) { }

    public StreamQueue(String name, String keyPrefix, Codec<T> codec, String host, int port, JedisClientConfig config,
                       Duration lease, Duration reconnect, int prefetch, Runnable onClose) {
        this.name = Objects.requireNonNull(name, "name");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.key = (keyPrefix + name).getBytes(StandardCharsets.UTF_8);
        this.consumer = consumerName().getBytes(StandardCharsets.UTF_8);
        this.host = host;
        this.port = port;
        this.config = config;
        this.leaseMs = Math.max(1, lease.toMillis());
        this.pollMs = Math.max(10, Math.min(1000, leaseMs / 4));
        this.reconnectMs = reconnect.toMillis();
        this.prefetch = Math.max(1, prefetch);
        this.onClose = onClose;
        String threadName = "coro-redis " + name + " " + new String(consumer, StandardCharsets.UTF_8);
        this.io = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        // connect now, in the background: the first command waits for it, and reports Redis being unreachable
        call(() -> {
            try {
                redis(j -> null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", this, e.getMessage());
            }
            return null;
        });
    }

    private static final java.util.concurrent.atomic.AtomicLong HANDLES = new java.util.concurrent.atomic.AtomicLong();

    private static String consumerName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + HANDLES.incrementAndGet() + ":"
                + Long.toHexString(Double.doubleToLongBits(Math.random()) & 0xffffL);
    }

    /** The Redis key of the stream. */
    public String streamKey() {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** This handle's consumer name in the group. */
    public String consumer() {
        return new String(consumer, StandardCharsets.UTF_8);
    }

    // ---- put ----

    @Override
    @Coroutine
    public void put(T item) {
        Stack s = Stack.current();
        boolean root = s.enter();
        if (!root) {
            s.pin();
        }
        try {
            put(item, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @Override
    public void put(T item, Stack s) {
        CompletableFuture<Object> f = null;
        if (!Suspend.isResuming(s)) {
            Objects.requireNonNull(item, "a queue message must not be null");
            byte[] payload = codec.encode(item);
            f = call(() -> redis(j -> j.sendCommand(Protocol.Command.XADD, key, "*".getBytes(StandardCharsets.US_ASCII),
                    FIELD, payload)));
        }
        Coro.await(f, s);
    }

    // ---- get ----

    @Override
    @Coroutine
    public T get() {
        Stack s = Stack.current();
        boolean root = s.enter();
        if (!root) {
            s.pin();
        }
        try {
            return get(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @Override
    public T get(Stack s) {
        return take(Suspend.isResuming(s) ? null : startGet(Long.MAX_VALUE), s);
    }

    @Override
    @Coroutine
    public T get(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter();
        if (!root) {
            s.pin();
        }
        try {
            return get(timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @Override
    public T get(Duration timeout, Stack s) {
        CompletableFuture<Entry> f = null;
        if (!Suspend.isResuming(s)) {
            long nanos = timeout.toNanos();
            f = startGet(nanos >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : System.nanoTime() + Math.max(0, nanos));
        }
        return take(f, s);
    }

    private T take(CompletableFuture<Entry> f, Stack s) {
        Entry e = Coro.await(f, s);
        if (e == null) {
            return null;
        }
        stash = null;
        lastId = e.id;
        try {
            return codec.decode(e.payload);
        } catch (CodecException bad) {
            // a message this codec cannot read would come back forever: acknowledge it (it stays in the stream for
            // inspection with XRANGE) and tell the caller
            ack();
            throw new CodecException("message " + e.id + " on Redis queue '" + name + "' is malformed and was"
                    + " acknowledged so it does not come back (it stays in stream " + streamKey() + "): "
                    + bad.getMessage(), bad);
        }
    }

    private CompletableFuture<Entry> startGet(long deadlineNanos) {
        checkOpen();
        String previous = lastId;
        lastId = null;
        return call(() -> {
            if (previous != null) {
                pendingAcks.add(previous);
            }
            Entry kept = stash;
            if (kept != null) {
                flushAcks();
                return kept;
            }
            Entry e = receive(deadlineNanos);
            stash = e;
            return e;
        });
    }

    /**
     * On the io thread: a prefetched entry, else an expired lease of any consumer (looked for at most every poll
     * interval), else new entries (up to the prefetch); null at the deadline. Pending acknowledgements travel in
     * the same round trip as the next read, and are flushed at least every {@code prefetch} messages.
     */
    private Entry receive(long deadlineNanos) {
        while (true) {
            if (closed) {
                throw closedError();
            }
            Entry buffered = buffer.pollFirst();
            if (buffered != null) {
                if (pendingAcks.size() >= prefetch) {
                    flushAcks();
                }
                return buffered;
            }
            long now = System.nanoTime();
            if (now - nextClaimCheck >= 0) {
                nextClaimCheck = now + TimeUnit.MILLISECONDS.toNanos(pollMs);
                flushAcks();
                Entry claimed = redis(this::claimExpired);
                if (claimed != null) {
                    nextClaimCheck = now; // there may be more: look again on the next get
                    return claimed;
                }
            }
            long leftMs = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE
                    : TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            List<byte[]> args = new ArrayList<>(List.of("GROUP".getBytes(), GROUP, consumer, "COUNT".getBytes(),
                    Integer.toString(prefetch).getBytes()));
            if (leftMs > 0) {
                // wake up at least every poll interval to look for expired leases
                args.add("BLOCK".getBytes());
                args.add(Long.toString(Math.max(1, Math.min(leftMs, pollMs))).getBytes());
            }
            args.addAll(List.of("STREAMS".getBytes(), key, NEW));
            byte[][] read = args.toArray(new byte[0][]);
            byte[][] acks = pendingAckIds();
            List<Entry> fresh = redis(j -> {
                if (acks == null) {
                    return all(j.sendCommand(Protocol.Command.XREADGROUP, read));
                }
                try (Pipeline p = j.pipelined()) { // acknowledge and read in one round trip
                    p.sendCommand(Protocol.Command.XACK, concat(key, GROUP, acks));
                    p.sendCommand(Protocol.Command.XDEL, concat(key, null, acks));
                    Response<Object> r = p.sendCommand(Protocol.Command.XREADGROUP, read);
                    p.sync();
                    return all(r.get());
                }
            });
            pendingAcks.clear();
            if (!fresh.isEmpty()) {
                buffer.addAll(fresh.subList(1, fresh.size()));
                return fresh.get(0);
            }
            if (leftMs <= 0) {
                return null;
            }
        }
    }

    private byte[][] pendingAckIds() {
        if (pendingAcks.isEmpty()) {
            return null;
        }
        byte[][] ids = new byte[pendingAcks.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = pendingAcks.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        return ids;
    }

    private static byte[][] concat(byte[] a, byte[] b, byte[][] rest) {
        int head = b == null ? 1 : 2;
        byte[][] all = new byte[head + rest.length][];
        all[0] = a;
        if (b != null) {
            all[1] = b;
        }
        System.arraycopy(rest, 0, all, head, rest.length);
        return all;
    }

    /** On the io thread: sends the pending acknowledgements (XACK, then XDEL: the stream keeps what is not done). */
    private void flushAcks() {
        byte[][] acks = pendingAckIds();
        if (acks == null) {
            return;
        }
        redis(j -> {
            try (Pipeline p = j.pipelined()) {
                p.sendCommand(Protocol.Command.XACK, concat(key, GROUP, acks));
                p.sendCommand(Protocol.Command.XDEL, concat(key, null, acks));
                p.sync();
            }
            return null;
        });
        pendingAcks.clear();
    }

    /** XAUTOCLAIM one entry whose lease (idle time) ran out; walks the pending list with a cursor. */
    private Entry claimExpired(Jedis j) {
        for (int round = 0; round < 4; round++) {
            Object reply = j.sendCommand(Protocol.Command.XAUTOCLAIM, key, GROUP, consumer,
                    Long.toString(leaseMs).getBytes(), claimCursor, "COUNT".getBytes(), "1".getBytes());
            List<?> parts = (List<?>) reply;
            claimCursor = (byte[]) parts.get(0);
            List<?> entries = (List<?>) parts.get(1);
            for (Object o : entries) {
                Entry e = entry(o);
                if (e != null) {
                    LOG.log(System.Logger.Level.DEBUG, "claimed {0} on {1}: its lease ran out", e.id, streamKey());
                    return e;
                }
            }
            if (parts.size() > 2 && !((List<?>) parts.get(2)).isEmpty()) {
                // entries deleted from the stream while pending: nothing to deliver, XAUTOCLAIM dropped them
                continue;
            }
            if (entries.isEmpty() || "0-0".equals(new String(claimCursor, StandardCharsets.US_ASCII))) {
                return null;
            }
        }
        return null;
    }

    private static List<Entry> all(Object reply) {
        List<Entry> out = new ArrayList<>();
        if (reply == null) {
            return out;
        }
        List<?> streams = (List<?>) reply;
        if (streams.isEmpty()) {
            return out;
        }
        List<?> stream = (List<?>) streams.get(0);
        for (Object o : (List<?>) stream.get(1)) {
            Entry e = entry(o);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private static Entry entry(Object o) {
        if (!(o instanceof List<?> e) || e.size() < 2 || e.get(1) == null) {
            return null;
        }
        String id = new String((byte[]) e.get(0), StandardCharsets.US_ASCII);
        List<?> fields = (List<?>) e.get(1);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (java.util.Arrays.equals((byte[]) fields.get(i), FIELD)) {
                return new Entry(id, (byte[]) fields.get(i + 1));
            }
        }
        return new Entry(id, new byte[0]); // not ours: the codec rejects it with a clear message
    }

    // ---- ack, close ----

    /**
     * Acknowledges the message the last get returned. The acknowledgement is sent in order before this handle's next
     * command, without waiting for Redis: if this process dies before it reaches Redis, the message is delivered
     * again (at least once).
     */
    @Override
    public void ack() {
        String id = lastId;
        lastId = null;
        if (id != null && !closed) {
            call(() -> {
                pendingAcks.add(id);
                flushAcks();
                return null;
            });
        }
    }

    @Override
    public String lastId() {
        return lastId;
    }

    /**
     * Closes the handle: the unacknowledged message (if any) is handed back at once (its idle time is set past the
     * lease, so the next consumer's get claims it), the consumer leaves the group if it holds nothing, and the
     * connection closes. Waits at most a few seconds for Redis.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        String id = lastId;
        Entry kept = stash;
        lastId = null;
        CompletableFuture<Object> done = call(() -> {
            try {
                List<byte[]> giveBack = new ArrayList<>();
                if (id != null) {
                    giveBack.add(id.getBytes(StandardCharsets.US_ASCII));
                }
                if (kept != null && !kept.id.equals(id)) {
                    giveBack.add(kept.id.getBytes(StandardCharsets.US_ASCII));
                }
                for (Entry e : buffer) {
                    giveBack.add(e.id.getBytes(StandardCharsets.US_ASCII));
                }
                buffer.clear();
                if (jedis != null) {
                    flushAcks();
                }
                if (jedis != null && !giveBack.isEmpty()) {
                    for (byte[] bid : giveBack) {
                        jedis.sendCommand(Protocol.Command.XCLAIM, key, GROUP, consumer, "0".getBytes(), bid, "IDLE".getBytes(),
                                Long.toString(leaseMs + 1).getBytes(), "JUSTID".getBytes());
                    }
                }
                if (jedis != null) {
                    Object summary = jedis.sendCommand(Protocol.Command.XPENDING, key, GROUP, "-".getBytes(), "+".getBytes(),
                            "1".getBytes(), consumer);
                    if (summary instanceof List<?> l && l.isEmpty()) {
                        jedis.sendCommand(Protocol.Command.XGROUP, "DELCONSUMER".getBytes(), key, GROUP, consumer);
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing " + streamKey() + ": " + e);
            } finally {
                disconnect();
            }
            return null;
        });
        closed = true;
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + streamKey() + ": " + e);
        }
        io.shutdownNow();
        if (onClose != null) {
            onClose.run();
        }
    }

    /**
     * Drops the connection without acknowledging or handing anything back, as a process that dies would: what this
     * handle held comes back to other consumers when its lease runs out. For tests and failure drills.
     */
    public void abandon() {
        closed = true;
        io.shutdownNow();
        Jedis j = jedis;
        if (j != null) {
            try {
                j.getConnection().forceDisconnect(); // the io thread may be inside a blocking read
            } catch (Exception ignored) {
                // already gone
            }
        }
        if (onClose != null) {
            onClose.run();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private ChannelClosedException closedError() {
        return new ChannelClosedException("Redis queue '" + name + "' handle is closed");
    }

    // ---- the io thread ----

    private <R> CompletableFuture<R> call(Supplier<R> op) {
        CompletableFuture<R> f = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    f.complete(op.get());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(closedError());
        }
        return f;
    }

    interface Command<R> {
        R run(Jedis j);
    }

    /**
     * Runs {@code c} on the connection, reconnecting (with growing pauses, for at most the reconnect window) when
     * Redis is unreachable or restarted, and recreating the group when Redis came back without it.
     */
    private <R> R redis(Command<R> c) {
        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(reconnectMs);
        long pause = RETRY_FIRST_MS;
        while (true) {
            try {
                if (jedis == null) {
                    connect();
                }
                return c.run(jedis);
            } catch (JedisConnectionException e) {
                disconnect();
                if (closed) {
                    throw closedError();
                }
                if (System.nanoTime() - giveUp > 0) {
                    throw new IllegalStateException("Redis at " + host + ":" + port + " unreachable for "
                            + reconnectMs + " ms (queue '" + name + "'): " + e.getMessage(), e);
                }
                LOG.log(System.Logger.Level.DEBUG, "Redis at {0}:{1} unreachable, retrying in {2} ms: {3}", host, port,
                        pause, e.getMessage());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw closedError();
                }
                pause = Math.min(RETRY_MAX_MS, pause * 2);
            } catch (JedisDataException e) {
                String m = String.valueOf(e.getMessage());
                if (m.startsWith("NOGROUP") || m.contains("no such key")) {
                    createGroup(jedis); // Redis lost the stream (restarted without persistence): start it again
                    continue;
                }
                if (m.startsWith("LOADING")) { // restarted, still reading its append-only file
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw closedError();
                    }
                    continue;
                }
                throw new IllegalStateException("Redis refused a command on queue '" + name + "': " + m, e);
            }
        }
    }

    private void connect() {
        Jedis j = new Jedis(host, port, config);
        try {
            j.ping();
            createGroup(j);
        } catch (RuntimeException e) {
            j.close();
            throw e;
        }
        jedis = j;
    }

    private void createGroup(Jedis j) {
        try {
            // from the stream's start: messages put before any consumer existed are delivered too
            j.sendCommand(Protocol.Command.XGROUP, "CREATE".getBytes(), key, GROUP, "0".getBytes(), "MKSTREAM".getBytes());
        } catch (JedisDataException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private void disconnect() {
        Jedis j = jedis;
        jedis = null;
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // a broken connection
            }
        }
    }

    @Override
    public String toString() {
        return "RedisQueue[" + name + " at " + host + ":" + port + ", consumer " + consumer() + "]";
    }
}
