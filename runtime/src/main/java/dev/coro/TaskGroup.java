package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.TimeoutTimer;

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
    /** Cancelled (see {@link #cancel}), or its closing task was: children spawned from now on never run. */
    private boolean cancelled;

    /** The timeout it was opened in, if any: when that expires, the children are cancelled (see {@link #open}). */
    private final TimeoutTimer scope;
    private final Runnable onExpiry = this::cancel;

    private TaskGroup(TimeoutTimer scope) {
        this.scope = scope;
        if (scope != null) {
            scope.addScope(onExpiry);
        }
    }

    /**
     * Opens a group on the current loop. Opened inside a timeout ({@link Timeout}, {@link Coro#withTimeout}), the
     * group ends with it: when it expires the children are cancelled at once, and {@code close()} returns once they
     * are done, so that the expiry bounds the whole scope and not only the opening task.
     */
    public static TaskGroup open() {
        if (Coro.current() == null) {
            throw new IllegalStateException("TaskGroup.open() outside a coroutine: open it inside Coro.run(...)");
        }
        return new TaskGroup(TimeoutTimer.innermost());
    }

    /**
     * Opens a group, runs {@code body} with it and closes it, as Kotlin's {@code coroutineScope}: returns the body's
     * value once every child is done. Unlike a try-with-resources block, it sees an exception the body throws: the
     * children are then cancelled at once, and that exception is thrown once they are done, with a child's failure
     * attached as suppressed. A child's failure cancels the other children (not the body, which runs in the calling
     * task) and is thrown when the body has returned, as {@link #close()} throws it.
     *
     * <pre>{@code
     * String page = TaskGroup.scope(g -> {
     *     Task<String> a = g.spawn(() -> fetch("https://a.example"));
     *     Task<String> b = g.spawn(() -> fetch("https://b.example"));
     *     return a.join() + b.join(); // if either join throws, the other fetch is cancelled before scope throws
     * });
     * }</pre>
     */
    @Coroutine
    public static <T> T scope(CoroutineFunction<? super TaskGroup, ? extends T> body) throws Exception {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return scope(body, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden A hand-written frame: its state is {@link ScopeState}. */
    @SuppressWarnings("unchecked")
    public static <T> T scope(CoroutineFunction<? super TaskGroup, ? extends T> body, Stack s) throws Exception {
        ScopeState st;
        if (Suspend.isResuming(s)) {
            st = (ScopeState) s.popA();
        } else {
            if (body == null) {
                throw new NullPointerException("body is null");
            }
            st = new ScopeState((CoroutineFunction<Object, Object>) body, open());
        }
        if (!st.closing) { // on resume, closing says which of the two calls below this frame was suspended in
            try {
                Object v = st.body.apply(st.group, s);
                if (Suspend.isSuspending(s)) {
                    s.pushA(st);
                    return null;
                }
                st.value = v;
            } catch (Throwable e) {
                st.thrown = e;
                st.group.cancel();
            }
            st.closing = true;
        }
        try {
            st.group.close(s);
        } catch (Throwable e) {
            if (st.thrown == null) {
                throw e;
            }
            if (e != st.thrown) { // the body may have joined the failed child and rethrown its failure
                st.thrown.addSuppressed(e);
            }
        }
        if (Suspend.isSuspending(s)) {
            s.pushA(st);
            return null;
        }
        if (st.thrown != null) {
            throw TaskGroup.<RuntimeException>thrown(st.thrown); // as the body threw it, whatever its type
        }
        return (T) st.value;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E thrown(Throwable e) throws E {
        throw (E) e;
    }

    private static final class ScopeState {
        final CoroutineFunction<Object, Object> body;
        final TaskGroup group;
        /** Past the body: in {@code close}. */
        boolean closing;
        Object value;
        Throwable thrown;

        ScopeState(CoroutineFunction<Object, Object> body, TaskGroup group) {
            this.body = body;
            this.group = group;
        }
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
            if (failure != null || cancelled) {
                t.cancel(); // the group is failing or being cancelled: a child spawned now never runs
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

    /** The child whose failure failed the group, or null. */
    Task<?> failedTask() {
        synchronized (children) {
            return failedTask;
        }
    }

    /** True once a child has failed: the others are cancelled and new ones never run. */
    public boolean hasFailed() {
        synchronized (children) {
            return failure != null;
        }
    }

    /** Cancels every child, and any spawned in it from now on. */
    public void cancel() {
        List<Task<?>> all;
        synchronized (children) {
            cancelled = true;
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
     * cancelled or its timeout expires while waiting, the children are cancelled, and that exception is thrown once
     * they are all done (their failures attached as suppressed): a group never returns with a child still running.
     * An exception thrown by the body of a try-with-resources does not cancel them: {@code close()} cannot tell it
     * runs because of one, so it joins them first; call {@link #cancel()} in a {@code catch} to end them sooner.
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

    /** @hidden A hand-written frame: its state is the exception that interrupted the wait, if one did. */
    public void close(Stack s) {
        RuntimeException interrupted = null;
        if (Suspend.isResuming(s)) {
            interrupted = (RuntimeException) s.popA();
            if (interrupted != null) {
                Suspend.awaitAllShielded(s, null);
            } else {
                try {
                    Suspend.awaitAll(s, null);
                } catch (CancellationException | TimeoutExpiredException e) {
                    interrupted = interrupt(e);
                }
            }
        }
        for (;;) {
            Task<?>[] pending;
            synchronized (children) {
                pending = children.stream().filter(t -> !t.isDone()).toArray(Task<?>[]::new);
                if (pending.length == 0) {
                    closed = true;
                    if (scope != null) {
                        scope.removeScope(onExpiry);
                    }
                    break;
                }
            }
            if (interrupted != null) {
                // the children are cancelled and end soon; a cancel or timeout of the caller must not cut this short
                Suspend.awaitAllShielded(s, pending);
            } else {
                try {
                    Suspend.awaitAll(s, pending);
                } catch (CancellationException | TimeoutExpiredException e) {
                    interrupted = interrupt(e);
                    continue;
                }
            }
            if (Suspend.isSuspending(s)) {
                s.pushA(interrupted);
                return;
            }
        }
        Throwable f;
        synchronized (children) {
            f = failure;
            if (f != null && ((dev.coro.internal.CoTask<?>) failedTask).failureThrownTo(Coro.current())) {
                f = null; // a join threw it into the closing task, which may be propagating it: don't throw it twice
            }
        }
        if (interrupted != null) {
            if (f != null && f != interrupted) {
                interrupted.addSuppressed(f);
            }
            throw interrupted;
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

    /** The caller was cancelled or timed out while closing: so is the group. */
    private RuntimeException interrupt(RuntimeException e) {
        cancel();
        return e;
    }
}
