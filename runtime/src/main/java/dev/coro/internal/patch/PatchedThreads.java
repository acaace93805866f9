package dev.coro.internal.patch;

import dev.coro.internal.CoTask;
import dev.coro.internal.Handoff;
import dev.coro.internal.Stack;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Hand-offs to other threads in rewritten code (agent patch group {@code threads}): {@code Thread.start()}, and work
 * given to an executor ({@code Executor.execute}, {@code ExecutorService.submit}, {@code ForkJoinPool}'s,
 * {@code CompletableFuture.runAsync}/{@code supplyAsync}, and {@code ScheduledExecutorService}'s delayed and periodic
 * work). Made in a task (or in a generator body a task consumes, which runs on its behalf), each is told to its
 * loop, which does not take the waits of its tasks for a deadlock while the work is pending: it may still send on the
 * channel, or set the event, it was handed. Outside a task each is the JDK's call with the same arguments.
 */
public final class PatchedThreads {
    private PatchedThreads() {
    }

    public static void start(Thread t) {
        t.start();
        CoTask<?> task = Stack.current().taskOnBehalf();
        if (task != null) {
            task.handedOff(Handoff.of(t));
        }
    }

    /**
     * A plain Runnable is wrapped (only in a task) to learn when it ends; a FutureTask or another RunnableFuture is
     * handed over as it is, since it tells that itself, and stays the object the executor's queue holds. So is any
     * Runnable given to a pool whose queue orders its work (a {@code PriorityBlockingQueue} compares the Runnables
     * themselves: a wrapper would fail there with a ClassCastException); that work is not followed, and the grace
     * covers it.
     */
    public static void execute(Executor e, Runnable r) {
        CoTask<?> task = Stack.current().taskOnBehalf();
        if (task == null || r == null || ordersItsWork(e)) {
            e.execute(r);
        } else if (r instanceof RunnableFuture) {
            e.execute(r);
            task.handedOff(Handoff.of((Future<?>) r, e));
        } else {
            Work w = new Work(r, e);
            e.execute(w); // rejected: it throws before the loop is told
            task.handedOff(w);
        }
    }

    private static boolean ordersItsWork(Executor e) {
        return e instanceof ThreadPoolExecutor && ((ThreadPoolExecutor) e).getQueue() instanceof PriorityBlockingQueue;
    }

    public static Future<?> submit(ExecutorService e, Runnable r) {
        return handedOff(e.submit(r), e);
    }

    public static <T> Future<T> submit(ExecutorService e, Runnable r, T result) {
        return handedOff(e.submit(r, result), e);
    }

    public static <T> Future<T> submit(ExecutorService e, Callable<T> c) {
        return handedOff(e.submit(c), e);
    }

    public static ScheduledFuture<?> schedule(ScheduledExecutorService e, Runnable r, long delay, TimeUnit unit) {
        return handedOff(e.schedule(r, delay, unit), e);
    }

    public static <V> ScheduledFuture<V> schedule(ScheduledExecutorService e, Callable<V> c, long delay,
                                                  TimeUnit unit) {
        return handedOff(e.schedule(c, delay, unit), e);
    }

    /** Periodic work is pending until it is cancelled or fails: each run may wake a task. */
    public static ScheduledFuture<?> scheduleAtFixedRate(ScheduledExecutorService e, Runnable r, long initialDelay,
                                                         long period, TimeUnit unit) {
        return handedOff(e.scheduleAtFixedRate(r, initialDelay, period, unit), e);
    }

    public static ScheduledFuture<?> scheduleWithFixedDelay(ScheduledExecutorService e, Runnable r,
                                                            long initialDelay, long delay, TimeUnit unit) {
        return handedOff(e.scheduleWithFixedDelay(r, initialDelay, delay, unit), e);
    }

    public static void execute(ForkJoinPool p, ForkJoinTask<?> t) {
        p.execute(t);
        handedOff(t, p);
    }

    public static ForkJoinTask<?> submit(ForkJoinPool p, Runnable r) {
        return handedOff(p.submit(r), p);
    }

    public static <T> ForkJoinTask<T> submit(ForkJoinPool p, Runnable r, T result) {
        return handedOff(p.submit(r, result), p);
    }

    public static <T> ForkJoinTask<T> submit(ForkJoinPool p, Callable<T> c) {
        return handedOff(p.submit(c), p);
    }

    public static <T> ForkJoinTask<T> submit(ForkJoinPool p, ForkJoinTask<T> t) {
        return handedOff(p.submit(t), p);
    }

    /** Its future is done once the work ran, or once someone completed it first (then the work never runs). */
    public static CompletableFuture<Void> runAsync(Runnable r) {
        return handedOff(CompletableFuture.runAsync(r), null);
    }

    public static CompletableFuture<Void> runAsync(Runnable r, Executor e) {
        return handedOff(CompletableFuture.runAsync(r, e), e);
    }

    public static <U> CompletableFuture<U> supplyAsync(Supplier<U> s) {
        return handedOff(CompletableFuture.supplyAsync(s), null);
    }

    public static <U> CompletableFuture<U> supplyAsync(Supplier<U> s, Executor e) {
        return handedOff(CompletableFuture.supplyAsync(s, e), e);
    }

    private static <F extends Future<?>> F handedOff(F f, Executor e) {
        CoTask<?> task = Stack.current().taskOnBehalf();
        if (task != null && f != null) { // null: an executor of a library's that breaks the contract
            task.handedOff(Handoff.of(f, e));
        }
        return f;
    }

    /** A task's Runnable as {@code Executor.execute} gets it: it ends however the Runnable ends. */
    private static final class Work extends Handoff implements Runnable {
        private final Runnable r;
        private volatile boolean ended;

        Work(Runnable r, Executor e) {
            super(e);
            this.r = r;
        }

        @Override
        public void run() {
            try {
                r.run();
            } finally {
                ended = true;
            }
        }

        @Override
        protected boolean ended() {
            return ended;
        }

        @Override
        public String toString() {
            return r.toString(); // what a pool's rejection message or a thread dump names
        }
    }
}
