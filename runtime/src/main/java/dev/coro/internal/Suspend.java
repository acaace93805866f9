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
        checkExpired(t);
        if (s.pinned > 0) {
            Pinning.warnPinned("Coro.yield()");
            Thread.yield();
            return;
        }
        t.loop.suspendReady(t);
    }

    /**
     * The leaf behind preemption checks at loop heads that cannot be suspension points: inside a {@code synchronized}
     * block, whose monitor a suspended coroutine could not release, the agent leaves the check's call as it is. It
     * cannot yield, but as in pinned frames it throws the task's cancel or expired timeout, which could reach a loop
     * computing there in no other way.
     */
    public static void preempt() {
        Stack s = Stack.current();
        s.preempt = false;
        CoTask<?> t = s.taskOnBehalf();
        if (t != null) {
            TimeoutTimer.expireDue(t, System.nanoTime());
            checkCancelled(t);
        }
    }

    /**
     * Yields if the watchdog or a cancel asked for it; throws if the task was cancelled or timed out. Where it cannot
     * yield (pinned frames, or a generator's body that a task's code consumes), it still throws: a loop that computes
     * there would otherwise outlive its task's cancel and timeouts, which no timer can deliver while it runs.
     */
    public static void preempt(Stack s) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            checkCancelled(s.task);
            return;
        }
        s.preempt = false;
        CoTask<?> t = s.task;
        if (t != null && s.pinned == 0) {
            checkCancelled(t);
            t.loop.suspendPreempted(t);
            return;
        }
        if (t == null) {
            t = s.taskOnBehalf(); // a generator body's consumer
        }
        if (t != null) {
            TimeoutTimer.expireDue(t, System.nanoTime());
            checkCancelled(t);
        }
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
            checkExpired(t); // as a yield: see there
            t.loop.suspendReady(t);
            return;
        }
        t.loop.sleep(t, Math.min(nanos, Nanos.FOREVER)); // longer is forever, and must not wrap into the past
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
            dev.coro.Task<?>[] saved = (dev.coro.Task<?>[]) s.popA(); // this frame's state: args are gone on resume
            awaitAll(s, saved); // a cancel or timeout there gives up on the tasks it was counted as a joiner of
            throwFirstFailure(saved);
            return;
        }
        awaitAll(s, tasks);
        if (s.mode == Stack.SUSPENDING) {
            s.pushA(tasks);
            return;
        }
        throwFirstFailure(tasks);
    }

    /**
     * Waits until every task is done, without looking at outcomes. A leaf: when it suspends, the caller sees
     * {@link #isSuspending}; on resume, call it again (with any tasks argument) to finish the wait.
     */
    public static void awaitAll(Stack s, dev.coro.Task<?>[] tasks) {
        awaitAll(s, tasks, false);
    }

    /**
     * {@link #awaitAll}, but a cancel or an expired timeout of the caller neither stops it from waiting nor is
     * thrown here (a cancel or timeout still wakes it early: check the tasks again). For a wait that must finish
     * even then, and is short: for tasks that were cancelled.
     */
    public static void awaitAllShielded(Stack s, dev.coro.Task<?>[] tasks) {
        awaitAll(s, tasks, true);
    }

    private static void awaitAll(Stack s, dev.coro.Task<?>[] tasks, boolean shielded) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            JoinAll j = s.waitingOn instanceof JoinAll ? (JoinAll) s.waitingOn : null;
            if (j != null) {
                j.forget(); // if a cancel or timeout ended the wait: see there
            }
            if (!shielded) {
                try {
                    checkCancelled(s.task);
                } catch (RuntimeException e) {
                    if (j != null) {
                        j.gaveUp(); // a cancel or timeout came first: it never looks at the tasks that ended
                    }
                    throw e;
                }
            }
            return;
        }
        CoTask<?> me = s.task;
        java.util.List<CoTask<?>> pending = new java.util.ArrayList<>(tasks.length);
        for (dev.coro.Task<?> t : tasks) {
            if (!(t instanceof CoTask)) {
                throw new IllegalArgumentException("not a task made by Coro.spawn: " + t);
            }
            if (!t.isDone()) {
                pending.add((CoTask<?>) t);
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        if (me == null) {
            for (CoTask<?> t : pending) {
                try {
                    t.join(s); // blocks this plain thread
                } catch (RuntimeException | Error ignored) {
                    // outcomes are the caller's business
                }
            }
            return;
        }
        if (s.pinned > 0) {
            throw Pinning.cannotSuspend("waiting for tasks (joinAll, a task group)");
        }
        if (!shielded) {
            checkCancelled(me);
        }
        me.loop.suspend(me, "joinAll"); // constant: a wait must not allocate its description
        boolean foreign = false;
        for (CoTask<?> t : pending) {
            foreign |= t.loop != me.loop;
        }
        if (foreign) {
            me.loop.externalWaits++;
        }
        JoinAll j = new JoinAll(me, me.waitSeq, pending, foreign);
        s.waitingOn = j; // what it waits on, also for the resume
        for (int i = 0; i < pending.size(); i++) {
            if (!pending.get(i).addWaiter(j)) {
                j.uncounted(i); // it finished meanwhile (another loop's task): counted down at once, not as a joiner
            }
        }
    }

    /** Whether the caller runs in a task (not on a plain thread). */
    public static boolean inTask(Stack s) {
        return s.task != null;
    }

    public static boolean isSuspending(Stack s) {
        return s.mode == Stack.SUSPENDING;
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
    static final class JoinAll implements Waiter, Runnable {
        private final CoTask<?> joiner;
        private final int seq;
        private final java.util.List<CoTask<?>> tasks;
        private final java.util.concurrent.atomic.AtomicInteger remaining;
        private final boolean foreign;
        /**
         * The tasks whose end did not count this among their joiners, by index in {@link #tasks}: those that ended
         * before it was registered with them, and those {@link #forget} left before they ended. Joiner's thread.
         */
        private boolean[] uncounted;

        JoinAll(CoTask<?> joiner, int seq, java.util.List<CoTask<?>> tasks, boolean foreign) {
            this.joiner = joiner;
            this.seq = seq;
            this.tasks = tasks;
            this.remaining = new java.util.concurrent.atomic.AtomicInteger(tasks.size());
            this.foreign = foreign;
        }

        /**
         * On resume: if a cancel or timeout ended the wait before every task was done, leaves the tasks still running
         * (as {@code CoTask.forgetWaker} does for a join), and stops counting as a wait another thread can end: once
         * it left one task, the count can never reach zero and {@link #run} never comes.
         */
        void forget() {
            if (remaining.get() == 0) {
                return;
            }
            boolean left = false;
            for (int i = 0; i < tasks.size(); i++) {
                if (tasks.get(i).dropWaiter(w -> w == this) != null) {
                    left = true;
                    uncounted(i);
                }
            }
            if (left && foreign) {
                joiner.loop.externalWaits--;
            }
        }

        void uncounted(int i) {
            if (uncounted == null) {
                uncounted = new boolean[tasks.size()];
            }
            uncounted[i] = true;
        }

        /**
         * The joiner gives up (cancelled or timed out) without looking: for each task whose end counted it among its
         * joiners, as a join's give-up. Joiner's loop thread, after {@link #forget}.
         */
        void gaveUp() {
            for (int i = 0; i < tasks.size(); i++) {
                if (uncounted == null || !uncounted[i]) {
                    tasks.get(i).joinerGaveUp();
                }
            }
        }

        @Override
        public String toString() {
            return "joinAll"; // as the dump describes the wait
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

    /**
     * {@link #checkCancelled} where the task goes to the back of the ready queue: a task that keeps yielding may be
     * resumed again and again in one batch of its loop, before any timer can fire, so its expired timeouts are
     * fired here.
     */
    private static void checkExpired(CoTask<?> t) {
        if (t.openTimeouts() != null) {
            TimeoutTimer.expireDue(t, System.nanoTime());
        }
        checkCancelled(t);
    }

    /** A cancelled task gets a CancellationException at every suspension point it reaches; a timeout, once. */
    static void checkCancelled(CoTask<?> t) {
        if (t == null) {
            return;
        }
        if (t.cancelRequested) {
            throw new CancellationException("task " + t.name() + " was cancelled");
        }
        TimeoutTimer fired = t.firedTimeout();
        if (fired != null) {
            t.setFiredTimeout(null);
            throw fired.expired();
        }
    }

    /**
     * The first half of a leaf that waits on a {@link WaitNode}: marks the running task suspended and returns the
     * node to enqueue (under the primitive's lock), or null on a plain thread, which then calls
     * {@link #blockOn}. Throws if the task must not wait: interrupted, or pinned.
     */
    public static WaitNode prepareWait(Stack s, String what) {
        return prepareWait(s, what, false);
    }

    /**
     * {@link #prepareWait}, but a cancelled or timed-out task waits too: for a short wait that must finish even then
     * (taking a lock back, as the JDK's {@code Condition.await} does before it throws). End it with
     * {@link #resumeWaitShielded}.
     */
    public static WaitNode prepareWaitShielded(Stack s, String what) {
        return prepareWait(s, what, true);
    }

    private static WaitNode prepareWait(Stack s, String what, boolean shielded) {
        CoTask<?> t = s.task;
        if (t == null) {
            return new WaitNode(s);
        }
        if (!shielded) {
            checkCancelled(t);
        }
        if (s.pinned > 0) {
            throw Pinning.cannotSuspend(what);
        }
        t.loop.suspend(t, what);
        WaitNode spare = t.loop.spareNode;
        WaitNode n;
        if (spare != null) {
            t.loop.spareNode = null;
            n = spare.reuse(s);
        } else {
            n = new WaitNode(s);
        }
        s.waitNode = n;
        return n;
    }

    /** Plain thread: block until the node completes or the deadline passes; true if completed. */
    public static boolean blockOn(WaitNode n, long timeoutNanos) {
        return n.parkUntilDone(timeoutNanos <= 0 ? 0 : System.nanoTime() + timeoutNanos);
    }

    /** Arms a timeout for the running task's current wait: when it passes, the wait ends with nothing. */
    public static void timeoutWait(Stack s, long nanos) {
        CoTask<?> t = s.task;
        if (t.state != CoTask.SUSPENDED) {
            return; // the wait already ended while it was being set up (completed from another thread)
        }
        CoTask.Extras timer = t.sleepTimer();
        timer.seq = t.waitSeq;
        t.loop.timers.add(timer, System.nanoTime() + nanos);
    }

    /**
     * The second half, when the rewind reaches the leaf: the node's outcome if it completed (even if the task was
     * cancelled meanwhile: what was handed over is never lost), else the interrupt that ended the wait, else
     * {@code timedOut} (the wait's own deadline passed).
     */
    public static Object resumeWait(Stack s, Object timedOut) {
        s.resumed();
        CoTask<?> t = s.task;
        WaitNode n = s.waitNode;
        s.waitNode = null;
        // Decide first, with the same CAS a completer uses: either the node is ours to give up, or somebody handed
        // us a value (or is handing it right now), which must be returned even if we were cancelled meanwhile.
        if (n != null && n.isDone()) {
            Object outcome = n.outcome(); // the common case, a hand-off that already happened: no CAS to see it
            if (n.reusable) {
                t.loop.spareNode = n;
            }
            return outcome;
        }
        if (n != null && !n.abandon() && !n.isAbandoned()) {
            n.awaitDone();
            return n.outcome();
        }
        checkCancelled(t);
        return timedOut;
    }

    /** The end of a wait begun with {@link #prepareWaitShielded}: whatever woke it, nothing is thrown. */
    public static void resumeWaitShielded(Stack s) {
        s.resumed();
        WaitNode n = s.waitNode;
        s.waitNode = null;
        if (n != null && n.isDone()) {
            if (n.reusable) {
                s.task.loop.spareNode = n;
            }
        } else if (n != null && !n.abandon() && !n.isAbandoned()) {
            n.awaitDone();
        }
    }

    /** The node the running task waits in (for a leaf about to resume), or null. */
    public static WaitNode currentWait(Stack s) {
        return s.task == null ? null : s.waitNode;
    }

    /** Whether the caller is a resuming leaf. */
    public static boolean isResuming(Stack s) {
        return s.mode == Stack.RESUMING;
    }
}
