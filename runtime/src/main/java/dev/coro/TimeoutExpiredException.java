package dev.coro;

import java.time.Duration;

/**
 * Thrown at a coroutine's suspension point when a {@link Timeout} it set expires. {@link #timeout()} says which one,
 * so nested timeouts can tell theirs apart.
 *
 * <pre>{@code
 * try (Timeout t = Timeout.after(Duration.ofMillis(100))) {
 *     channel.receive();
 * } catch (TimeoutExpiredException e) {
 *     System.out.println("nothing within " + e.duration());
 * }
 * }</pre>
 */
public final class TimeoutExpiredException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Object timeout;
    private final long nanos;

    public TimeoutExpiredException(Object timeout, long nanos) {
        super("timed out after " + Duration.ofNanos(nanos));
        this.timeout = timeout;
        this.nanos = nanos;
    }

    /** The {@link Timeout} that expired. */
    public Timeout timeout() {
        return (Timeout) timeout;
    }

    public Duration duration() {
        return Duration.ofNanos(nanos);
    }
}
