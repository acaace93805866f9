package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

/**
 * A reentrant mutual-exclusion lock owned by a task, not a thread: tasks of one loop share a thread, so a thread's
 * lock (synchronized, ReentrantLock) cannot keep them apart, and a suspended holder keeps this one. Plain threads
 * may use it too (each thread is an owner). Fair: waiters get it in arrival order.
 *
 * <pre>{@code
 * Lock lock = new Lock();
 * lock.lock();
 * try { balance = read(); Coro.sleep(1); write(balance + 1); } finally { lock.unlock(); }
 * }</pre>
 */
public final class Lock {
    // Always its monitor, never a loop's ownership (as Channel's): a plain thread may take this lock while holding a
    // monitor the loop's thread waits for (coro's stream wrappers nest them so), and revoking ownership would make it
    // wait for that loop's next turn, which then never comes.
    private final WaitQueue waiters = new WaitQueue(this);
    private Object owner;
    private int holds;

    private static Object me(Stack s) {
        Object t = s.task();
        return t != null ? t : Thread.currentThread();
    }

    @Coroutine
    public void lock() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            lock(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public void lock(Stack s) {
        if (Suspend.isResuming(s)) {
            Suspend.resumeWait(s, null); // ownership was handed over by unlock()
            return;
        }
        Object me = me(s);
        WaitNode node;
        synchronized (this) {
            if (owner == me) {
                holds++;
                return;
            }
            if (owner == null && waiters.isEmpty()) {
                owner = me;
                holds = 1;
                return;
            }
            node = Suspend.prepareWait(s, "lock");
            node.value = me;
            waiters.add(node);
        }
        if (node.isPlainThread()) {
            Suspend.blockOn(node, 0);
        }
    }

    /** Takes the lock if it is free now (or already ours). */
    public boolean tryLock() {
        Object me = me(Stack.current());
        synchronized (this) {
            if (owner == me) {
                holds++;
                return true;
            }
            if (owner == null && waiters.isEmpty()) {
                owner = me;
                holds = 1;
                return true;
            }
            return false;
        }
    }

    /** Releases one hold; the last one hands the lock to the longest waiter. */
    public void unlock() {
        Object me = me(Stack.current());
        synchronized (this) {
            if (owner != me) {
                throw new IllegalStateException("unlock by " + describe(me) + ", but the lock is held by "
                        + (owner == null ? "nobody" : describe(owner)));
            }
            if (--holds > 0) {
                return;
            }
            owner = null;
            WaitNode w;
            while ((w = waiters.pollWaiting()) != null) {
                Object next = w.value;
                if (w.complete(null)) {
                    owner = next;
                    holds = 1;
                    return;
                }
            }
        }
    }

    public synchronized boolean isLocked() {
        return owner != null;
    }

    /** True if the caller (task, or plain thread) holds it. */
    public boolean isHeldByCurrent() {
        Object me = me(Stack.current());
        synchronized (this) {
            return owner == me;
        }
    }

    private static String describe(Object o) {
        return o instanceof Task ? "task " + ((Task<?>) o).name() : "thread " + ((Thread) o).getName();
    }
}
