package dev.coro;

/**
 * A coroutine body that returns a value; the lambda form of most coro entry points.
 *
 * <pre>{@code
 * int total = Coro.run(() -> {
 *     Task<Integer> a = Coro.spawn(() -> 20);
 *     return a.join() + 22;
 * });
 * }</pre>
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface CoroutineCallable<T> {
    /** Runs the body; may suspend. */
    @Coroutine
    T call() throws Exception;
}
