package dev.coro.internal;

/**
 * Something to do when a task completes: wake a joining task (on any loop), release a blocked thread, count down
 * a join-all. Called on the thread that completed the task; implementations hand work to their own loop.
 */
interface Waiter {
    void taskDone(CoTask<?> task);
}
