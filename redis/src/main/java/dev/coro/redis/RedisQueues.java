package dev.coro.redis;

import dev.coro.Codec;
import dev.coro.MessageQueue;
import dev.coro.internal.redis.StreamQueue;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Task queues on Redis: the same {@link MessageQueue} as coro's embedded {@code Manager}, for when one machine is not
 * enough. Any number of producers and consumers on any number of machines share a queue by its name.
 *
 * <pre>{@code
 * try (RedisQueues redis = RedisQueues.connect("10.0.0.5", 6379).lease(Duration.ofSeconds(30))) {
 *     MessageQueue<Long> tasks = redis.queue("tasks", Codec.longs());
 *     tasks.put(42L);
 *     Long n = tasks.get(Duration.ofSeconds(5));   // null if none came
 *     String id = tasks.lastId();                  // the stream entry id, e.g. "1764210000000-0"
 *     ...                                          // work on n
 *     tasks.ack();                                 // or the next get acknowledges it
 * }
 * }</pre>
 *
 * <p><b>How it maps to Redis.</b> A queue named {@code q} is the stream {@code coro:queue:q} with one consumer group,
 * {@code coro}; every handle {@link #queue} returns is a consumer of its own in that group, with its own connection.
 * {@code put} is {@code XADD}; {@code get} is {@code XREADGROUP ... >} (one entry), preceded by {@code XAUTOCLAIM}, which
 * takes over an entry whose consumer held it unacknowledged for longer than the <em>lease</em> (a consumer that died,
 * was cut off, or is too slow); acknowledging is {@code XACK} followed by {@code XDEL}, so the stream holds only what
 * is not done yet. {@link MessageQueue#lastId()} is the stream entry id, the same on every redelivery: put it in the
 * result so the collector can recognise a task done twice.
 *
 * <p><b>What survives what.</b> A consumer killed mid-task loses nothing: its entry stays pending in Redis and
 * another consumer claims it once the lease ran out (closing a handle hands its entry back at once). A Redis restart
 * loses nothing that Redis had written to its append-only file: run Redis with {@code appendonly yes}; with the
 * default {@code appendfsync everysec} a crash of the Redis machine (not a restart) can lose the last second of
 * writes, with {@code appendfsync always} nothing that {@code put} or an acknowledgement returned from. Handles ride
 * out a restart: a command that meets a dropped connection is retried on a new one, with growing pauses, for at most
 * the {@link #reconnectFor reconnect window}; after that it fails with an {@link IllegalStateException} naming Redis.
 * A retried {@code put} may add its message twice (at least once). A message the queue's codec cannot read is
 * reported to the consumer as a {@link dev.coro.CodecException} and acknowledged, so it does not come back forever;
 * it stays in the stream for inspection ({@code XRANGE}).
 *
 * <p><b>Threads.</b> Each handle runs its Redis commands, in order, on a thread of its own; a coroutine calling
 * {@code put} or {@code get} suspends (its loop runs others) and a plain thread blocks. The application needs no
 * agent option for Jedis. A handle is one consumer: share it among coroutines for {@code put}, but give each
 * consuming coroutine its own handle, since {@code lastId} and the implicit acknowledgement belong to the handle.
 *
 * <p>This class only holds settings and the open handles; {@link #close()} closes them all.
 */
public final class RedisQueues implements AutoCloseable {
    private final String host;
    private final int port;
    private volatile JedisClientConfig config;
    private volatile Duration lease = Duration.ofSeconds(30);
    private volatile Duration reconnect = Duration.ofSeconds(30);
    private volatile String prefix = "coro:queue:";
    private final Set<StreamQueue<?>> open = ConcurrentHashMap.newKeySet();

    private RedisQueues(String host, int port, JedisClientConfig config) {
        this.host = host;
        this.port = port;
        this.config = config;
    }

    /** Queues on the Redis server at {@code host:port}; connections are made by {@link #queue}. */
    public static RedisQueues connect(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("not a TCP port: " + port);
        }
        return new RedisQueues(host, port, DefaultJedisClientConfig.builder().timeoutMillis(10_000).build());
    }

    /** {@code host:port}, as given on a command line. */
    public static RedisQueues connect(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'", e);
        }
        return connect(hostAndPort.substring(0, colon), port);
    }

    /**
     * Authenticates with {@code password} (Redis's {@code requirepass}, or the default user's ACL password), for
     * handles opened from now on. A Redis reachable from other machines should have one: without it, Redis's
     * protected mode refuses every connection that is not from loopback. Replaces a {@link #clientConfig} given
     * before.
     */
    public RedisQueues password(String password) {
        this.config = DefaultJedisClientConfig.builder().timeoutMillis(10_000).password(password).build();
        return this;
    }

    /** Connection settings for Jedis (password, user, TLS, timeouts), for handles opened from now on. */
    public RedisQueues clientConfig(JedisClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        return this;
    }

    /**
     * How long a consumer may hold a message unacknowledged before another consumer takes it over (default 30 s).
     * Longer than the longest task; redelivery after a consumer dies takes about this long. It is the
     * <em>claiming</em> consumer's setting (the idle time its {@code XAUTOCLAIM} asks for), so give every consumer of
     * a queue the same lease.
     */
    public RedisQueues lease(Duration lease) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive: " + lease);
        }
        this.lease = lease;
        return this;
    }

    /** How long a command keeps trying to reach Redis again after a dropped connection (default 30 s). */
    public RedisQueues reconnectFor(Duration window) {
        this.reconnect = Objects.requireNonNull(window, "window");
        return this;
    }

    /** The prefix of the streams' keys (default {@code coro:queue:}). */
    public RedisQueues keyPrefix(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        return this;
    }

    /**
     * A new handle on the queue {@code name}: a consumer of its own, with its own connection (opened in the
     * background; the stream and group are created if missing). Never blocks: if Redis is not reachable within the
     * reconnect window, the first {@code put} or {@code get} fails with an {@link IllegalStateException} naming it.
     */
    public <T> MessageQueue<T> queue(String name, Codec<T> codec) {
        return queue(name, codec, 1);
    }

    /**
     * Like {@link #queue(String, Codec)}, reading up to {@code prefetch} entries per round trip to Redis and
     * acknowledging them in batches (at least every {@code prefetch} messages, and with every read). Faster for
     * short tasks; the entries read ahead are this consumer's (their leases run) until it takes them, and go back
     * when the handle closes.
     */
    public <T> MessageQueue<T> queue(String name, Codec<T> codec, int prefetch) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a queue needs a name");
        }
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1: " + prefetch);
        }
        StreamQueue<T>[] self = new StreamQueue[1];
        StreamQueue<T> q = new StreamQueue<>(name, prefix, codec, host, port, config, lease, reconnect, prefetch,
                () -> open.remove(self[0]));
        self[0] = q;
        open.add(q);
        return q;
    }

    /** Closes every handle opened here that is still open. */
    @Override
    public void close() {
        for (StreamQueue<?> q : open.toArray(new StreamQueue<?>[0])) {
            q.close();
        }
    }

    @Override
    public String toString() {
        return "RedisQueues[" + host + ":" + port + "]";
    }
}
