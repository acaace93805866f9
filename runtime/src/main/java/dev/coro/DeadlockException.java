package dev.coro;

import java.util.List;

/**
 * Thrown by {@link Coro#run(CoroutineCallable)} when every task of the loop waits and nothing can ever wake any of
 * them: no ready task, no timer, no pending work from another thread. The message lists each task, its wait and the
 * frames it is suspended in.
 *
 * <pre>{@code
 * try {
 *     Coro.run(() -> new Event().await());   // made in the loop, and nothing in it ever sets it
 * } catch (DeadlockException e) {
 *     e.tasks().forEach(System.err::println);
 * }
 * }</pre>
 */
public final class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final List<String> tasks;

    public DeadlockException(List<String> tasks) {
        super("deadlock: every task waits and nothing can wake them:\n  " + String.join("\n  ", tasks));
        this.tasks = List.copyOf(tasks);
    }

    /**
     * One entry per task: its name and what it waits on, then, one per line, the frames it is suspended in (as
     * {@link Coro#dump()} shows them).
     */
    public List<String> tasks() {
        return tasks;
    }
}
