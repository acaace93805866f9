package dev.coro.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One waiter in a primitive's queue (a channel's receivers, an event's waiters...): a suspended task or a blocked
 * plain thread. Exactly one of three things happens to it, decided by one CAS: it is completed with a value, failed
 * with an exception, or abandoned by its own task (cancelled, timed out). Queues skip abandoned nodes.
 *
 * <p>The value is written between claiming the node and publishing {@link #DONE}, so whoever sees DONE sees it.
 */
public class WaitNode implements Runnable {
    static final int WAITING = 0;
    static final int CLAIMED = 1;
    static final int DONE = 2;
    static final int ABANDONED = 3;
    /**
     * A select's own thread holds its node while it takes an item from one of its channels (see {@link #select});
     * completers wait it out, as it ends in WAITING again or DONE within a few instructions.
     */
    static final int SELECTING = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(WaitNode.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    CoTask<?> task;
    private int seq;
    private final Thread thread;
    /**
     * Completed on its loop's thread by {@link #completeAlone} while no other thread could ever see it: once its task
     * has taken the outcome, nothing refers to it, and the loop may hand it to its next wait ({@link #reuse}).
     */
    boolean reusable;
    /** What the waiter gets (a received item), or what it gives (an item a sender offers). */
    public Object value;
    private Throwable failure;

    /** The queue holding this node, so a waiter that gives up can leave it. */
    WaitQueue queue;
    /** A select waits in several queues at once: all of them. */
    public WaitQueue[] queues;
    /** What completed the node (for a select: which channel). */
    public Object source;
    /** The next older waiter on the same channel and readiness, in its loop's registration; loop thread only. */
    WaitNode nextIo;
    /** Completed by another thread (a worker, a future): the loop must not count it as deadlocked meanwhile. */
    private boolean external;

    /**
     * A node for the caller: the running task, which must already be marked suspended ({@code Loop.suspend}), or
     * the plain thread if there is none.
     */
    public WaitNode(Stack s) {
        this.task = s.task;
        this.seq = task == null ? 0 : task.waitSeq;
        this.thread = task == null ? Thread.currentThread() : null;
    }

    public boolean complete(Object v) {
        return complete(v, null);
    }

    /** Completes with {@code v}, recording who did it. */
    public boolean complete(Object v, Object by) {
        if (!claim()) {
            return false;
        }
        value = v;
        source = by;
        STATE.setRelease(this, DONE); // publishes value and source to whoever reads DONE; no full fence needed
        wakeOwner();
        return true;
    }

    /**
     * {@link #complete(Object, Object)} by the only thread that can touch this node now: the owner of the primitive
     * it waits in (see {@link Affinity}), which is also its waiter's loop thread. No CAS; a select's node, which
     * waits in other primitives too, still takes the CAS.
     */
    public boolean completeAlone(Object v, Object by) {
        if (queues != null) {
            return complete(v, by);
        }
        if (state != WAITING) {
            return false;
        }
        value = v;
        source = by;
        STATE.setRelease(this, DONE);
        reusable = true;
        run(); // on its loop's thread already: wake it now, not through the loop's door
        return true;
    }

    /** This node, {@link #reusable}, made new for the running task of {@code s} (on its loop's thread). */
    WaitNode reuse(Stack s) {
        task = s.task;
        seq = task.waitSeq;
        value = null;
        source = null;
        queue = null;
        reusable = false;
        STATE.setRelease(this, WAITING); // whoever is handed the node later gets it through a lock or the loop's door
        return this;
    }

    public boolean fail(Throwable t) {
        if (!claim()) {
            return false;
        }
        failure = t;
        STATE.setRelease(this, DONE);
        wakeOwner();
        return true;
    }

    /** WAITING to CLAIMED for a completer; waits out a select's hold on its own node. False if someone else won. */
    private boolean claim() {
        for (;;) {
            if (STATE.compareAndSet(this, WAITING, CLAIMED)) {
                return true;
            }
            if (state != SELECTING) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /** {@link #select}: an item was taken; the node is done. */
    public static final int TOOK = 1;
    /** {@link #select}: the channel had nothing; the node waits again, to be registered there. */
    public static final int NOTHING = 0;
    /** {@link #select}: the node no longer waits (another channel completed it, or it was abandoned). */
    public static final int GONE = -1;

    /**
     * The select's own thread, registering in its channels one by one: takes the next item of one channel for this
     * node. Holding the node while it polls, no completer can win in between, so an item taken is always delivered:
     * never taken from a waiting sender and then put back. {@code poll} runs under the channel's lock and gives an
     * item or null.
     */
    public int select(java.util.function.Supplier<Object> poll, Object by) {
        if (!STATE.compareAndSet(this, WAITING, SELECTING)) {
            return GONE;
        }
        Object item = null;
        try {
            item = poll.get();
        } finally {
            if (item == null) {
                STATE.setRelease(this, WAITING); // also if the poll threw: completers must not wait for good
            }
        }
        if (item == null) {
            return NOTHING;
        }
        value = item;
        source = by;
        STATE.setRelease(this, DONE);
        wakeOwner();
        return TOOK;
    }

    /** The waiter gives up (cancel, timeout) and leaves its queue; false if it was already completed. */
    public boolean abandon() {
        if (!STATE.compareAndSet(this, WAITING, ABANDONED)) {
            return false;
        }
        if (task != null && task.loop.isLoopThread()) {
            endExternal();
        }
        leaveQueues();
        return true;
    }

    /** Removes this node from every queue it waits in. */
    public void leaveQueues() {
        WaitQueue q = queue;
        if (q != null) {
            q.remove(this);
        }
        WaitQueue[] qs = queues;
        if (qs != null) {
            for (WaitQueue each : qs) {
                each.remove(this);
            }
        }
    }

    /**
     * Still waiting in a primitive that another thread has touched, perhaps only after this wait began (which
     * {@link WaitQueue} could not mark then); loop thread of its task.
     */
    boolean waitsOnShared() {
        if (!isWaiting()) {
            return false;
        }
        WaitQueue q = queue;
        if (q != null && q.isShared()) {
            return true;
        }
        WaitQueue[] qs = queues;
        if (qs != null) {
            for (WaitQueue each : qs) {
                if (each.isShared()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Marks a task's wait as one only another thread can end; loop thread only. */
    public void markExternal() {
        if (task != null && !external) {
            external = true;
            task.loop.externalWaits++;
        }
    }

    private void endExternal() {
        if (external) {
            external = false;
            task.loop.externalWaits--;
        }
    }

    /** True if a plain thread waits here (it blocks), false for a task (it unwinds). */
    public boolean isPlainThread() {
        return task == null;
    }

    /** Still to be completed; a select's node counts while its own thread holds it (completers wait it out). */
    public boolean isWaiting() {
        int st = state;
        return st == WAITING || st == SELECTING;
    }

    public boolean isDone() {
        return state == DONE;
    }

    boolean isAbandoned() {
        return state == ABANDONED;
    }

    /** Waits out a completer that has claimed the node: it is a few instructions from publishing DONE. */
    void awaitDone() {
        while (state == CLAIMED) {
            Thread.onSpinWait();
        }
    }

    /** The value, or the failure thrown; only once {@link #isDone()}. */
    public Object outcome() {
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException) {
                throw (RuntimeException) f;
            }
            throw (Error) f;
        }
        return value;
    }

    private void wakeOwner() {
        if (task != null) {
            task.loop.execute(this);
        } else {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void run() {
        endExternal();
        task.loop.wake(task, seq);
    }

    /**
     * A plain thread waits here until completed, or until {@code deadline} (System.nanoTime, 0 = none) passes; then
     * it abandons the node. True if completed. Interruption abandons too, and keeps the interrupt flag.
     */
    public boolean parkUntilDone(long deadline) {
        while (state != DONE) {
            if (state == ABANDONED) {
                return false;
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                if (abandon()) {
                    throw new java.util.concurrent.CancellationException("interrupted while waiting");
                }
                continue;
            }
            if (deadline == 0) {
                LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (abandon()) {
                        return false;
                    }
                    continue;
                }
                LockSupport.parkNanos(this, left);
            }
        }
        return true;
    }
}
