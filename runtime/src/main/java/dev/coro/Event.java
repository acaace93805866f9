package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

import java.time.Duration;

/**
 * A flag that coroutines (and plain threads) wait on: {@link #set()} wakes every waiter, and waits after it return
 * at once until {@link #clear()}.
 *
 * <pre>{@code
 * Event ready = new Event();
 * Task<Void> waiter = Coro.spawn(() -> { ready.await(); System.out.println("go"); });
 * ready.set();
 * waiter.join(); // prints "go"
 * }</pre>
 */
public final class Event {
    private final WaitQueue waiters = new WaitQueue(this);
    private boolean set;

    public void set() {
        synchronized (this) {
            set = true;
            WaitNode w;
            while ((w = waiters.pollWaiting()) != null) {
                w.complete(Boolean.TRUE);
            }
        }
    }

    public synchronized void clear() {
        waiters.touch(); // every use by another thread counts (see WaitQueue.touch)
        set = false;
    }

    public synchronized boolean isSet() {
        waiters.touch();
        return set;
    }

    /** Waits until the event is set. */
    @Coroutine
    public void await() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            await(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public void await(Stack s) {
        if (Suspend.isResuming(s)) {
            Suspend.resumeWait(s, Boolean.FALSE);
            return;
        }
        WaitNode node;
        synchronized (this) {
            if (set) {
                waiters.touch();
                return;
            }
            node = Suspend.prepareWait(s, "event");
            waiters.add(node);
        }
        if (node.isPlainThread()) {
            Suspend.blockOn(node, 0);
        }
    }

    /** Waits at most {@code timeout} until the event is set; true if it was. */
    @Coroutine
    public boolean await(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return await(timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public boolean await(Duration timeout, Stack s) {
        if (Suspend.isResuming(s)) {
            return (Boolean) Suspend.resumeWait(s, Boolean.FALSE);
        }
        long nanos = Nanos.of(timeout);
        WaitNode node;
        synchronized (this) {
            if (set) {
                waiters.touch();
                return true;
            }
            if (nanos <= 0) {
                return false;
            }
            node = Suspend.prepareWait(s, "event (with timeout)");
            waiters.add(node);
        }
        if (node.isPlainThread()) {
            return Suspend.blockOn(node, nanos);
        }
        Suspend.timeoutWait(s, nanos);
        return false;
    }
}
