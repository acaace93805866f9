package dev.coro;

/**
 * Thrown by {@link Channel#send} on a closed channel, and by {@link Channel#receive} once a closed channel is drained.
 *
 * <pre>{@code
 * try { for (;;) handle(ch.receive()); } catch (ChannelClosedException done) { }
 * }</pre>
 */
public final class ChannelClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message) {
        super(message);
    }
}
