package dev.coro;

/**
 * Thrown by {@link Task#join()} when the task failed with a checked exception, which is the cause.
 *
 * <pre>{@code
 * try { task.join(); } catch (TaskFailedException e) { Throwable why = e.getCause(); }
 * }</pre>
 */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaskFailedException(String taskName, Throwable cause) {
        super("task " + taskName + " failed: " + cause, cause);
    }
}
