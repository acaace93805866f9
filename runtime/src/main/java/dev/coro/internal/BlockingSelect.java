package dev.coro.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Waiting for a non-blocking channel on a plain thread: a private selector per thread, reused. */
final class BlockingSelect {
    private static final ThreadLocal<Selector> SELECTORS = new ThreadLocal<>();
    /**
     * The selectors plain threads wait in, by channel: a close of the channel (which does not wake a selector it
     * is registered with) wakes them through {@link #wakeUp}, as a close wakes a thread blocked in the JDK's read.
     */
    private static final ConcurrentHashMap<SelectableChannel, Set<Selector>> WAITING = new ConcurrentHashMap<>();

    private BlockingSelect() {
    }

    /** True when ready, or when the channel was closed (the caller's next operation says so); false on timeout. */
    static boolean await(SelectableChannel ch, int ops, long timeoutNanos) throws IOException {
        Selector sel = SELECTORS.get();
        if (sel == null) {
            sel = Selector.open();
            SELECTORS.set(sel);
        }
        Selector mine = sel;
        WAITING.computeIfAbsent(ch, c -> ConcurrentHashMap.newKeySet()).add(mine);
        try {
            if (!ch.isOpen()) {
                return true; // closed before the wait began: a wake-up may have gone before we were listed
            }
            SelectionKey key;
            try {
                key = ch.register(sel, ops);
            } catch (ClosedChannelException closed) {
                return true;
            }
            try {
                long millis = timeoutNanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                return sel.select(millis) > 0 || (timeoutNanos <= 0 && key.isValid() && key.readyOps() != 0)
                        || !ch.isOpen();
            } finally {
                key.cancel();
                sel.selectNow(); // flush the cancelled key so the channel can be registered again
            }
        } finally {
            WAITING.computeIfPresent(ch, (c, s) -> {
                s.remove(mine);
                return s.isEmpty() ? null : s;
            });
        }
    }

    /** Closes this thread's selector, if it has one: for a pool's thread that retires. */
    static void release() {
        Selector sel = SELECTORS.get();
        if (sel != null) {
            SELECTORS.remove();
            try {
                sel.close();
            } catch (IOException ignored) {
                // nothing to do: the thread is going away
            }
        }
    }

    /** Wakes the plain threads waiting on {@code ch} (just closed): each finds it closed. */
    static void wakeUp(SelectableChannel ch) {
        Set<Selector> s = WAITING.get(ch);
        if (s != null) {
            for (Selector sel : s) {
                sel.wakeup();
            }
        }
    }
}
