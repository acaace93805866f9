package dev.coro.internal;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * The leaf that suspends a coroutine until a non-blocking channel is ready (readable, writable, acceptable,
 * connectable), through its loop's Selector. The building block of cooperative sockets.
 */
public final class IoWait {
    private IoWait() {
    }

    /** Who waits for what on one channel: a reader and a writer may wait at once. */
    static final class Registration {
        WaitNode reader;
        WaitNode writer;
    }

    /**
     * Suspends until {@code ch} (non-blocking) is ready for {@code ops}, or {@code timeoutNanos} (0 = none) passes.
     * Returns true if ready, false on timeout. On a plain thread, or pinned, it waits with a private selector.
     */
    public static boolean await(Stack s, SelectableChannel ch, int ops, long timeoutNanos) throws IOException {
        if (s.mode == Stack.RESUMING) {
            WaitNode node = Suspend.currentWait(s);
            Object r = null;
            try {
                r = Suspend.resumeWait(s, Boolean.FALSE); // throws if the task was cancelled meanwhile
            } finally {
                if (r != Boolean.TRUE && node != null) {
                    // a registration left behind would keep the loop selecting for a task that waits no more
                    node.task.loop.forgetIo(node);
                }
            }
            return r == Boolean.TRUE;
        }
        CoTask<?> t = s.task;
        if (t == null || s.pinned > 0) {
            if (t != null) {
                Pinning.warnPinned("a socket wait");
            }
            return BlockingSelect.await(ch, ops, timeoutNanos);
        }
        WaitNode node = Suspend.prepareWait(s, describe(ops));
        t.loop.registerIo(ch, ops, node);
        if (timeoutNanos > 0) {
            Suspend.timeoutWait(s, timeoutNanos);
        }
        return false;
    }

    /**
     * Waits the blocking way: for plain code, which cannot unwind. Inside a coroutine that blocks its loop, so it
     * is reported once per call site, naming the frame to fix.
     */
    public static boolean block(SelectableChannel ch, int ops, long timeoutNanos) throws IOException {
        if (Stack.current().task != null) {
            Pinning.warnPinned("a socket wait");
        }
        return BlockingSelect.await(ch, ops, timeoutNanos);
    }

    /**
     * Wakes the tasks waiting on a channel that was just closed; any thread. {@code n} is one of them (a socket
     * keeps its latest reader and writer): every task its loop has waiting on the same channel retries, and finds
     * the channel closed.
     */
    /**
     * Wakes the tasks waiting on {@code n}'s channel so that they look again: data they wait for is already in a
     * buffer of the socket (another task read it from the channel), where no readiness will announce it.
     */
    public static void wakeWaiters(WaitNode n) {
        channelClosed(n); // the same wake-up: every waiter re-checks, and one that still has to wait waits again
    }

    public static void channelClosed(WaitNode n) {
        if (n == null) {
            return;
        }
        Object key = n.source; // the SelectionKey while it waits
        if (n.task != null && key instanceof SelectionKey) {
            Loop loop = n.task.loop;
            loop.execute(() -> loop.channelClosed((SelectionKey) key));
        }
        n.complete(Boolean.TRUE);
    }

    /**
     * Wakes the plain threads (a worker running a Scanner's or an ObjectInputStream's call, say) blocked waiting
     * on {@code ch}, which was just closed: each finds it closed, as a thread blocked in the JDK's read would.
     */
    public static void wakeBlocked(SelectableChannel ch) {
        BlockingSelect.wakeUp(ch);
    }

    /** Closes the private selector this thread's blocking waits used, if any (a worker thread that retires). */
    public static void releaseBlockingSelector() {
        BlockingSelect.release();
    }

    /**
     * Registers {@code action}, to run on {@code key} once the running task's loop ended and closed its selector,
     * so every channel it waited on is deregistered (once per key and loop; the key is held weakly). Returns the
     * loop, or null on a plain thread.
     */
    public static Object atLoopEnd(Stack s, Object key, java.util.function.Consumer<Object> action) {
        CoTask<?> t = s.task;
        if (t == null) {
            return null;
        }
        t.loop.atEnd(key, action);
        return t.loop;
    }

    /** The running task's loop, or null on a plain thread. */
    public static Object loopOf(Stack s) {
        return s.task == null ? null : s.task.loop;
    }

    static String describe(int ops) {
        StringBuilder b = new StringBuilder("a channel to become");
        if ((ops & SelectionKey.OP_READ) != 0) {
            b.append(" readable");
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            b.append(" writable");
        }
        if ((ops & SelectionKey.OP_ACCEPT) != 0) {
            b.append(" acceptable");
        }
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            b.append(" connected");
        }
        return b.toString();
    }
}
