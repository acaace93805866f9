package dev.coro.internal;

import dev.coro.CoroutineRunnable;

/** The {@code CoroutineRunnable} form of {@link StackCallable}. */
@FunctionalInterface
public interface StackRunnable extends CoroutineRunnable {
    @Override
    void run(Stack stack) throws Exception;

    /** Reached from plain code: the stub's work (a task's entry arms the stack; anything else runs pinned). */
    @Override
    default void run() throws Exception {
        Stack s = Stack.current();
        if (s.enter()) {
            run(s);
            return;
        }
        s.pin();
        try {
            run(s);
        } finally {
            s.unpin();
        }
    }
}
