package dev.coro;

import dev.coro.internal.Stack;

/**
 * A running coroutine, as returned by {@link Coro#spawn(CoroutineCallable)}.
 *
 * <pre>{@code
 * Coro.run(() -> {
 *     Task<String> t = Coro.spawn(() -> { Coro.sleep(5); return "hi"; });
 *     System.out.println(t.name() + " -> " + t.join());
 * });
 * }</pre>
 *
 * @param <T> the result type
 */
public interface Task<T> {

    /**
     * Waits for the task and returns its value. Inside a coroutine this suspends the caller; on a plain thread it
     * blocks that thread. A task that failed rethrows its exception: unchecked ones as they are, checked ones
     * wrapped in {@link TaskFailedException}; a cancelled task throws {@link java.util.concurrent.CancellationException}.
     */
    @Coroutine
    T join();

    /**
     * The form of {@link #join()} that instrumented code calls; not for direct use.
     *
     * @hidden
     */
    T join(Stack stack);

    /**
     * Asks the task to stop: a task not yet started never runs; a suspended one gets a
     * {@link java.util.concurrent.CancellationException} where it is suspended, so its {@code finally} blocks run; a
     * running one at its next suspension point or loop head. A task that finishes before that ends normally, and
     * keeps its value: nothing it was handed is dropped. A task that ends with that exception, or with one that wraps
     * it (a library in the way wraps what it catches), was cancelled. {@link #isCancelled()} and {@link #join()} agree
     * on how it ended.
     *
     * @return false if the task had already finished; true if the request was made in time to be seen
     */
    boolean cancel();

    /** True once the task has finished: with a value, an exception, or cancelled. */
    boolean isDone();

    /** True if the task finished because it was cancelled. */
    boolean isCancelled();

    /** The task's name, for diagnostics. */
    String name();

    /**
     * Runs {@code action} once the task is done (at once if it is), on the thread that completed it: keep it short and
     * non-blocking. Actions run in the order they were added, and tasks joining it resume in the order they joined.
     */
    void onComplete(java.util.function.Consumer<? super Task<T>> action);

    /** The exception the task failed with; null while it runs, and if it succeeded or was cancelled. */
    Throwable exception();

    /**
     * A future completed with the task's outcome (cancelled if the task was), for code outside coro. Cancelling the
     * future cancels the task, as {@link #cancel()} does.
     */
    java.util.concurrent.CompletableFuture<T> toCompletableFuture();
}
