package dev.coro.internal;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

/** Waiting for a non-blocking channel on a plain thread: a private selector per thread, reused. */
final class BlockingSelect {
    private static final ThreadLocal<Selector> SELECTORS = new ThreadLocal<>();

    private BlockingSelect() {
    }

    static boolean await(SelectableChannel ch, int ops, long timeoutNanos) throws IOException {
        Selector sel = SELECTORS.get();
        if (sel == null) {
            sel = Selector.open();
            SELECTORS.set(sel);
        }
        SelectionKey key = ch.register(sel, ops);
        try {
            long millis = timeoutNanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            return sel.select(millis) > 0 || (timeoutNanos <= 0 && key.isValid() && key.readyOps() != 0);
        } finally {
            key.cancel();
            sel.selectNow(); // flush the cancelled key so the channel can be registered again
        }
    }
}
