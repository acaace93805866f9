package dev.coro.internal;

import dev.coro.CoroutineCallable;

/**
 * What the agent turns a {@code CoroutineCallable} lambda into: its proxy implements {@link #call(Stack)} by calling
 * the lambda body's twin directly, so a task resumed through it skips the stub's thread-local lookup.
 */
@FunctionalInterface
public interface StackCallable<T> extends CoroutineCallable<T> {
    @Override
    T call(Stack stack) throws Exception;

    /** Reached from plain code: the stub's work (a task's entry arms the stack; anything else runs pinned). */
    @Override
    default T call() throws Exception {
        Stack s = Stack.current();
        if (s.enter()) {
            return call(s);
        }
        s.pin();
        try {
            return call(s);
        } finally {
            s.unpin();
        }
    }
}
