package dev.coro.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a primitive skip its lock while only one loop's thread uses it, as coroutines of one loop need no locks
 * between them. A primitive made inside a loop is owned by that loop; one made outside any loop (in {@code main},
 * before {@code Coro.run}) is owned by the first loop that uses it, unless a plain thread uses it first. Another
 * thread's first use revokes ownership for good: it asks the owner loop, through its door, to drop ownership between
 * two of its tasks (so never in the middle of an operation), and waits for that; from then on everyone takes the
 * lock. A loop that has ended owns nothing.
 *
 * <p>Use: {@code if (affinity.isOwner()) { op(); } else { affinity.share(); synchronized (lock) { op(); } }}, or
 * {@code affinity.beforeLock(); synchronized (lock) { op(); }} where the lock is cheap enough.
 */
public final class Affinity {
    /** Made outside any loop and not used yet: the first user decides, by one compare-and-set. */
    private static final Object UNCLAIMED = new Object();
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Affinity.class, "owner", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The owner {@link Loop}, {@link #UNCLAIMED}, or null once shared. */
    private volatile Object owner;

    /** Owned by the calling thread's loop, if it runs one; else by the first loop to use it. */
    public Affinity() {
        Loop mine = Loop.current();
        this.owner = mine != null ? mine : UNCLAIMED;
    }

    /** True if the caller may skip the lock: it is the owner loop's thread, and that loop still runs. */
    public boolean isOwner() {
        Object o = owner;
        if (o instanceof Loop) {
            Loop l = (Loop) o;
            return l.thread == Thread.currentThread() && !l.ended;
        }
        return o == UNCLAIMED && claim();
    }

    /** A loop's thread takes an unclaimed primitive for its loop; a plain thread cannot. */
    private boolean claim() {
        Loop mine = Loop.current();
        return mine != null && !mine.ended && OWNER.compareAndSet(this, UNCLAIMED, mine);
    }

    /** Before taking the lock: a caller other than the owner loop's thread ends ownership first. */
    public void beforeLock() {
        if (!isOwner()) {
            share();
        }
    }

    /**
     * Before taking the lock for an operation that may wait: a plain-thread waiter (not a task) ends ownership even on
     * the owner's thread, for while it blocks that thread the loop cannot turn to let another thread in.
     */
    public void beforeLock(Stack s) {
        if (s.task == null || !isOwner()) {
            share();
        }
    }

    /**
     * Called by a caller that is not the owner before it takes the lock: ends ownership, waiting until the owner
     * loop has let go (at its next turn). A caller on another loop blocks its thread for that while, granting
     * meanwhile what others ask of its own loop: two loops that start using each other's channels at the same
     * moment must not wait for each other. Never called inside an operation on a primitive this loop owns.
     */
    public void share() {
        Object o = owner;
        if (o == UNCLAIMED) {
            if (OWNER.compareAndSet(this, UNCLAIMED, null)) {
                return; // used by a plain thread before any loop: shared from the start
            }
            o = owner; // a loop claimed it meanwhile
        }
        if (o == null) {
            return;
        }
        Loop l = (Loop) o;
        if (l.thread == Thread.currentThread() || l.ended) {
            owner = null; // the owner thread is not inside an operation now, and an ended loop runs none
            return;
        }
        Thread waiter = Thread.currentThread();
        l.requestRevocation(() -> {
            owner = null;
            LockSupport.unpark(waiter);
        });
        Loop mine = Loop.current();
        while (owner != null) {
            if (l.ended) {
                owner = null; // ended before it got to the request: its thread locks from now on
                return;
            }
            if (mine != null) {
                mine.runRevocations();
            }
            LockSupport.parkNanos(this, 100_000L);
        }
    }
}
