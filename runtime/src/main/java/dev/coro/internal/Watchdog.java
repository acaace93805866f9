package dev.coro.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread watching every loop: a coroutine that runs longer than a time slice without suspending is asked
 * to yield (system property {@code coro.preempt.slice}, ms, default 10, 0 = off), as is a cancelled one that still
 * computes (see {@code Loop.watch} and {@link PreemptSwitch}), and a loop that has not turned for
 * {@code coro.watchdog.blocked} ms (default 100, 0 = off) is reported once, with its thread's stack: that call
 * blocked every coroutine of the loop. When the watchdog itself wakes far too late, the whole process stood still
 * (a collector's pause, an overloaded machine): that time is nobody's fault, and every loop's clock starts again.
 */
final class Watchdog implements Runnable {
    static final long SLICE_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Settings.number("coro.preempt.slice", 10, 0, Settings.MAX_MILLIS));
    static final long BLOCKED_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Settings.number("coro.watchdog.blocked", 100, 0, Settings.MAX_MILLIS));
    /** Whether the watchdog watches the loops at all. */
    static final boolean ENABLED = SLICE_NANOS > 0 || BLOCKED_NANOS > 0;
    private static final Set<Loop> LOOPS = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private Watchdog() {
    }

    static void register(Loop loop) {
        if (!ENABLED) {
            CoroMXBeanImpl.registerInBackground(); // the dump is over JMX whatever the watchdog's settings
            return;
        }
        LOOPS.add(loop);
        synchronized (Watchdog.class) {
            if (thread == null) {
                thread = new Thread(new Watchdog(), "coro-watchdog");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    static void unregister(Loop loop) {
        LOOPS.remove(loop);
    }

    @Override
    public void run() {
        // Not on a loop thread, nor before the first tick: the platform MBean server takes a few hundred ms to start,
        // and the watchdog must preempt and report from a process's first loop on.
        CoroMXBeanImpl.registerInBackground();
        long interval = Math.max(1_000_000L, Math.min(SLICE_NANOS > 0 ? SLICE_NANOS / 2 : Long.MAX_VALUE,
                BLOCKED_NANOS > 0 ? BLOCKED_NANOS / 2 : Long.MAX_VALUE));
        long late = interval + Math.max(interval, BLOCKED_NANOS / 4); // overslept by this much: the process stalled
        long last = System.nanoTime();
        for (;;) {
            try {
                TimeUnit.NANOSECONDS.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            tick(LOOPS, now, now - last > late, SLICE_NANOS, BLOCKED_NANOS);
            PreemptSwitch.relax(now);
            last = now;
        }
    }

    /** One look at {@code loops}; {@code stalled}: the watchdog could not run for a while, nor could anyone. */
    static void tick(Iterable<Loop> loops, long now, boolean stalled, long sliceNanos, long blockedNanos) {
        for (Loop l : loops) {
            if (stalled) {
                l.restartWatch(now);
            } else {
                l.watch(now, sliceNanos, blockedNanos);
            }
        }
    }
}
