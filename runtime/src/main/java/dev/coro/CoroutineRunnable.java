package dev.coro;

import dev.coro.internal.Stack;

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

    /**
     * The form instrumented code calls when the implementation is a lambda or a class the agent did not rewrite.
     *
     * @hidden
     */
    default void run(Stack stack) throws Exception {
        boolean transparent = stack.bridge(this);
        try {
            run();
        } finally {
            stack.bridged(transparent);
        }
    }
}
