package dev.coro.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool that gives every call a thread at once (an idle one, else a new one, up to {@code max}; beyond that
 * calls queue), so no call waits behind another one that waits on a peer. Its daemon threads go after 30 s
 * idle. Threads are started by a starter thread of its own, never by the caller: a loop thread that hands a
 * call over never pays a thread's start (tens of milliseconds on a loaded machine).
 */
public final class Workers implements Executor {
    private final String prefix;
    private final int max;
    private final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    private final AtomicInteger names = new AtomicInteger();
    /** Workers waiting for a task; workers alive or being started; starts asked of the starter. */
    private int idle;
    private int threads;
    private int toStart;
    private Thread starter;

    /** @param prefix the threads' names, before their number */
    public Workers(String prefix, int max) {
        this.prefix = prefix;
        this.max = max;
    }

    @Override
    public synchronized void execute(Runnable r) {
        tasks.add(r);
        if (idle + toStart >= tasks.size()) {
            notifyAll(); // an idle worker takes it (the starter ignores the wake-up)
            return;
        }
        if (threads < max) {
            threads++;
            toStart++;
            if (starter == null) {
                starter = new Thread(this::startWorkers, "coro-starter of " + prefix + "N");
                starter.setDaemon(true);
                starter.start();
            }
            notifyAll();
        }
    }

    private void startWorkers() {
        for (;;) {
            synchronized (this) {
                while (toStart == 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // a daemon that serves the process: keep serving
                    }
                }
            }
            Thread t = new Thread(this::work, prefix + names.incrementAndGet());
            t.setDaemon(true);
            t.start();
            synchronized (this) {
                toStart--;
                idle++; // counted idle until it takes a task
            }
        }
    }

    private void work() {
        try {
            serve();
        } finally {
            IoWait.releaseBlockingSelector(); // its socket waits' selector: no fds left behind
        }
    }

    private void serve() {
        for (;;) {
            Runnable r;
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (tasks.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        idle--;
                        threads--;
                        return;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        // not ours to stop: a call's interrupt must not end the worker
                    }
                }
                idle--;
                r = tasks.poll();
            }
            try {
                r.run();
            } catch (Throwable e) {
                // the calls report their own failures to the waiting task; nothing else runs here
            } finally {
                Thread.interrupted(); // a call's interrupt status does not follow into the next
                synchronized (this) {
                    idle++;
                }
            }
        }
    }
}
