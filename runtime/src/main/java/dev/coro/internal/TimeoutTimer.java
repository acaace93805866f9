package dev.coro.internal;

import dev.coro.TimeoutExpiredException;

/**
 * The timer behind a {@code Timeout}: when it fires, its task gets a {@link TimeoutExpiredException} at its current
 * suspension point (or its next one, if it is running).
 */
public final class TimeoutTimer extends TimerNode {
    private final CoTask<?> task;
    private final long nanos;
    private final Object owner;
    private final long deadline;
    /**
     * Its neighbours among the task's open timeouts (see {@link CoTask#openTimeouts()}): the one open when it started,
     * and the one started next. Doubly linked, so that closing them in any order costs O(1) each.
     */
    TimeoutTimer outer;
    private TimeoutTimer inner;
    private boolean fired;
    /**
     * What ends with it when it fires: the task groups opened while it was the task's innermost open timeout (a
     * timeout around a group bounds its children too, as it bounds the task). Null until one is opened; loop thread.
     */
    private java.util.ArrayList<Runnable> scopes;
    /**
     * The timeout that took over its scopes when it closed before them (the one open around it then), or null: a
     * group that outlives the timeout it was opened in is still inside that one (see {@link #unlink}).
     */
    private TimeoutTimer heir;

    private TimeoutTimer(CoTask<?> task, long nanos, Object owner, long deadline) {
        this.task = task;
        this.nanos = nanos;
        this.owner = owner;
        this.deadline = deadline;
    }

    /** Arms a timeout for the running task; {@code owner} is what the exception will name. */
    public static TimeoutTimer start(long nanos, Object owner) {
        Stack s = Stack.current();
        CoTask<?> t = s.task;
        if (t == null) {
            throw new IllegalStateException("a coro Timeout works inside a coroutine only; on a plain thread use "
                    + "the timeouts of the blocking calls themselves");
        }
        long deadline = System.nanoTime() + nanos;
        TimeoutTimer timer = new TimeoutTimer(t, nanos, owner, deadline);
        t.loop.timers.add(timer, deadline);
        TimeoutTimer outer = t.openTimeouts();
        if (outer != null) {
            outer.inner = timer;
            timer.outer = outer;
        }
        t.setOpenTimeouts(timer);
        return timer;
    }

    /**
     * Fires every one of {@code t}'s open timeouts that is due, as the loop would if it could turn: for a task that
     * computes where it cannot yield, or keeps yielding within one batch of its loop, so that its next check throws
     * the expiry. Loop thread, {@code t} running.
     */
    static void expireDue(CoTask<?> t, long now) {
        for (TimeoutTimer x = t.openTimeouts(); x != null; x = x.outer) {
            if (!x.fired && now - x.deadline >= 0) {
                t.loop.timers.remove(x);
                x.fire(t.loop);
            }
        }
    }

    /**
     * Whether one of {@code t}'s open timeouts is past its deadline and has not fired: its loop has not turned since.
     * The watchdog's thread, racily, while {@code t} runs.
     */
    static boolean anyOverdue(CoTask<?> t, long now) {
        int n = 0;
        for (TimeoutTimer x = t.openTimeouts(); x != null && n < 1_000; x = x.outer, n++) {
            if (!x.fired && now - x.deadline >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The running task's innermost open timeout, or null (outside a task too). */
    public static TimeoutTimer innermost() {
        CoTask<?> t = Stack.current().task;
        return t == null ? null : t.openTimeouts();
    }

    /** Runs {@code cancel} when this timeout, or one it encloses, fires (unless {@link #removeScope} came first). */
    public void addScope(Runnable cancel) {
        if (scopes == null) {
            scopes = new java.util.ArrayList<>(2);
        }
        scopes.add(cancel);
    }

    public void removeScope(Runnable cancel) {
        for (TimeoutTimer x = this; x != null; x = x.heir) {
            if (x.scopes != null && x.scopes.remove(cancel)) {
                return;
            }
        }
    }

    @Override
    void fire(Loop loop) {
        fired = true;
        // what was opened in its scope ends with it, in the scopes of the timeouts inside it as well
        for (TimeoutTimer x = this; x != null; x = x.inner) {
            if (x.scopes != null) {
                for (Runnable cancel : x.scopes.toArray(new Runnable[0])) {
                    cancel.run();
                }
            }
        }
        if (task.state != CoTask.DONE) {
            TimeoutTimer pending = task.firedTimeout();
            // Of several expired ones, the outermost is thrown: it ends every scope inside it, while an inner one's
            // exception would be caught by its own scope and the outer expiry lost (they often expire in one turn).
            if (pending == null || !pending.encloses(this)) {
                task.setFiredTimeout(this);
            }
            loop.interrupt(task);
        }
    }

    /** Whether {@code other} was opened inside this one (pending ones are always open: see {@link #cancel}). */
    private boolean encloses(TimeoutTimer other) {
        for (TimeoutTimer x = other.outer; x != null; x = x.outer) {
            if (x == this) {
                return true;
            }
        }
        return false;
    }

    /** Disarms it; if it fired but its exception was not thrown yet, that is dropped too. */
    public void cancel() {
        task.loop.timers.remove(this);
        if (task.firedTimeout() == this) {
            task.setFiredTimeout(null);
        }
        unlink();
    }

    /** Leaves its task's open timeouts, whichever they are: nesting closes them innermost first, code may not. */
    private void unlink() {
        if (inner != null) {
            inner.outer = outer;
        } else if (task.openTimeouts() == this) {
            task.setOpenTimeouts(outer);
        } else {
            return; // closed before
        }
        if (outer != null) {
            outer.inner = inner;
            // a group opened in it and still open is still inside the outer one, whose expiry must end it too
            if (scopes != null && !scopes.isEmpty()) {
                for (Runnable cancel : scopes) {
                    outer.addScope(cancel);
                }
                heir = outer;
            }
        }
        scopes = null; // closed: it never fires, and keeps no group alive
        inner = outer = null;
    }

    public boolean hasFired() {
        return fired;
    }

    TimeoutExpiredException expired() {
        return new TimeoutExpiredException(owner, nanos);
    }
}
