package dev.coro;

import dev.coro.internal.Stack;

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

    /**
     * The form instrumented code calls when the implementation is a lambda or a class the agent did not rewrite.
     *
     * @hidden
     */
    default T call(Stack stack) throws Exception {
        boolean transparent = stack.bridge(this);
        try {
            return call();
        } finally {
            stack.bridged(transparent);
        }
    }
}
