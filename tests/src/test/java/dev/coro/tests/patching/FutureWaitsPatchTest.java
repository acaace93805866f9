package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.coro.tests.patching.SocketWrappersMorePatchTest.assertOverlapped;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Waits for other threads' work that no callback reports (patch group {@code futures}): an executor's
 * {@code FutureTask}, a {@code ForkJoinTask}, a thread's end, {@code invokeAll}/{@code invokeAny},
 * {@code awaitTermination}, a {@code CompletionService}. In a task each suspends the task, not the loop, and gives
 * what the JDK call gives (each transcript is the same run plain and in a coroutine); a task that stops waiting
 * leaves no thread blocked behind it.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK wait hangs
class FutureWaitsPatchTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
    }

    static Callable<String> after(long ms, String value) {
        return () -> {
            Thread.sleep(ms);
            return value;
        };
    }

    /** Each task's value, in order. */
    @Coroutine
    static <T> List<T> joined(List<Task<T>> tasks) {
        List<T> out = new ArrayList<>();
        for (Task<T> t : tasks) {
            out.add(t.join());
        }
        return out;
    }

    static String outcome(Callable<?> c) {
        try {
            return "value " + c.call();
        } catch (ExecutionException e) {
            return "ExecutionException(" + e.getCause() + ")";
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    // ---- Future.get ----

    /** Every way a FutureTask's get ends, as the caller sees it. */
    @Coroutine
    static String futureTaskTranscript(ExecutorService pool) throws Exception {
        List<String> t = new ArrayList<>();
        Future<String> slow = pool.submit(after(150, "slow"));
        try {
            slow.get(20, TimeUnit.MILLISECONDS);
            t.add("no timeout");
        } catch (TimeoutException e) {
            t.add("timed out");
        }
        try {
            slow.get(0, TimeUnit.SECONDS);
            t.add("no timeout");
        } catch (TimeoutException e) {
            t.add("zero timed out");
        }
        t.add(slow.get());
        t.add(slow.get(1, TimeUnit.MILLISECONDS)); // done: no wait
        Future<String> failing = pool.submit(() -> {
            Thread.sleep(30);
            throw new IllegalStateException("boom");
        });
        try {
            failing.get();
        } catch (ExecutionException e) {
            t.add("failed: " + e.getCause());
        }
        FutureTask<String> neverRun = new FutureTask<>(after(0, "x"));
        pool.submit(() -> {
            Thread.sleep(30);
            neverRun.cancel(false);
            return null;
        });
        try {
            neverRun.get();
        } catch (CancellationException e) {
            t.add("cancelled");
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            ScheduledFuture<String> later = timer.schedule(after(0, "scheduled"), 40, TimeUnit.MILLISECONDS);
            t.add(later.get());
        } finally {
            timer.shutdown();
        }
        return String.join(", ", t);
    }

    @Test
    void aFutureTaskEndsItsGetAsTheJdksDoes() throws Exception {
        String plain = futureTaskTranscript(pool);
        assertEquals("timed out, zero timed out, slow, slow, failed: java.lang.IllegalStateException: boom, "
                + "cancelled, scheduled", plain);
        assertEquals(plain, Coro.run(() -> futureTaskTranscript(pool)));
    }

    @Coroutine
    static String submitAndGet(ExecutorService pool, long ms, String value) throws Exception {
        return pool.submit(after(ms, value)).get();
    }

    @Test
    void gettingAnExecutorsFuturesSuspendsTheTasksNotTheLoop() {
        Ticked<List<String>> r = ticking(() -> {
            List<Task<String>> gets = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String v = "v" + i;
                gets.add(Coro.spawn(() -> submitAndGet(pool, 300, v)));
            }
            return joined(gets);
        });
        assertEquals(List.of("v0", "v1", "v2", "v3"), r.value);
        assertOverlapped(r, 4, 300);
    }

    @Coroutine
    static String getThenGiveUp(Future<?> f, long ms) throws Exception {
        try (dev.coro.Timeout t = dev.coro.Timeout.after(Duration.ofMillis(ms))) {
            return "value " + f.get();
        } catch (TimeoutExpiredException e) {
            return "gave up";
        }
    }

    @Test
    void aTaskThatStopsWaitingLeavesNoWorkerBlockedInTheGet() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Future<?> stuck = pool.submit(() -> {
            never.await();
            return null;
        });
        try {
            assertEquals("gave up", Coro.run(() -> getThenGiveUp(stuck, 50)));
            Coro.run(() -> {
                Task<Object> waiter = Coro.spawn(() -> stuck.get());
                Thread.sleep(50);
                waiter.cancel();
                try {
                    waiter.join();
                    fail("the get returned");
                } catch (CancellationException expected) {
                    // its wait ended with the cancel
                }
                return null;
            });
            assertNoWorkerWaitsIn("java.util.concurrent.FutureTask");
            assertFalse(stuck.isDone(), "giving up a get leaves the work alone, as the JDK's get does");
        } finally {
            never.countDown();
        }
    }

    /** Within a second, no worker thread of coro's waits in a method of {@code className}. */
    static void assertNoWorkerWaitsIn(String className) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        String blocked;
        do {
            blocked = null;
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                if (!e.getKey().getName().startsWith("coro-wait-")) {
                    continue;
                }
                for (StackTraceElement f : e.getValue()) {
                    if (f.getClassName().equals(className)) {
                        blocked = e.getKey().getName() + " at " + f;
                    }
                }
            }
            if (blocked != null) {
                Thread.sleep(10);
            }
        } while (blocked != null && System.nanoTime() < deadline);
        assertEquals(null, blocked, "a worker still waits for a task that gave up");
    }

    @Test
    void aWaitLongerThanTheDeadlockGraceIsNoDeadlock() {
        // the loop has nothing else to do for 1.3 s, longer than the 1 s grace: the worker's wait keeps it alive
        assertEquals("late", Coro.run(() -> submitAndGet(pool, 1300, "late")));
    }

    // ---- ForkJoinTask and ForkJoinPool ----

    static final class Fib extends RecursiveTask<Integer> {
        private static final long serialVersionUID = 1L;
        final int n;
        final long pauseMs;

        Fib(int n, long pauseMs) {
            this.n = n;
            this.pauseMs = pauseMs;
        }

        @Override
        protected Integer compute() {
            if (n == -1) {
                pause();
                throw new ArithmeticException("fib of -1");
            }
            if (n < 2) {
                pause();
                return n;
            }
            Fib a = new Fib(n - 1, pauseMs);
            a.fork();
            return new Fib(n - 2, pauseMs).compute() + a.join();
        }

        private void pause() {
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Coroutine
    static String forkJoinTranscript(ForkJoinPool fj) throws Exception {
        List<String> t = new ArrayList<>();
        t.add("invoke " + fj.invoke(new Fib(10, 1)));
        Fib forked = new Fib(8, 2);
        fj.execute(forked);
        t.add("join " + forked.join());
        RecursiveTask<Integer> asRecursive = new Fib(6, 2);
        fj.execute(asRecursive);
        t.add("get " + asRecursive.get());
        // the waits below are in this method, where the agent patches them (not in a lambda handed to outcome)
        ForkJoinTask<Integer> failing = fj.submit(new Fib(-1, 50));
        try {
            t.add("join " + failing.join());
        } catch (ArithmeticException e) {
            t.add("join threw " + e.getClass().getSimpleName());
        }
        ForkJoinTask<Integer> failingToo = fj.submit(new Fib(-1, 50));
        try {
            t.add("get " + failingToo.get());
        } catch (ExecutionException e) {
            t.add("get threw " + e.getCause().getClass().getSimpleName());
        }
        try {
            t.add("invoke " + fj.invoke(new Fib(-1, 50)));
        } catch (ArithmeticException e) {
            t.add("invoke threw " + e.getClass().getSimpleName());
        }
        return String.join(", ", t);
    }

    @Test
    void forkJoinTasksEndTheirJoinsAndGetsAsTheJdksDo() throws Exception {
        ForkJoinPool fj = new ForkJoinPool(2);
        try {
            String plain = forkJoinTranscript(fj);
            assertEquals("invoke 55, join 21, get 8, join threw ArithmeticException, get threw ArithmeticException, "
                    + "invoke threw ArithmeticException", plain);
            assertEquals(plain, Coro.run(() -> forkJoinTranscript(fj)));
        } finally {
            fj.shutdownNow();
        }
    }

    @Test
    void aForkJoinInvokeSuspendsTheTaskNotTheLoop() {
        ForkJoinPool fj = new ForkJoinPool(4);
        try {
            Ticked<List<Integer>> r = ticking(() -> {
                List<Task<Integer>> waits = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    waits.add(Coro.spawn(() -> fj.invoke(new Fib(1, 300))));
                    waits.add(Coro.spawn(() -> fj.submit(new Fib(1, 300)).join()));
                }
                return joined(waits);
            });
            assertEquals(List.of(1, 1, 1, 1), r.value);
            assertOverlapped(r, 4, 300);
        } finally {
            fj.shutdownNow();
        }
    }

    // ---- invokeAll, invokeAny, awaitTermination ----

    @Coroutine
    static String invokeTranscript(ExecutorService pool) throws Exception {
        List<String> t = new ArrayList<>();
        List<Future<String>> all = pool.invokeAll(List.of(after(60, "a"), after(10, "b"), () -> {
            throw new IllegalStateException("c failed");
        }));
        for (Future<String> f : all) {
            t.add((f.isDone() ? "done " : "not done ") + outcome(f::get));
        }
        List<Future<String>> some = pool.invokeAll(List.of(after(10, "fast"), after(5000, "slow")), 200,
                TimeUnit.MILLISECONDS);
        for (Future<String> f : some) {
            t.add(f.isCancelled() ? "cancelled" : outcome(f::get));
        }
        t.add("any " + pool.invokeAny(List.of(after(500, "late"), after(20, "first"), () -> {
            throw new IllegalStateException("no");
        })));
        try {
            t.add("any " + pool.invokeAny(List.of(() -> {
                Thread.sleep(20);
                throw new IllegalStateException("all failed");
            })));
        } catch (ExecutionException e) {
            t.add("any threw " + e.getCause());
        }
        try {
            t.add("any " + pool.invokeAny(List.of(after(5000, "slow")), 50, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            t.add("any timed out");
        }
        ExecutorService single = Executors.newSingleThreadExecutor();
        single.submit(after(100, "x"));
        single.shutdown();
        t.add("terminated early " + single.awaitTermination(10, TimeUnit.MILLISECONDS));
        t.add("terminated " + single.awaitTermination(5, TimeUnit.SECONDS));
        return String.join(", ", t);
    }

    @Test
    void invokeAllInvokeAnyAndAwaitTerminationEndAsTheJdksDo() throws Exception {
        String plain = invokeTranscript(pool);
        assertEquals("done value a, done value b, done ExecutionException(java.lang.IllegalStateException: c failed),"
                + " value fast, cancelled, any first, any threw java.lang.IllegalStateException: all failed, "
                + "any timed out, terminated early false, terminated true", plain);
        assertEquals(plain, Coro.run(() -> invokeTranscript(pool)));
    }

    @Test
    void invokeAllSuspendsTheTaskNotTheLoop() {
        Ticked<List<String>> r = ticking(() -> {
            List<Task<String>> waits = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String v = "v" + i;
                waits.add(Coro.spawn(() -> pool.invokeAll(List.of(after(300, v))).get(0).get()));
            }
            return joined(waits);
        });
        assertEquals(List.of("v0", "v1", "v2", "v3"), r.value);
        assertOverlapped(r, 4, 300);
    }

    @Test
    void aCancelledInvokeAllCancelsTheWorkItHasNotFinished() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        Callable<String> endless = () -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
                return "slept";
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
        };
        String r = Coro.run(() -> {
            Task<List<Future<String>>> waiter = Coro.spawn(() -> pool.invokeAll(List.of(endless)));
            Thread.sleep(100);
            waiter.cancel();
            try {
                waiter.join();
                return "joined";
            } catch (CancellationException e) {
                return "cancelled";
            }
        });
        assertEquals("cancelled", r);
        assertTrue(started.await(5, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!interrupted.get() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(interrupted.get(), "the work of a cancelled invokeAll was cancelled (interrupted), as the JDK's"
                + " invokeAll does when its caller is interrupted");
        assertNoWorkerWaitsIn("java.util.concurrent.AbstractExecutorService");
    }

    // ---- Thread.join ----

    @Coroutine
    static String threadJoinTranscript() throws Exception {
        List<String> t = new ArrayList<>();
        Thread sleeper = new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sleeper.start();
        sleeper.join(20);
        t.add("after join(20) alive " + sleeper.isAlive());
        sleeper.join(10, 500_000);
        t.add("after join(10, 500000) alive " + sleeper.isAlive());
        sleeper.join();
        t.add("after join() alive " + sleeper.isAlive());
        sleeper.join(0);
        sleeper.join(1);
        try {
            sleeper.join(-1);
        } catch (IllegalArgumentException e) {
            t.add("negative: " + e.getMessage());
        }
        try {
            sleeper.join(1, 1_000_000);
        } catch (IllegalArgumentException e) {
            t.add("nanos: " + e.getMessage());
        }
        return String.join(", ", t);
    }

    @Test
    void threadJoinEndsAsTheJdksDoes() throws Exception {
        String plain = threadJoinTranscript();
        assertEquals("after join(20) alive true, after join(10, 500000) alive true, after join() alive false, "
                + "negative: timeout value is negative, nanos: nanosecond timeout value out of range", plain);
        assertEquals(plain, Coro.run(FutureWaitsPatchTest::threadJoinTranscript));
    }

    @Coroutine
    static int startAndJoin(long ms) throws InterruptedException {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        t.join();
        return t.isAlive() ? 0 : 1;
    }

    @Test
    void threadJoinSuspendsTheTaskNotTheLoop() {
        Ticked<List<Integer>> r = ticking(() -> {
            List<Task<Integer>> joins = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                joins.add(Coro.spawn(() -> startAndJoin(300)));
            }
            return joined(joins);
        });
        assertEquals(List.of(1, 1, 1), r.value);
        assertOverlapped(r, 3, 300);
    }

    // ---- CompletionService ----

    @Coroutine
    static List<String> takeInOrderOfCompletion(ExecutorService pool) throws Exception {
        CompletionService<String> cs = new ExecutorCompletionService<>(pool);
        cs.submit(after(300, "third"));
        cs.submit(after(100, "first"));
        cs.submit(after(200, "second"));
        List<String> out = new ArrayList<>();
        out.add(cs.poll(10, TimeUnit.MILLISECONDS) == null ? "nothing yet" : "too early");
        for (int i = 0; i < 3; i++) {
            out.add(cs.take().get());
        }
        out.add(cs.poll(10, TimeUnit.MILLISECONDS) == null ? "nothing left" : "more");
        return out;
    }

    @Test
    void aCompletionServiceHandsOutResultsInOrderOfCompletionWithoutBlockingTheLoop() throws Exception {
        List<String> expected = List.of("nothing yet", "first", "second", "third", "nothing left");
        assertEquals(expected, takeInOrderOfCompletion(pool));
        Ticked<List<String>> r = ticking(() -> takeInOrderOfCompletion(pool));
        assertEquals(expected, r.value);
        assertTrue(r.ticks >= Math.max(2, r.ms / 40), "ticks: " + r.ticks + " in " + r.ms + " ms");
        assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms");
    }
}
