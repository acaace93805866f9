package dev.coro.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * Lets a primitive made inside a loop skip its lock while only that loop's thread uses it, as coroutines of one loop
 * need no locks between them. Another thread's first use revokes this for good: it asks the owner loop, through its
 * door, to drop ownership between two of its tasks (so never in the middle of an operation), and waits for that;
 * from then on everyone takes the lock. A loop that has ended owns nothing.
 *
 * <p>Use: {@code if (affinity.isOwner()) { op(); } else { affinity.share(); synchronized (lock) { op(); } }}, or
 * {@code affinity.beforeLock(); synchronized (lock) { op(); }} where the lock is cheap enough.
 */
public final class Affinity {
    private volatile Loop owner;

    /** Owned by the calling thread's loop, if it runs one; shared from the start otherwise. */
    public Affinity() {
        this.owner = Loop.current();
    }

    /** True if the caller may skip the lock: it is the owner loop's thread, and that loop still runs. */
    public boolean isOwner() {
        Loop o = owner;
        return o != null && o.thread == Thread.currentThread() && !o.ended;
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
        Loop o = owner;
        if (o == null) {
            return;
        }
        if (o.thread == Thread.currentThread() || o.ended) {
            owner = null; // the owner thread is not inside an operation now, and an ended loop runs none
            return;
        }
        Thread waiter = Thread.currentThread();
        o.requestRevocation(() -> {
            owner = null;
            LockSupport.unpark(waiter);
        });
        Loop mine = Loop.current();
        while (owner != null) {
            if (o.ended) {
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
