package dev.coro.internal.ipc;

import dev.coro.internal.Stack;

/**
 * One process's access to a named queue: in-process ({@link BrokerQueue}, the broker's own process) or through a
 * connection ({@link Client}). The waiting methods follow the runtime's twin rule: they may suspend once, at their
 * end, and are then called again ({@code Suspend.isResuming}) with arguments that must not be used: they are not
 * passed again (null, 0).
 */
public interface Endpoint {
    /** {@code unix:/path} or {@code tcp:host:port} of the broker. */
    String address();

    String name();

    /** 0 for an unbounded queue. */
    int capacity();

    /** Adds a message, waiting while the queue is full; {@code nanos < 0} waits forever. False if time ran out. */
    boolean put(byte[] body, long nanos, Stack s);

    /**
     * A new consumer of this queue: through a connection, one that prefetches up to {@link Client#DEFAULT_PREFETCH}
     * messages for an unbounded queue, none for a bounded one (each waiting get asks for one message).
     */
    Consumer consumer();

    /**
     * A new consumer that holds at most {@code prefetch} messages delivered but not yet taken; 0: none, each waiting
     * get asks for one (what a queue with leases wants: a prefetched message's lease would run meanwhile). A get
     * that times out takes its request back; a message already on its way stays with the consumer for its next get,
     * or goes back to the queue when the consumer closes. In the broker's own process nothing is prefetched.
     */
    default Consumer consumer(int prefetch) {
        return consumer();
    }

    /**
     * A new consumer that holds ahead what its callers' pace asks for: nothing while they take long between gets
     * (each waiting get asks for one message, as {@code consumer(0)}), up to 64 messages while they outpace the
     * round trip to the broker. In the broker's own process nothing is prefetched.
     */
    default Consumer adaptiveConsumer() {
        return consumer(0);
    }

    /**
     * Pipe queues: makes this process a holder of the pipe end that writes to this queue, until the returned
     * release runs (once) or the process's connection ends; the end closes when its last holder lets go. Throws
     * {@code ChannelClosedException} if the end was closed already, IllegalStateException if this queue is not a
     * pipe's.
     */
    Runnable claimEnd();

    /** Waits (bounded) until every put made through this endpoint so far has reached the broker. */
    void flush();

    /** One consumer: it holds what it took until it acknowledges it. */
    interface Consumer {
        /** The next message, waiting at most {@code nanos} ({@code < 0}: forever); null if none came in time. */
        Msg get(long nanos, Stack s);

        /** Acknowledges {@code m}, taken from this consumer. */
        void ack(Msg m);

        /** Ends this consumer; {@code unacked} (may be null) and whatever it prefetched go back to the queue. */
        void close(Msg unacked);
    }
}
