package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.codec.Codecs;
import dev.coro.internal.Suspend;
import dev.coro.internal.ipc.Broker;
import dev.coro.internal.ipc.Endpoint;
import dev.coro.internal.ipc.Handover;
import dev.coro.internal.ipc.LocalBroker;

import java.time.Duration;
import java.util.Objects;

/**
 * A duplex pipe between two processes, Python's {@code multiprocessing.Pipe} for coro: two ends, each sending to
 * the other. The parent creates it, keeps one end and hands the other to a child as an argument of
 * {@link CoroProcess#start}: the child's method receives an end of its own on the same pipe. Coroutines suspend in
 * {@code receive}; plain threads block.
 *
 * <pre>{@code
 * Pipe<String> pipe = Pipe.create(Codec.strings());
 * CoroProcess child = CoroProcess.start(Worker.class, "serve", pipe.second());   // see Pipe.End
 * Pipe.End<String> mine = pipe.first();
 * mine.send("ping");
 * String answer = mine.receive(Duration.ofSeconds(5));   // "done: ping"
 * child.join();
 * }</pre>
 *
 * <p><b>Closing:</b> an end is held by each process that restored it from its handover or used it (sent or
 * received through it), until that process calls {@link End#close()} or exits, normally or not (a crashed child
 * counts). When the last holder lets go, the end is closed for good, as a Unix pipe's end is, and the other end
 * sees it: its {@code receive} first gets everything the closed end sent before closing, then (and so does a
 * {@code receive} already waiting) throws {@link ChannelClosedException} saying "the other end of the pipe was
 * closed" and how; its {@code send} throws the same, since nothing could ever receive the message. An end that no
 * process ever restored or used is not held, so it cannot close: a child that never started is not seen; use
 * {@code receive(Duration)} when that can happen.
 *
 * <p><b>Nothing lost:</b> each direction is a {@link ProcessQueue}, with its guarantee: a message the receiving
 * end took but had not acknowledged (by its next {@code receive}) when its process died or closed its handle is
 * delivered again, to whoever receives on that end next (if no holder of that end is left, nobody can receive it:
 * the end is closed, and the message is dropped with it).
 *
 * @param <T> the message type
 */
public final class Pipe<T> {
    private final End<T> first;
    private final End<T> second;

    private Pipe(End<T> first, End<T> second) {
        this.first = first;
        this.second = second;
    }

    /** A new pipe, held by this process's broker. */
    public static <T> Pipe<T> create(Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        Codecs.spec(codec);
        Broker b = LocalBroker.get();
        String base = LocalBroker.newName("pipe");
        String ab = base + "-ab";
        String ba = base + "-ba";
        b.declarePipe(base);
        String address = b.address();
        return new Pipe<>(new End<>(codec, address, ab, ba), new End<>(codec, address, ba, ab));
    }

    /** One end. */
    public End<T> first() {
        return first;
    }

    /** The other end. */
    public End<T> second() {
        return second;
    }

    /** @hidden the "pipe" kind of {@link Handover#restore}. */
    public static End<?> restoreHandover(String rest) {
        String[] f = LocalBroker.split(rest, 4, "pipe");
        Codec<?> codec = Codecs.fromSpec(f[3], Thread.currentThread().getContextClassLoader());
        End<?> end = new End<>(codec, f[0], f[1], f[2]);
        end.claim(); // from now on, this process's exit closes the end (unless another holds it too)
        return end;
    }

    /**
     * One end of a pipe: it sends to the other end and receives what the other end sent.
     *
     * <pre>{@code
     * public class Worker {
     *     @Coroutine static void serve(Pipe.End<String> end) {   // in the child, started as in Pipe's example
     *         String job = end.receive();
     *         end.send("done: " + job);
     *         end.close();
     *     }
     * }
     * }</pre>
     *
     * @param <T> the message type
     */
    public static final class End<T> implements Handover, AutoCloseable {
        private final Codec<T> codec;
        private final String address;
        private final String outName;
        private final String inName;
        private volatile ProcessQueue<T> out;
        private volatile ProcessQueue<T> in;
        private volatile Endpoint outEndpoint;
        /** Lets go of this object's hold on the end; null while it holds none. Guarded by this. */
        private volatile Runnable release;
        private volatile boolean closed;

        End(Codec<T> codec, String address, String outName, String inName) {
            this.codec = codec;
            this.address = address;
            this.outName = outName;
            this.inName = inName;
        }

        private Endpoint outEndpoint() {
            Endpoint e = outEndpoint;
            if (e == null) {
                synchronized (this) {
                    if (outEndpoint == null) {
                        outEndpoint = LocalBroker.open(address, outName);
                    }
                    e = outEndpoint;
                }
            }
            return e;
        }

        private ProcessQueue<T> out() {
            ProcessQueue<T> q = out;
            if (q == null) {
                synchronized (this) {
                    if (out == null) {
                        out = ProcessQueue.on(codec, outEndpoint());
                    }
                    q = out;
                }
            }
            return q;
        }

        /** Makes this process a holder of the end (once per object); throws if the end was closed. */
        void claim() {
            if (release != null) {
                return;
            }
            Endpoint e = outEndpoint();
            synchronized (this) {
                if (release == null && !closed) {
                    release = e.claimEnd();
                }
            }
        }

        private void checkOpen() {
            if (closed) {
                throw new ChannelClosedException("this end of the pipe was closed (" + this + ")");
            }
        }

        private ProcessQueue<T> in() {
            ProcessQueue<T> q = in;
            if (q == null) {
                synchronized (this) {
                    if (in == null) {
                        in = ProcessQueue.on(codec, LocalBroker.open(address, inName));
                    }
                    q = in;
                }
            }
            return q;
        }

        /**
         * Sends {@code item} to the other end (never waits for it to be received); throws
         * {@link ChannelClosedException} if either end was closed.
         */
        @Coroutine
        public void send(T item) {
            Stack s = Stack.current();
            boolean root = s.enter(); // a method reference as a task's body: the task's own entry
            if (!root) {
                s.pin();
            }
            try {
                send(item, s);
            } finally {
                if (!root) {
                    s.unpin();
                }
            }
        }

        /** @hidden */
        public void send(T item, Stack s) {
            if (!Suspend.isResuming(s)) {
                checkOpen();
                claim();
            }
            out().put(item, s);
        }

        /**
         * The next message from the other end, waiting while there is none; acknowledges the one before. Throws
         * {@link ChannelClosedException} once the other end was closed and everything it sent was received, or if
         * this end was closed.
         */
        @Coroutine
        public T receive() {
            Stack s = Stack.current();
            boolean root = s.enter(); // a method reference as a task's body: the task's own entry
            if (!root) {
                s.pin();
            }
            try {
                return receive(s);
            } finally {
                if (!root) {
                    s.unpin();
                }
            }
        }

        /** @hidden */
        public T receive(Stack s) {
            if (!Suspend.isResuming(s)) {
                checkOpen();
                claim();
            }
            return in().get(s);
        }

        /**
         * Like {@link #receive()}, waiting at most {@code timeout}; null if nothing came in time. Throws
         * {@link ChannelClosedException} like {@link #receive()}.
         */
        @Coroutine
        public T receive(Duration timeout) {
            Stack s = Stack.current();
            boolean root = s.enter(); // a method reference as a task's body: the task's own entry
            if (!root) {
                s.pin();
            }
            try {
                return receive(timeout, s);
            } finally {
                if (!root) {
                    s.unpin();
                }
            }
        }

        /** @hidden */
        public T receive(Duration timeout, Stack s) {
            if (!Suspend.isResuming(s)) {
                checkOpen();
                claim();
            }
            return in().get(timeout, s);
        }

        /** {@code pipe:} and where to find this end's two directions. */
        @Override
        public String handover() {
            return "pipe:" + LocalBroker.join(address, outName, inName, Codecs.spec(codec));
        }

        /**
         * Closes this end in this process: what it sent is flushed to the broker first, then this process lets go
         * of the end; if no other process holds it, the end is closed and the other end sees it (see
         * {@link Pipe}). Later calls on this object throw {@link ChannelClosedException}. Idempotent.
         */
        @Override
        public void close() {
            Runnable r;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                r = release;
                release = null;
            }
            ProcessQueue<T> o = out;
            ProcessQueue<T> i = in;
            try {
                if (o != null) {
                    o.close();
                }
                if (i != null) {
                    i.close();
                }
            } finally {
                if (r != null) {
                    r.run();
                }
            }
        }

        @Override
        public String toString() {
            return "Pipe.End[sends to " + outName + ", receives from " + inName + " at " + address + "]";
        }
    }
}
