package dev.coro.internal.patch;

import dev.coro.internal.CoTask;
import dev.coro.internal.Stack;

/**
 * {@code Thread.start()} in rewritten code (agent patch group {@code threads}): a thread a task starts is told to
 * its loop, which does not take the waits of its tasks for a deadlock while that thread lives: it may still send on
 * the channel, or set the event, it was handed.
 */
public final class PatchedThreads {
    private PatchedThreads() {
    }

    public static void start(Thread t) {
        t.start();
        CoTask<?> task = Stack.current().task();
        if (task != null) {
            task.startedThread(t);
        }
    }
}
