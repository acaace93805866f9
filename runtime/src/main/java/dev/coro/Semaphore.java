package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

import java.time.Duration;

/**
 * Counting permits for coroutines and plain threads, handed out first come, first served.
 * {@link #bounded(int)} refuses a release beyond its initial count, which catches double releases.
 *
 * <pre>{@code
 * Semaphore slots = Semaphore.bounded(10);       // at most 10 fetches at once
 * slots.acquire();
 * try { fetch(url); } finally { slots.release(); }
 * }</pre>
 */
public final class Semaphore {
    private final WaitQueue waiters = new WaitQueue(this);
    private final int max;
    private int permits;

    private Semaphore(int permits, int max) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits are negative: " + permits);
        }
        this.permits = permits;
        this.max = max;
    }

    /** A semaphore with {@code permits} to start with, releases unlimited. */
    public Semaphore(int permits) {
        this(permits, Integer.MAX_VALUE);
    }

    /** A semaphore that never holds more than {@code permits}: an extra release throws. */
    public static Semaphore bounded(int permits) {
        return new Semaphore(permits, permits);
    }

    @Coroutine
    public void acquire() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            acquire(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public void acquire(Stack s) {
        if (Suspend.isResuming(s)) {
            Suspend.resumeWait(s, null);
            return;
        }
        WaitNode node;
        synchronized (this) {
            if (permits > 0 && waiters.isEmpty()) {
                permits--;
                return;
            }
            node = Suspend.prepareWait(s, "semaphore");
            waiters.add(node);
        }
        if (node.isPlainThread()) {
            Suspend.blockOn(node, 0);
        }
    }

    /** Waits at most {@code timeout} for a permit; true if one was taken. */
    @Coroutine
    public boolean tryAcquire(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return tryAcquire(timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public boolean tryAcquire(Duration timeout, Stack s) {
        if (Suspend.isResuming(s)) {
            return Suspend.resumeWait(s, Boolean.FALSE) != Boolean.FALSE;
        }
        long nanos = Nanos.of(timeout);
        WaitNode node;
        synchronized (this) {
            if (permits > 0 && waiters.isEmpty()) {
                permits--;
                return true;
            }
            if (nanos <= 0) {
                waiters.touch();
                return false;
            }
            node = Suspend.prepareWait(s, "semaphore (with timeout)");
            waiters.add(node);
        }
        if (node.isPlainThread()) {
            return Suspend.blockOn(node, nanos);
        }
        Suspend.timeoutWait(s, nanos);
        return false;
    }

    /** Takes a permit if one is free now. */
    public synchronized boolean tryAcquire() {
        waiters.touch(); // every use by another thread counts (see WaitQueue.touch)
        if (permits > 0 && waiters.isEmpty()) {
            permits--;
            return true;
        }
        return false;
    }

    /** Returns a permit: to the longest waiter if there is one. */
    public void release() {
        synchronized (this) {
            WaitNode w;
            while ((w = waiters.pollWaiting()) != null) {
                if (w.complete(Boolean.TRUE)) {
                    return;
                }
            }
            if (permits >= max) {
                throw new IllegalStateException("semaphore released more often than acquired (bound " + max + ")");
            }
            permits++;
        }
    }

    public synchronized int availablePermits() {
        waiters.touch();
        return permits;
    }
}
