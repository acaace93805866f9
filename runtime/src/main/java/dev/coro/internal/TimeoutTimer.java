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
    private boolean fired;

    private TimeoutTimer(CoTask<?> task, long nanos, Object owner) {
        this.task = task;
        this.nanos = nanos;
        this.owner = owner;
    }

    /** Arms a timeout for the running task; {@code owner} is what the exception will name. */
    public static TimeoutTimer start(long nanos, Object owner) {
        Stack s = Stack.current();
        CoTask<?> t = s.task;
        if (t == null) {
            throw new IllegalStateException("a coro Timeout works inside a coroutine only; on a plain thread use "
                    + "the timeouts of the blocking calls themselves");
        }
        TimeoutTimer timer = new TimeoutTimer(t, nanos, owner);
        t.loop.timers.add(timer, System.nanoTime() + nanos);
        return timer;
    }

    @Override
    void fire(Loop loop) {
        fired = true;
        if (task.state != CoTask.DONE) {
            task.setFiredTimeout(this);
            loop.interrupt(task);
        }
    }

    /** Disarms it; if it fired but its exception was not thrown yet, that is dropped too. */
    public void cancel() {
        task.loop.timers.remove(this);
        if (task.firedTimeout() == this) {
            task.setFiredTimeout(null);
        }
    }

    public boolean hasFired() {
        return fired;
    }

    TimeoutExpiredException expired() {
        return new TimeoutExpiredException(owner, nanos);
    }
}
