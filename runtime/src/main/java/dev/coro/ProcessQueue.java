package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.codec.Codecs;
import dev.coro.internal.ipc.Endpoint;
import dev.coro.internal.ipc.Handover;
import dev.coro.internal.ipc.LocalBroker;
import dev.coro.internal.ipc.Msg;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A queue between processes of one machine, Python's {@code multiprocessing.Queue} for coro: many producers and
 * many consumers, in the process that created it and in the child processes it is handed to. Coroutines suspend in
 * {@code put} and {@code get}; plain threads block. Messages go through a {@link Codec}; nothing is ever
 * Java-deserialized from the wire unless the codec is an opted-in {@link Codec#serialized}.
 *
 * <pre>{@code
 * ProcessQueue<String> q = ProcessQueue.create(Codec.strings());
 * // hand it to a child as an argument of CoroProcess.start: the child's method gets its own handle on it
 * q.put("hello");
 * String got = q.get();                        // "hello"
 * String none = q.get(Duration.ofMillis(10));  // null: nothing came in time
 * q.close();
 * }</pre>
 *
 * <p><b>Nothing lost:</b> delivery is at least once. A message that {@code get} returned stays this handle's,
 * unacknowledged, until the next {@code get} on the handle (which acknowledges it) or {@link #ack()}. If the
 * consumer's process dies, disconnects or closes the handle first, the message goes back to the front of the queue
 * and is delivered again, with the same {@link #lastId() id}. Consumers in other processes prefetch a few messages
 * (system property {@code coro.queue.prefetch}, default 256; none for a bounded queue) to go fast; prefetched
 * messages are unacknowledged
 * too and go back the same way. A handle is one consumer: coroutines sharing a handle acknowledge, with each
 * {@code get}, the message the handle took last; give each consumer its own handle ({@link #handle()}) when each
 * must acknowledge exactly its own.
 *
 * <p>The queue lives in a broker of the process that created it (a coro loop on a thread of its own, a reader and a
 * writer task per connection), reached by the others over a Unix-domain socket in a private directory. Each other process has one connection to it, carried
 * by coro's cooperative IO on one loop thread of that process ({@code coro-queue-io}); a {@code put} returns once the
 * message is queued for sending on the connection (the connection is flushed when a handle closes and when the
 * process exits normally). When the creating process
 * ends, the queue ends with it: waiting callers elsewhere get a {@link ChannelClosedException} naming the broker.
 *
 * @param <T> the message type
 */
public final class ProcessQueue<T> implements MessageQueue<T>, Handover {
    private final Codec<T> codec;
    private final Endpoint endpoint;
    /** Messages a consumer in another process prefetches; -1: the endpoint's default. */
    private final int prefetch;
    private volatile Endpoint.Consumer consumer;
    private final AtomicReference<Msg> unacked = new AtomicReference<>();
    private volatile Msg lastReturned;
    private volatile boolean closed;

    private ProcessQueue(Codec<T> codec, Endpoint endpoint) {
        this(codec, endpoint, -1);
    }

    private ProcessQueue(Codec<T> codec, Endpoint endpoint, int prefetch) {
        this.codec = codec;
        this.endpoint = endpoint;
        this.prefetch = prefetch;
    }

    /**
     * An unbounded queue: {@code put} never waits. Throws IllegalArgumentException if the codec cannot be handed to
     * another process (a custom codec needs a public no-argument constructor).
     */
    public static <T> ProcessQueue<T> create(Codec<T> codec) {
        return create(codec, 0);
    }

    /**
     * A queue holding at most {@code capacity} messages not yet taken ({@code 0}: unbounded); puts wait for room.
     * Consumers of a bounded queue in other processes prefetch nothing: each waiting {@code get} asks for one
     * message, so the bound holds across processes (a get that times out just as a message is sent to it keeps
     * that one for its handle's next get, or gives it back when the handle closes).
     */
    public static <T> ProcessQueue<T> create(Codec<T> codec, int capacity) {
        Objects.requireNonNull(codec, "codec");
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity is negative: " + capacity);
        }
        Codecs.spec(codec); // fail now, not in the child, if the codec cannot be handed over
        return new ProcessQueue<>(codec, LocalBroker.get().declare(LocalBroker.newName("queue"), capacity, null));
    }

    /** @hidden the "queue" kind of {@link Handover#restore}. */
    public static ProcessQueue<?> restoreHandover(String rest) {
        String[] f = LocalBroker.split(rest, 3, "queue");
        Codec<?> codec = Codecs.fromSpec(f[2], Thread.currentThread().getContextClassLoader());
        return new ProcessQueue<>(codec, LocalBroker.open(f[0], f[1]));
    }

    static <T> ProcessQueue<T> on(Codec<T> codec, Endpoint endpoint) {
        return new ProcessQueue<>(codec, endpoint);
    }

    /**
     * A handle on any endpoint (a broker of this package's users, e.g. a task manager's queue through its
     * connection), whose consumer prefetches at most {@code prefetch} messages (0: none, each waiting get asks for
     * one; what queues with leases want).
     */
    static <T> ProcessQueue<T> on(Codec<T> codec, Endpoint endpoint, int prefetch) {
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch is negative: " + prefetch);
        }
        return new ProcessQueue<>(codec, endpoint, prefetch);
    }

    /** {@code queue:} and where to find it; {@code Handover.restore} in another process gives a handle on it. */
    @Override
    public String handover() {
        return "queue:" + LocalBroker.join(endpoint.address(), endpoint.name(), Codecs.spec(codec));
    }

    /** Another handle on the same queue in this process: an independent consumer with its own acknowledgements. */
    public ProcessQueue<T> handle() {
        return new ProcessQueue<>(codec, endpoint, prefetch);
    }

    /** The bound given at creation; 0 if unbounded. */
    public int capacity() {
        return endpoint.capacity();
    }

    @Override
    @Coroutine
    public void put(T item) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
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
        if (Suspend.isResuming(s)) { // the arguments are not passed again on resume
            endpoint.put(null, -1, s);
            return;
        }
        checkOpen();
        Objects.requireNonNull(item, "a queue message must not be null");
        endpoint.put(codec.encode(item), -1, s);
    }

    /** Like {@link #put}, waiting at most {@code timeout} for room; false if the queue stayed full. */
    @Coroutine
    public boolean offer(T item, Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return offer(item, timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public boolean offer(T item, Duration timeout, Stack s) {
        if (Suspend.isResuming(s)) { // the arguments are not passed again on resume
            return endpoint.put(null, 0, s);
        }
        checkOpen();
        Objects.requireNonNull(item, "a queue message must not be null");
        return endpoint.put(codec.encode(item), Math.max(0, Nanos.of(timeout)), s);
    }

    @Override
    @Coroutine
    public T get() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
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
        Msg m = take(-1, s);
        return m == null ? null : accept(m);
    }

    @Override
    @Coroutine
    public T get(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
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
        Msg m = take(Suspend.isResuming(s) ? 0 : Math.max(0, Nanos.of(timeout)), s);
        return m == null ? null : accept(m);
    }

    private Msg take(long nanos, Stack s) {
        if (!Suspend.isResuming(s)) {
            checkOpen();
            ack();
        }
        return consumer().get(nanos, s);
    }

    private T accept(Msg m) {
        Msg prev = unacked.getAndSet(m);
        if (prev != null) {
            consumer.ack(prev); // a concurrent get on this handle took one meanwhile: it is done with it
        }
        lastReturned = m;
        return codec.decode(m.body);
    }

    private Endpoint.Consumer consumer() {
        Endpoint.Consumer c = consumer;
        if (c == null) {
            synchronized (this) {
                c = consumer;
                if (c == null) {
                    c = prefetch < 0 ? endpoint.consumer() : endpoint.consumer(prefetch);
                    consumer = c;
                }
            }
        }
        return c;
    }

    private void checkOpen() {
        if (closed) {
            throw new ChannelClosedException("this handle on process queue '" + endpoint.name() + "' is closed");
        }
    }

    @Override
    public void ack() {
        Msg m = unacked.getAndSet(null);
        if (m != null) {
            consumer.ack(m);
        }
    }

    /** The id of the message the last {@code get} returned (kept across redeliveries), or null before any. */
    @Override
    public String lastId() {
        Msg m = lastReturned;
        return m == null ? null : Long.toString(m.id);
    }

    /** How many times the message the last {@code get} returned was delivered (1 the first time); 0 before any. */
    public int lastDeliveryCount() {
        Msg m = lastReturned;
        return m == null ? 0 : m.deliveries;
    }

    /**
     * Closes this handle: its unacknowledged message (and what it prefetched) goes back to the queue, and its puts
     * are flushed to the broker. The queue lives on for other handles.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Endpoint.Consumer c = consumer;
        Msg m = unacked.getAndSet(null);
        if (c != null) {
            c.close(m);
        }
        try {
            endpoint.flush();
        } catch (ChannelClosedException ignored) {
            // the broker is gone: nothing to flush to
        }
    }

    @Override
    public String toString() {
        return "ProcessQueue[" + endpoint.name() + " at " + endpoint.address() + "]";
    }
}
