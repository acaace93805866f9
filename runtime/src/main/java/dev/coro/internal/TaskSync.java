package dev.coro.internal;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Task-level waiting on the JDK's own synchronizers (locks, conditions, latches, semaphores, blocking queues) for
 * the patched calls in {@code patch.PatchedSync}.
 *
 * <p>Two problems, one mechanism. A JDK lock is owned by a thread, and every task of a loop shares that thread, so
 * the lock alone would let a second task of the loop in while the first is suspended inside its critical section:
 * each synchronizer gets a side record ({@link State}) naming the task that holds it. And a coroutine must never
 * block its loop: it tries the synchronizer without blocking and, if that fails, suspends until a patched call
 * changes the synchronizer ({@link #notifyAll}) or a short poll interval passes, then tries again. The poll is what
 * notices changes made by code the agent did not rewrite (another thread's plain {@code countDown}, {@code offer},
 * {@code unlock}); for conditions it is a spurious wake-up, which their contract allows.
 */
public final class TaskSync {
    /** How often a waiting task retries on its own (system property {@code coro.sync.pollMillis}, default 10). */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(Settings.number("coro.sync.pollMillis", 10, 1, 60_000));

    private TaskSync() {
    }

    /** The side record of one synchronizer. Guarded by its own monitor. */
    public static final class State {
        /** For a lock: the task holding it, and how many times. */
        CoTask<?> owner;
        int holds;
        /** For a condition: the lock it was made from (recorded by the patched {@code newCondition}). */
        Lock lock;
        /** Bumped by every notify, so a waiter that raced a notify from another thread retries at once. */
        int version;
        final WaitQueue waiters = new WaitQueue(this);
    }

    // ---- the side table: weak, by identity (a queue's equals must not merge two queues) ----

    private static final class Key extends WeakReference<Object> {
        final int hash;

        Key(Object referent, ReferenceQueue<Object> q) {
            super(referent, q);
            hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Key)) {
                return false;
            }
            Object a = get();
            return a != null && a == ((Key) o).get();
        }
    }

    private static final Map<Key, State> STATES = new HashMap<>();
    private static final ReferenceQueue<Object> GONE = new ReferenceQueue<>();
    /** States that exist: notifies skip the table entirely while there are none. */
    private static volatile int stateCount;

    /** The record of {@code o}, made on first use. */
    public static State state(Object o) {
        synchronized (STATES) {
            expunge();
            Key k = new Key(o, GONE);
            State st = STATES.get(k);
            if (st == null) {
                st = new State();
                STATES.put(k, st);
                stateCount = STATES.size();
            }
            return st;
        }
    }

    /** The record of {@code o} if it has one. */
    public static State peek(Object o) {
        if (stateCount == 0) {
            return null;
        }
        synchronized (STATES) {
            return STATES.get(new Key(o, null));
        }
    }

    private static void expunge() {
        java.lang.ref.Reference<?> r;
        while ((r = GONE.poll()) != null) {
            STATES.remove(r);
        }
        stateCount = STATES.size();
    }

    // ---- waiting ----

    /**
     * The end of a twin that could not proceed: suspends the running task until {@code o} is notified, or
     * {@code maxNanos} (at most the poll interval) passes. Returns at once, without suspending, if a notify came
     * since {@code seenVersion} (read before the failed attempt).
     */
    public static void await(Stack s, State st, int seenVersion, String what, long maxNanos) {
        WaitNode node;
        synchronized (st) {
            if (st.version != seenVersion) {
                return;
            }
            node = Suspend.prepareWait(s, what);
            st.waiters.add(node);
        }
        Suspend.timeoutWait(s, Math.max(1, Math.min(maxNanos, POLL_NANOS)));
    }

    /** The other end: the resumed twin consumes its wait (throwing if the task was cancelled meanwhile). */
    public static void resumed(Stack s) {
        Suspend.resumeWait(s, null);
    }

    /** {@link #await} for a task that must wait even though it was cancelled or timed out (see there). */
    public static void awaitShielded(Stack s, State st, int seenVersion, String what) {
        synchronized (st) {
            if (st.version != seenVersion) {
                return;
            }
            st.waiters.add(Suspend.prepareWaitShielded(s, what));
        }
        Suspend.timeoutWait(s, POLL_NANOS);
    }

    /** The other end of {@link #awaitShielded}: throws nothing. */
    public static void resumedShielded(Stack s) {
        Suspend.resumeWaitShielded(s);
    }

    /** Wakes every task waiting on {@code o}: something about it changed; they all try again. */
    public static void notifyAll(Object o) {
        State st = peek(o);
        if (st != null) {
            wakeAll(st);
        }
    }

    static void wakeAll(State st) {
        for (;;) {
            WaitNode n;
            synchronized (st) {
                st.version++;
                n = st.waiters.pollWaiting();
            }
            if (n == null) {
                return;
            }
            n.complete(null);
        }
    }

    /** Wakes the longest-waiting task on {@code o} (a condition's signal). */
    static void wakeOne(State st) {
        for (;;) {
            WaitNode n;
            synchronized (st) {
                st.version++;
                n = st.waiters.pollWaiting();
            }
            if (n == null || n.complete(null)) {
                return;
            }
        }
    }

    public static int version(State st) {
        synchronized (st) {
            return st.version;
        }
    }

    // ---- locks ----

    /**
     * Takes {@code l} for task {@code me} if it can without waiting: it is free, or {@code me} holds it already.
     * Another task of the same loop holding it means no, although the thread could re-enter it.
     */
    public static boolean tryLock(Lock l, CoTask<?> me) {
        return tryLock(l, me, false);
    }

    /** As {@link #tryLock(Lock, CoTask)} for the task's own {@code tryLock()}, which may barge as the JDK's does. */
    public static boolean tryLockBarging(Lock l, CoTask<?> me) {
        return tryLock(l, me, true);
    }

    private static boolean tryLock(Lock l, CoTask<?> me, boolean barge) {
        State st = state(l);
        synchronized (st) {
            if (st.owner == me) {
                l.lock(); // the thread holds it: re-entry, immediate
                st.holds++;
                return true;
            }
            if (st.owner != null && st.owner.loop == me.loop) {
                return false;
            }
            if (!(barge ? l.tryLock() : takeAsLockWould(l))) {
                return false;
            }
            st.owner = me;
            st.holds = 1;
            return true;
        }
    }

    /**
     * Takes {@code l} if {@code lock()} would take it at once. {@code tryLock()} barges even past the threads queued
     * on a fair lock, so a task polling that way could overtake a plain thread that waited first (seen in CI); the
     * JDK's locks' timed {@code tryLock} keeps their policy, as their {@code lock()} does.
     */
    private static boolean takeAsLockWould(Lock l) {
        if (!(l instanceof ReentrantLock || l instanceof ReentrantReadWriteLock.ReadLock
                || l instanceof ReentrantReadWriteLock.WriteLock)) {
            return l.tryLock();
        }
        try {
            return l.tryLock(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the loop thread's flag is kept for the end of Coro.run, not ours
            return l.tryLock();
        }
    }

    /** Releases {@code l} once; the tasks waiting for it try again when the last hold goes. */
    public static void unlock(Lock l, CoTask<?> me) {
        State st = me == null ? null : peek(l);
        if (st == null) {
            l.unlock();
            return;
        }
        boolean freed;
        synchronized (st) {
            if (st.owner != null && st.owner != me && st.owner.loop == me.loop) {
                throw new IllegalMonitorStateException("task " + me.name() + " unlocks a lock that task "
                        + st.owner.name() + " of the same loop holds");
            }
            l.unlock();
            freed = st.owner == me && --st.holds == 0;
            if (freed) {
                st.owner = null;
            }
        }
        if (freed) {
            wakeAll(st);
        }
    }

    /** Whether another task of {@code me}'s loop holds {@code l} (waiting for it pinned would hang the loop). */
    public static String heldByAnotherTask(Lock l, CoTask<?> me) {
        State st = peek(l);
        if (st == null) {
            return null;
        }
        synchronized (st) {
            return st.owner != null && st.owner != me && st.owner.loop == me.loop ? st.owner.name() : null;
        }
    }

    /** Releases every hold {@code me} has on {@code l} (a condition wait); returns how many there were. */
    public static int releaseAll(Lock l, CoTask<?> me) {
        State st = state(l);
        int holds;
        synchronized (st) {
            if (st.owner != me) {
                throw new IllegalMonitorStateException("task " + me.name() + " waits on a condition of a lock it"
                        + " does not hold");
            }
            holds = st.holds;
            for (int i = 0; i < holds; i++) {
                l.unlock();
            }
            st.owner = null;
            st.holds = 0;
        }
        wakeAll(st);
        return holds;
    }

    /** Takes {@code l} back with {@code holds} holds after a condition wait, if it can without waiting. */
    public static boolean relock(Lock l, CoTask<?> me, int holds) {
        if (!tryLock(l, me)) {
            return false;
        }
        State st = state(l);
        synchronized (st) {
            for (int i = 1; i < holds; i++) {
                l.lock();
            }
            st.holds = holds;
        }
        return true;
    }

    // ---- conditions ----

    public static void recordCondition(Condition c, Lock l) {
        State st = state(c);
        synchronized (st) {
            st.lock = l;
        }
    }

    /**
     * The lock {@code c} was made from: recorded by the patched newCondition, else (a condition made in a
     * constructor, which is not rewritten) found among the locks the waiting task holds, the first time it waits.
     * Null if that is ambiguous.
     */
    public static Lock lockOf(Condition c, CoTask<?> me) {
        State st = peek(c);
        if (st != null) {
            synchronized (st) {
                if (st.lock != null) {
                    return st.lock;
                }
            }
        }
        if (me == null) {
            return null;
        }
        Lock found = null;
        synchronized (STATES) {
            for (Map.Entry<Key, State> e : STATES.entrySet()) {
                Object k = e.getKey().get();
                State ls = e.getValue();
                if (k instanceof Lock && ls.owner == me && belongsTo(c, (Lock) k)) {
                    if (found != null) {
                        return null;
                    }
                    found = (Lock) k;
                }
            }
        }
        if (found != null) {
            recordCondition(c, found);
        }
        return found;
    }

    /** Whether {@code c} may be a condition of {@code l}; a ReentrantLock can tell for sure. */
    private static boolean belongsTo(Condition c, Lock l) {
        if (l instanceof java.util.concurrent.locks.ReentrantLock) {
            try {
                ((java.util.concurrent.locks.ReentrantLock) l).hasWaiters(c);
                return true;
            } catch (IllegalArgumentException | IllegalMonitorStateException notItsCondition) {
                return false;
            }
        }
        return true;
    }

    /** A signal: the caller must hold the condition's lock (a task: at task level). */
    public static void signal(Condition c, CoTask<?> me, boolean all) {
        State st = peek(c);
        if (st != null && me != null) {
            Lock l;
            synchronized (st) {
                l = st.lock;
            }
            State ls = l == null ? null : peek(l);
            if (ls != null) {
                synchronized (ls) {
                    if (ls.owner != me) {
                        throw new IllegalMonitorStateException("task " + me.name() + " signals a condition of a lock"
                                + " it does not hold");
                    }
                }
            }
        }
        if (all) {
            c.signalAll();
        } else {
            c.signal();
        }
        if (st != null) {
            if (all) {
                wakeAll(st);
            } else {
                wakeOne(st);
            }
        }
    }

    /** The running task, or null on a plain thread. */
    public static CoTask<?> task(Stack s) {
        return s.task;
    }

    /** Whether the caller must wait the blocking way: a plain thread, or a task that cannot unwind. */
    public static boolean mustBlock(Stack s) {
        return s.task == null || s.pinned > 0;
    }
}
