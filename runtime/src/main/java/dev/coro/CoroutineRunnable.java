package dev.coro;

/**
 * A coroutine body without a result.
 *
 * <pre>{@code
 * Coro.run(() -> {
 *     Coro.sleep(10);
 *     System.out.println("done");
 * });
 * }</pre>
 */
@FunctionalInterface
public interface CoroutineRunnable {
    /** Runs the body; may suspend. */
    @Coroutine
    void run() throws Exception;
}
