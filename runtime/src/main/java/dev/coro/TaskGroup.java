package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Structured concurrency: tasks spawned in a group are joined when it closes. When one fails, the others are
 * cancelled at once, and {@link #close()} throws that first failure, with any later ones attached as suppressed.
 * {@code close()} suspends, so try-with-resources works in a coroutine.
 *
 * <pre>{@code
 * try (TaskGroup g = TaskGroup.open()) {
 *     Task<String> a = g.spawn(() -> fetch("a"));
 *     Task<String> b = g.spawn(() -> fetch("b"));
 * } // both done here; if one failed, the other was cancelled and the failure is thrown
 * }</pre>
 */
public final class TaskGroup implements AutoCloseable {
    private final List<Task<?>> children = new ArrayList<>();
    private Throwable failure;
    private Task<?> failedTask;
    private boolean closed;

    private TaskGroup() {
    }

    /** Opens a group on the current loop. */
    public static TaskGroup open() {
        if (Coro.current() == null) {
            throw new IllegalStateException("TaskGroup.open() outside a coroutine: open it inside Coro.run(...)");
        }
        return new TaskGroup();
    }

    public <T> Task<T> spawn(CoroutineCallable<T> body) {
        return adopt(Coro.spawn(body));
    }

    public Task<Void> spawn(CoroutineRunnable body) {
        return adopt(Coro.spawn(body));
    }

    public <T> Task<T> spawn(String name, CoroutineCallable<T> body) {
        return adopt(Coro.spawn(name, body));
    }

    <T> Task<T> adopt(Task<T> t) {
        synchronized (children) {
            if (closed) {
                t.cancel();
                throw new IllegalStateException("spawn in a closed task group");
            }
            children.add(t);
            if (failure != null) {
                t.cancel(); // the group is failing: a child spawned now never runs
            }
        }
        t.onComplete(this::childDone);
        return t;
    }

    private void childDone(Task<?> t) {
        Throwable e = t.exception();
        if (e == null) {
            return;
        }
        List<Task<?>> others;
        synchronized (children) {
            if (failure == null) {
                failure = e;
                failedTask = t;
            } else if (failure != e) {
                failure.addSuppressed(e);
                return;
            }
            others = new ArrayList<>(children);
        }
        for (Task<?> o : others) {
            o.cancel();
        }
    }

    /** True once a child has failed: the others are cancelled and new ones never run. */
    public boolean hasFailed() {
        synchronized (children) {
            return failure != null;
        }
    }

    /** Cancels every child. */
    public void cancel() {
        List<Task<?>> all;
        synchronized (children) {
            all = new ArrayList<>(children);
        }
        for (Task<?> t : all) {
            t.cancel();
        }
    }

    /** The children so far. */
    public List<Task<?>> tasks() {
        synchronized (children) {
            return List.copyOf(children);
        }
    }

    /**
     * Waits for every child, including children spawned while waiting. Throws the first failure. If the caller is
     * cancelled while waiting, the children are cancelled too.
     */
    @Coroutine
    @Override
    public void close() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            close(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public void close(Stack s) {
        if (Suspend.isResuming(s)) {
            try {
                Suspend.awaitAll(s, null);
            } catch (CancellationException | TimeoutExpiredException e) {
                cancel();
                throw e;
            }
        }
        for (;;) {
            Task<?>[] pending;
            synchronized (children) {
                pending = children.stream().filter(t -> !t.isDone()).toArray(Task<?>[]::new);
                if (pending.length == 0) {
                    closed = true;
                    break;
                }
            }
            try {
                Suspend.awaitAll(s, pending);
            } catch (CancellationException | TimeoutExpiredException e) {
                cancel();
                throw e;
            }
            if (Suspend.isSuspending(s)) {
                return;
            }
        }
        Throwable f;
        synchronized (children) {
            f = failure;
            if (f != null && ((dev.coro.internal.CoTask<?>) failedTask).failureSeen()) {
                f = null; // a join already threw it into the body, which propagates it: don't throw it twice
            }
        }
        if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        }
        if (f instanceof Error) {
            throw (Error) f;
        }
        if (f != null) {
            throw new TaskFailedException("in a task group", f);
        }
    }
}
