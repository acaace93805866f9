package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.TimeoutTimer;

import java.time.Duration;

/**
 * A deadline for the coroutine that sets it, as try-with-resources: if it passes before {@link #close()}, the
 * coroutine gets a {@link TimeoutExpiredException} where it is suspended (or at its next suspension point), so its
 * {@code finally} blocks run. Nested timeouts each throw their own; catch yours by comparing {@code timeout()}.
 *
 * <pre>{@code
 * Timeout t = Timeout.after(Duration.ofSeconds(1));
 * try (t) {
 *     return fetch(url);
 * } catch (TimeoutExpiredException e) {
 *     if (e.timeout() != t) throw e; // an outer one
 *     return null;
 * }
 * }</pre>
 *
 * Of several that expired before the coroutine could be told, the outermost one is thrown: it ends the scopes inside
 * it too. Around {@link Coro#withTimeout(Duration, CoroutineCallable)}, whose {@code Timeout} you do not hold, tell
 * them apart by {@link TimeoutExpiredException#duration()}.
 */
public final class Timeout implements AutoCloseable {
    private final TimeoutTimer timer;

    private Timeout(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + d);
        }
        this.timer = TimeoutTimer.start(Nanos.of(d), this);
    }

    /** Starts a timeout for the calling coroutine. */
    public static Timeout after(Duration d) {
        return new Timeout(d);
    }

    /** True if it expired (whether or not its exception was thrown). */
    public boolean expired() {
        return timer.hasFired();
    }

    /** Disarms it; an expiry not yet thrown is dropped. */
    @Override
    public void close() {
        timer.cancel();
    }
}
