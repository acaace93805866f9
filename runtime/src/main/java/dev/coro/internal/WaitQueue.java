package dev.coro.internal;

import java.util.ArrayDeque;

/**
 * A FIFO of {@link WaitNode}s guarded by its owner's lock ({@code synchronized (lock)}): callers hold the lock for
 * {@link #add} and {@link #pollWaiting}; a node that gives up removes itself, taking the lock briefly.
 */
public final class WaitQueue {
    private final Object lock;
    private final ArrayDeque<WaitNode> nodes = new ArrayDeque<>();

    public WaitQueue(Object lock) {
        this.lock = lock;
    }

    /** Caller holds the lock. */
    public void add(WaitNode n) {
        n.queue = this;
        nodes.addLast(n);
    }

    /** Adds a node that waits in several queues (a select); it leaves all of them itself. Caller holds the lock. */
    public void addShared(WaitNode n) {
        nodes.addLast(n);
    }

    /** The oldest node still waiting, removed; null if none. Caller holds the lock. */
    public WaitNode pollWaiting() {
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
