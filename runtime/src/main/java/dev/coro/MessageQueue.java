package dev.coro;

import dev.coro.internal.Stack;

import java.time.Duration;

/**
 * A queue of messages that outlives a process: between processes of one machine ({@code ProcessQueue}), through a
 * task manager on the network, or on Redis. Coroutines suspend in {@code put} and {@code get}; plain threads block.
 * Messages cross the boundary through the queue's {@link Codec}, and must not be null.
 *
 * <p>Delivery is at least once. The message that {@code get} returned stays the consumer's, unacknowledged, until
 * the consumer calls {@code get} again (which acknowledges it) or {@link #ack()}. If the consumer's process dies or
 * disconnects first, the message goes back to the queue and is delivered again, with the same {@link #lastId() id},
 * so a consumer that must not act twice can recognise it.
 *
 * <pre>{@code
 * MessageQueue<String> q = ...;             // e.g. ProcessQueue.create(Codec.strings())
 * q.put("job-1");
 * String job = q.get();                     // the previous message, if any, is acknowledged here
 * String next = q.get(Duration.ofSeconds(1)); // null if nothing came within a second
 * q.ack();                                  // acknowledge without taking another
 * }</pre>
 *
 * @param <T> the message type
 */
public interface MessageQueue<T> extends AutoCloseable {
    /** Adds {@code item} at the tail, waiting while a bounded queue is full. */
    @Coroutine
    void put(T item);

    /** @hidden */
    void put(T item, Stack s);

    /** Takes the next message, waiting while there is none; acknowledges the one taken before. */
    @Coroutine
    T get();

    /** @hidden */
    T get(Stack s);

    /** Takes the next message, waiting at most {@code timeout}; null if none came in time. */
    @Coroutine
    T get(Duration timeout);

    /** @hidden */
    T get(Duration timeout, Stack s);

    /** Acknowledges the message the last {@code get} returned, so it is never delivered again. */
    void ack();

    /** The id of the message the last {@code get} returned: unique in the queue, kept across redeliveries. */
    String lastId();

    /** Closes this handle: unacknowledged messages go back to the queue. The queue itself lives on. */
    @Override
    void close();
}
