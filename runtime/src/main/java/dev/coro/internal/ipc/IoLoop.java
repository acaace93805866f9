package dev.coro.internal.ipc;

import dev.coro.internal.CoTask;
import dev.coro.internal.Loop;
import dev.coro.internal.StackRunnable;

import java.util.function.BooleanSupplier;

/**
 * The loop that carries every queue connection of this process ({@link Client}): one daemon thread, started on
 * first use, where each connection's connector, reader and writer run as tasks over coro's cooperative sockets.
 * Callers on any loop or thread reach a connection through its outbox and the waits its reader completes.
 */
final class IoLoop {
    private static volatile Loop loop;

    private IoLoop() {
    }

    static Loop loop() {
        Loop l = loop;
        if (l == null) {
            synchronized (IoLoop.class) {
                l = loop;
                if (l == null) {
                    loop = l = Loop.startDaemon("coro-queue-io");
                }
            }
        }
        return l;
    }

    /**
     * Starts {@code task} on the IO loop, from any thread. After {@code timeoutNanos}, if it is still running and
     * {@code expire} (run on the loop) says so, it is cancelled.
     */
    static void start(StackRunnable task, String name, long timeoutNanos, BooleanSupplier expire) {
        Loop l = loop();
        l.execute(() -> {
            CoTask<?> t = l.spawn(task, name);
            CoTask<?> timer = l.spawnLater(Math.max(1, timeoutNanos), (StackRunnable) s -> {
                if (!t.isDone() && expire.getAsBoolean()) {
                    t.cancel();
                }
            }, name + " (its timeout)");
            t.onComplete(done -> timer.cancel());
        });
    }

    /** Starts {@code task} on the IO loop; called on that loop. */
    static CoTask<?> spawnHere(StackRunnable task, String name) {
        return Loop.current().spawn(task, name);
    }
}
