package dev.coro.internal;

import java.util.ArrayDeque;

/**
 * A FIFO of {@link WaitNode}s guarded by its owner's lock ({@code synchronized (lock)}): callers hold the lock for
 * {@link #add} and {@link #pollWaiting}; a node that gives up removes itself, taking the lock briefly.
 */
public final class WaitQueue {
    private final Object lock;
    private final Sharing sharing;
    private final ArrayDeque<WaitNode> nodes = new ArrayDeque<>();

    public WaitQueue(Object lock) {
        this(lock, new Sharing());
    }

    /** A queue of a primitive that has several, all sharing one {@link Sharing}. */
    public WaitQueue(Object lock, Sharing sharing) {
        this.lock = lock;
        this.sharing = sharing;
    }

    /**
     * A use of the primitive that neither waits nor hands anything over (a look at its state): it counts as a touch
     * all the same, so that waits on it count as ones the calling thread can end (see {@link Sharing}).
     */
    public void touch() {
        sharing.touch();
    }

    /** Whether another thread than its maker's has used it (see {@link Sharing}); any thread. */
    boolean isShared() {
        return sharing.isShared();
    }

    /** Caller holds the lock. */
    public void add(WaitNode n) {
        n.queue = this;
        enqueue(n);
    }

    /** Adds a node that waits in several queues (a select); it leaves all of them itself. Caller holds the lock. */
    public void addShared(WaitNode n) {
        enqueue(n);
    }

    private void enqueue(WaitNode n) {
        sharing.touch();
        if (sharing.isShared()) {
            n.markExternal(); // another thread may end this wait: the loop must not call it a deadlock
        }
        nodes.addLast(n);
    }

    /** The oldest node still waiting, removed; null if none. Caller holds the lock. */
    public WaitNode pollWaiting() {
        sharing.touch();
        WaitNode n;
        while ((n = nodes.pollFirst()) != null) {
            if (n.isWaiting()) {
                return n;
            }
        }
        return null;
    }

    /** The oldest node still waiting, left in place; null if none. Caller holds the lock. */
    public WaitNode peekWaiting() {
        sharing.touch();
        WaitNode n;
        while ((n = nodes.peekFirst()) != null && !n.isWaiting()) {
            nodes.pollFirst();
        }
        return n;
    }

    /** Caller holds the lock. */
    public boolean isEmpty() {
        return peekWaiting() == null;
    }

    /** Caller holds the lock. */
    public int size() {
        return nodes.size();
    }

    void remove(WaitNode n) {
        synchronized (lock) {
            nodes.remove(n);
        }
    }
}
