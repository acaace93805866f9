package dev.coro.tests.patching;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.DeadlockException;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.coro.tests.patching.FutureWaitsPatchTest.after;
import static dev.coro.tests.patching.FutureWaitsPatchTest.assertNoWorkerWaitsIn;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Edge cases of the {@code futures} waits a worker thread makes for a task (PatchedWaits): the state a twin keeps
 * across its suspension when several waits share a method, a loop, nested calls and a timeout; the JDK's own
 * results and exceptions; many waits at once; deadlock detection around them.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK wait hangs
class FutureWaitsEdgeCasesTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
    }

    // ---- several waits in one method, a loop, nested calls ----

    @Coroutine
    static String nestedTimedGet(Future<String> f) throws Exception {
        return "[" + f.get(5, TimeUnit.SECONDS) + "]";
    }

    /** Each kind of wait, twice per round, some through a {@code Future}-typed CompletableFuture. */
    @Coroutine
    static String manyWaits(ExecutorService pool, int rounds) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rounds; i++) {
            Future<String> task = pool.submit(after(15, "t" + i));
            Future<String> cf = CompletableFuture.supplyAsync(() -> "c", CompletableFuture.delayedExecutor(10,
                    TimeUnit.MILLISECONDS));
            Future<String> cfTimed = CompletableFuture.supplyAsync(() -> "d", CompletableFuture.delayedExecutor(10,
                    TimeUnit.MILLISECONDS));
            String a = task.get();
            String b = cf.get();
            String c = cfTimed.get(5, TimeUnit.SECONDS);
            String d = nestedTimedGet(pool.submit(after(10, "n")));
            Thread th = new Thread(() -> {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            th.start();
            th.join();
            String e = pool.invokeAny(List.of(after(10, "any")));
            sb.append(a).append(b).append(c).append(d).append(e).append(';');
        }
        return sb.toString();
    }

    @Test
    void severalWaitsInOneMethodKeepTheirStateAcrossSuspensions() throws Exception {
        String plain = manyWaits(pool, 3);
        assertEquals("t0cd[n]any;t1cd[n]any;t2cd[n]any;", plain);
        assertEquals(plain, Coro.run(() -> {
            try (dev.coro.Timeout t = dev.coro.Timeout.after(Duration.ofSeconds(10))) {
                return manyWaits(pool, 3);
            }
        }));
    }

    /** Several tasks interleave their waits, each through the same code. */
    @Test
    void interleavedTasksEachGetTheirOwnValues() {
        List<String> r = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ts.add(Coro.spawn(() -> manyWaits(pool, 2)));
            }
            return FutureWaitsPatchTest.joined(ts);
        });
        for (String s : r) {
            assertEquals("t0cd[n]any;t1cd[n]any;", s);
        }
    }

    // ---- a CompletableFuture through Future: both twins on one frame ----

    @Coroutine
    static String mixedFutureTypes(ExecutorService pool) throws Exception {
        List<String> t = new ArrayList<>();
        Future<String> slowCf = new CompletableFuture<>();
        try {
            slowCf.get(20, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            t.add("cf timed out");
        }
        Future<String> slowTask = pool.submit(after(300, "late"));
        try {
            slowTask.get(20, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            t.add("task timed out");
        }
        ((CompletableFuture<String>) slowCf).complete("cf");
        t.add(slowCf.get(1, TimeUnit.SECONDS));
        t.add(slowTask.get());
        return String.join(", ", t);
    }

    @Test
    void timedGetsOfBothKindsOfFutureThroughOneStaticType() throws Exception {
        String plain = mixedFutureTypes(pool);
        assertEquals("cf timed out, task timed out, cf, late", plain);
        assertEquals(plain, Coro.run(() -> mixedFutureTypes(pool)));
    }

    // ---- exceptions and timeouts as the JDK's ----

    @Coroutine
    static String exceptionsTranscript(ExecutorService pool) throws Exception {
        List<String> t = new ArrayList<>();
        IllegalStateException boom = new IllegalStateException("boom");
        Future<String> failing = pool.submit(() -> {
            Thread.sleep(20);
            throw boom;
        });
        try {
            failing.get();
        } catch (ExecutionException e) {
            t.add("get: " + e.getMessage() + " cause same " + (e.getCause() == boom));
        }
        try {
            failing.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            t.add("timed: " + e.getMessage());
        }
        Future<String> slow = pool.submit(after(200, "slow"));
        for (long timeout : new long[] {0, -1, Long.MIN_VALUE}) {
            try {
                slow.get(timeout, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                t.add("timeout " + timeout + ": " + e.getMessage());
            }
        }
        try {
            slow.get(10, null);
        } catch (NullPointerException e) {
            t.add("null unit");
        }
        IllegalArgumentException one = new IllegalArgumentException("one");
        IllegalArgumentException two = new IllegalArgumentException("two");
        try {
            pool.invokeAny(List.<Callable<String>>of(() -> {
                throw one;
            }, () -> {
                Thread.sleep(30);
                throw two;
            }));
        } catch (ExecutionException e) {
            t.add("any: " + e.getCause().getMessage());
        }
        try {
            pool.invokeAny(List.of());
        } catch (IllegalArgumentException e) {
            t.add("any of none: IllegalArgumentException");
        }
        Thread unstarted = new Thread(() -> { });
        unstarted.join();
        unstarted.join(10);
        unstarted.join(10, 10);
        t.add("unstarted joined, alive " + unstarted.isAlive());
        return String.join(", ", t);
    }

    @Test
    void exceptionsAreTheJdksOwn() throws Exception {
        String plain = exceptionsTranscript(pool);
        assertEquals("get: java.lang.IllegalStateException: boom cause same true, timed: java.lang.IllegalStateException:"
                + " boom, timeout 0: null, timeout -1: null, timeout -9223372036854775808: null, null unit, any: two, "
                + "any of none: IllegalArgumentException, unstarted joined, alive false", plain);
        assertEquals(plain, Coro.run(() -> exceptionsTranscript(pool)));
    }

    // ---- many waits ----

    @Test
    void moreWaitsThanTheWorkerCapAllEnd() {
        ExecutorService timer = Executors.newScheduledThreadPool(2);
        try {
            Ticked<Integer> r = ticking(() -> {
                List<Task<String>> ts = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    Future<String> f = ((java.util.concurrent.ScheduledExecutorService) timer)
                            .schedule(() -> "x", 100, TimeUnit.MILLISECONDS);
                    ts.add(Coro.spawn(() -> f.get()));
                }
                int n = 0;
                for (Task<String> t : ts) {
                    n += t.join().equals("x") ? 1 : 0;
                }
                return n;
            });
            assertEquals(600, r.value);
            assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms");
        } finally {
            timer.shutdownNow();
        }
    }


    @Test
    void cancellingMoreWaitsThanTheWorkerCapFreesEveryWorkerAndLaterWaitsStillRun() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Future<?> stuck = pool.submit(() -> {
            never.await();
            return null;
        });
        try {
            int cancelled = Coro.run(() -> {
                List<Task<Object>> ts = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    ts.add(Coro.spawn(() -> stuck.get()));
                }
                Thread.sleep(100);
                for (Task<Object> t : ts) {
                    t.cancel();
                }
                int n = 0;
                for (Task<Object> t : ts) {
                    try {
                        t.join();
                    } catch (CancellationException e) {
                        n++;
                    }
                }
                return n;
            });
            assertEquals(600, cancelled);
            assertNoWorkerWaitsIn("java.util.concurrent.FutureTask");
            // the pool is not wedged: a wait after all that still gets a worker
            assertEquals("after", Coro.run(() -> pool.submit(after(10, "after")).get(2, TimeUnit.SECONDS)));
        } finally {
            never.countDown();
        }
    }

    // ---- cancels racing completions ----

    @Test
    void cancelsRacingCompletionsLoseNothingAndLeaveTheLoopsCountsRight() throws Exception {
        for (int round = 0; round < 40; round++) {
            FutureTask<String> f = new FutureTask<>(() -> "v");
            String r = Coro.run(() -> {
                Task<String> waiter = Coro.spawn(() -> f.get());
                Thread.sleep(5);
                Thread runner = new Thread(f);
                runner.start();
                Thread.yield();
                waiter.cancel();
                try {
                    return waiter.join();
                } catch (CancellationException e) {
                    return "cancelled";
                }
            });
            assertTrue(r.equals("v") || r.equals("cancelled"), r);
        }
        // the loop's count of waits other threads end must be back at zero: a real deadlock is reported
        try {
            Coro.run(() -> {
                Channel<String> ch = Channel.<String>unbounded();
                Task<String> a = Coro.spawn(() -> ch.receive());
                return a.join();
            });
            fail("no deadlock reported");
        } catch (DeadlockException expected) {
            // as it should
        }
    }

    @Test
    void aRealDeadlockIsStillReportedOnceTheWorkersWaitEnds() {
        try {
            Coro.run(() -> {
                Future<String> f = pool.submit(after(300, "done"));
                Task<String> waiter = Coro.spawn(() -> f.get());
                Channel<String> ch = Channel.<String>unbounded();
                Task<String> stuck = Coro.spawn(() -> ch.receive());
                waiter.join();
                return stuck.join();
            });
            fail("no deadlock reported");
        } catch (DeadlockException expected) {
            // the get ended, then nothing could wake the receiver
        }
    }


    // ---- a library's own Future ----

    /** A minimal adapter future, as libraries write them: only get() is implemented. */
    static final class GetOnlyFuture implements Future<String> {
        private final long ms;
        private final String value;

        GetOnlyFuture(long ms, String value) {
            this.ms = ms;
            this.value = value;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            throw new UnsupportedOperationException("cancel");
        }

        @Override
        public boolean isCancelled() {
            throw new UnsupportedOperationException("isCancelled");
        }

        @Override
        public boolean isDone() {
            throw new UnsupportedOperationException("isDone");
        }

        @Override
        public String get() throws InterruptedException {
            Thread.sleep(ms);
            return value;
        }

        @Override
        public String get(long timeout, TimeUnit unit) throws InterruptedException {
            return get();
        }
    }

    @Coroutine
    static String getBoth(Future<String> f) throws Exception {
        return f.get() + "+" + f.get(1, TimeUnit.SECONDS);
    }

    @Test
    void aLibraryFutureWhoseIsDoneThrowsIsWaitedForAsTheJdkCallWould() throws Exception {
        GetOnlyFuture f = new GetOnlyFuture(30, "v");
        assertEquals("v+v", getBoth(f));
        assertEquals("v+v", Coro.run(() -> getBoth(f)));
    }

    /** A library's executor that implements awaitTermination, but not isTerminated. */
    static final class AwaitOnlyExecutor extends java.util.concurrent.AbstractExecutorService {
        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return true;
        }

        @Override
        public boolean isTerminated() {
            throw new UnsupportedOperationException("isTerminated");
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            Thread.sleep(20);
            return true;
        }

        @Override
        public void execute(Runnable command) {
            command.run();
        }
    }

    @Coroutine
    static boolean awaitTerminationOf(ExecutorService e) throws InterruptedException {
        return e.awaitTermination(1, TimeUnit.SECONDS);
    }

    @Test
    void aLibraryExecutorWhoseIsTerminatedThrowsIsAwaitedAsTheJdkCallWould() throws Exception {
        AwaitOnlyExecutor e = new AwaitOnlyExecutor();
        assertTrue(awaitTerminationOf(e));
        assertTrue(Coro.run(() -> awaitTerminationOf(e)));
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }

    /** A future whose get throws a checked exception it does not declare (a sneaky throw, as Lombok's). */
    static final class SneakyFuture extends FutureTask<String> {
        private final Exception thrown;

        SneakyFuture(Exception thrown) {
            super(() -> "never");
            this.thrown = thrown;
        }

        @Override
        public String get() throws InterruptedException {
            Thread.sleep(20);
            throw sneaky(thrown);
        }

        @Override
        public String get(long timeout, TimeUnit unit) throws InterruptedException {
            return get();
        }
    }

    @Coroutine
    static String sneakyTranscript(Future<String> f) {
        List<String> t = new ArrayList<>();
        try {
            t.add(f.get());
        } catch (Exception e) {
            t.add(e.getClass().getName() + ": " + e.getMessage());
        }
        try {
            t.add(f.get(1, TimeUnit.SECONDS));
        } catch (Exception e) {
            t.add(e.getClass().getName() + ": " + e.getMessage());
        }
        return String.join(", ", t);
    }

    @Test
    void anUndeclaredCheckedExceptionOfAGetIsThrownAsItIs() throws Exception {
        SneakyFuture f = new SneakyFuture(new java.io.IOException("peer gone"));
        String plain = sneakyTranscript(f);
        assertEquals("java.io.IOException: peer gone, java.io.IOException: peer gone", plain);
        assertEquals(plain, Coro.run(() -> sneakyTranscript(f)));
    }

    // ---- where a task cannot suspend ----

    @Coroutine
    static String getInSynchronized(Object lock, Future<String> f, Future<String> g) throws Exception {
        String a;
        synchronized (lock) {
            a = f.get() + g.get(1, TimeUnit.SECONDS);
        }
        return a + f.get(); // and again outside, where it suspends (it is done: no worker)
    }

    @Test
    void aWaitInsideSynchronizedIsTheJdkCall() throws Exception {
        Object lock = new Object();
        Future<String> f = pool.submit(after(20, "a"));
        Future<String> g = pool.submit(after(20, "b"));
        assertEquals("aba", Coro.run(() -> getInSynchronized(lock, f, g)));
    }

    @Test
    void aWaitInAGeneratorBodyAConsumerRunsGivesItsValue() {
        List<String> r = Coro.run(() -> {
            List<String> out = new ArrayList<>();
            for (String v : Coro.<String>generator(e -> {
                e.emit(pool.submit(after(20, "g1")).get());
                e.emit(pool.submit(after(20, "g2")).get(1, TimeUnit.SECONDS));
            })) {
                out.add(v);
            }
            return out;
        });
        assertEquals(List.of("g1", "g2"), r);
    }

    // ---- a run that ends while a task waits ----

    @Test
    void aRunThatEndsCancelsItsWaitingTasksAndFreesTheirWorkers() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Future<?> stuck = pool.submit(() -> {
            never.await();
            return null;
        });
        try {
            long start = System.nanoTime();
            String r = Coro.run(() -> {
                Coro.spawn(() -> stuck.get());
                Thread.sleep(30);
                return "root done";
            });
            assertEquals("root done", r);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
            assertNoWorkerWaitsIn("java.util.concurrent.FutureTask");
        } finally {
            never.countDown();
        }
    }

    // ---- barriers and phasers ----

    @Coroutine
    static int arriveOnce(Phaser p) {
        return p.arriveAndAwaitAdvance();
    }

    @Test
    void aPhaserThatTerminatesOnItsAdvanceGivesTheJdksPhase() throws Exception {
        Phaser plainPhaser = new Phaser(1) {
            @Override
            protected boolean onAdvance(int phase, int parties) {
                return true;
            }
        };
        int plain = arriveOnce(plainPhaser);
        Phaser taskPhaser = new Phaser(1) {
            @Override
            protected boolean onAdvance(int phase, int parties) {
                return true;
            }
        };
        assertEquals(plain, (int) Coro.run(() -> arriveOnce(taskPhaser)));
    }


    @Test
    void moreTaskPartiesThanTheWaitWorkersCapStillTripABarrier() {
        int parties = 600; // over coro.wait.threads' default, 512: plain threads would meet there
        CyclicBarrier b = new CyclicBarrier(parties);
        List<String> r = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < parties; i++) {
                ts.add(Coro.spawn(() -> {
                    try {
                        return "index " + b.await(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        return e.getClass().getSimpleName();
                    }
                }));
            }
            return FutureWaitsPatchTest.joined(ts);
        });
        java.util.Set<String> indices = new java.util.HashSet<>(r);
        assertEquals(parties, indices.size(), "not every party got its own index: "
                + r.stream().filter(v -> !v.startsWith("index")).distinct().collect(java.util.stream.Collectors
                        .toList()));
        assertTrue(indices.contains("index 0") && indices.contains("index " + (parties - 1)), indices.toString());
    }

    @Test
    void aBarrierActionsExceptionReachesTheTaskThatTrippedIt() {
        IllegalStateException boom = new IllegalStateException("action failed");
        CyclicBarrier b = new CyclicBarrier(2, () -> {
            throw boom;
        });
        List<String> r = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ts.add(Coro.spawn(() -> {
                    try {
                        return "index " + b.await();
                    } catch (java.util.concurrent.BrokenBarrierException e) {
                        return "broken";
                    } catch (IllegalStateException e) {
                        return e == boom ? "the action's" : "other " + e;
                    }
                }));
            }
            return FutureWaitsPatchTest.joined(ts);
        });
        assertTrue(r.contains("broken") && r.contains("the action's"), r.toString());
    }

    // ---- a timeout around a wait ----

    @Coroutine
    static String waitsUnderTimeouts(ExecutorService pool) throws Exception {
        List<String> t = new ArrayList<>();
        Future<String> stuck = pool.submit(after(2000, "never"));
        for (int i = 0; i < 3; i++) {
            try (dev.coro.Timeout to = dev.coro.Timeout.after(Duration.ofMillis(20))) {
                t.add(stuck.get(1, TimeUnit.SECONDS));
            } catch (TimeoutExpiredException e) {
                t.add("expired");
            }
            t.add(pool.submit(after(5, "ok" + i)).get());
        }
        stuck.cancel(true);
        return String.join(", ", t);
    }

    @Test
    void aTimeoutAroundAWaitEndsItAndTheNextWaitStillWorks() throws Exception {
        assertEquals("expired, ok0, expired, ok1, expired, ok2", Coro.run(() -> waitsUnderTimeouts(pool)));
        assertNoWorkerWaitsIn("java.util.concurrent.FutureTask");
    }
}
