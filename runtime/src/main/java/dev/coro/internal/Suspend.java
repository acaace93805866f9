package dev.coro.internal;

import java.util.concurrent.CancellationException;

/**
 * The leaves: hand-written suspension points that follow the {@link Stack} protocol. Each one is entered twice
 * when it suspends: once to arrange its wake-up and unwind, once more when the rewind reaches it.
 */
public final class Suspend {
    private Suspend() {
    }

    public static void yieldNow(Stack s) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            checkCancelled(s.task);
            return;
        }
        CoTask<?> t = s.task;
        if (t == null) {
            Thread.yield();
            return;
        }
        checkCancelled(t);
        if (s.pinned > 0) {
            Pinning.warnPinned("Coro.yield()");
            Thread.yield();
            return;
        }
        t.loop.suspendReady(t);
    }

    public static void sleep(Stack s, long nanos) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            checkCancelled(s.task);
            return;
        }
        CoTask<?> t = s.task;
        if (t == null) {
            sleepThread(nanos);
            return;
        }
        checkCancelled(t);
        if (s.pinned > 0) {
            Pinning.warnPinned("Coro.sleep()");
            sleepThread(nanos);
            return;
        }
        if (nanos <= 0) {
            t.loop.suspendReady(t);
            return;
        }
        t.loop.sleep(t, nanos);
    }

    private static void sleepThread(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c = new CancellationException("sleep interrupted");
            c.initCause(e);
            throw c;
        }
    }

    public static void joinAll(Stack s, dev.coro.Task<?>[] tasks) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            checkCancelled(s.task);
            throwFirstFailure(tasks);
            return;
        }
        CoTask<?> me = s.task;
        int pending = 0;
        for (dev.coro.Task<?> t : tasks) {
            if (!(t instanceof CoTask)) {
                throw new IllegalArgumentException("not a task made by Coro.spawn: " + t);
            }
            if (!t.isDone()) {
                pending++;
            }
        }
        if (pending == 0 || me == null) {
            for (dev.coro.Task<?> t : tasks) {
                try {
                    t.join(s);
                } catch (RuntimeException | Error ignored) {
                    // reported below, in argument order, once all are done
                }
            }
            throwFirstFailure(tasks);
            return;
        }
        if (s.pinned > 0) {
            throw Pinning.cannotSuspend("Coro.joinAll()");
        }
        checkCancelled(me);
        me.loop.suspend(me, "joinAll of " + tasks.length + " tasks");
        boolean foreign = false;
        for (dev.coro.Task<?> t : tasks) {
            foreign |= ((CoTask<?>) t).loop != me.loop;
        }
        if (foreign) {
            me.loop.externalWaits++;
        }
        JoinAll j = new JoinAll(me, me.waitSeq, pending, foreign);
        for (dev.coro.Task<?> t : tasks) {
            if (!t.isDone()) {
                ((CoTask<?>) t).addWaiter(j);
            } else {
                j.taskDone((CoTask<?>) t);
            }
        }
    }

    private static void throwFirstFailure(dev.coro.Task<?>[] tasks) {
        RuntimeException first = null;
        for (dev.coro.Task<?> t : tasks) {
            try {
                ((CoTask<?>) t).report();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else if (first != e) {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Counts down the tasks of a joinAll; the last one wakes the joiner. */
    private static final class JoinAll implements Waiter, Runnable {
        private final CoTask<?> joiner;
        private final int seq;
        private final java.util.concurrent.atomic.AtomicInteger remaining;
        private final boolean foreign;

        JoinAll(CoTask<?> joiner, int seq, int count, boolean foreign) {
            this.joiner = joiner;
            this.seq = seq;
            this.remaining = new java.util.concurrent.atomic.AtomicInteger(count);
            this.foreign = foreign;
        }

        @Override
        public void taskDone(CoTask<?> task) {
            if (remaining.decrementAndGet() == 0) {
                joiner.loop.execute(this);
            }
        }

        @Override
        public void run() {
            if (foreign) {
                joiner.loop.externalWaits--;
            }
            joiner.loop.wake(joiner, seq);
        }
    }

    /** A cancelled task gets a CancellationException at every suspension point it reaches. */
    static void checkCancelled(CoTask<?> t) {
        if (t != null && t.cancelRequested) {
            throw new CancellationException("task " + t.name() + " was cancelled");
        }
    }
}
