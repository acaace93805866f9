package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.CoroutineFunction;
import dev.coro.DeadlockException;
import dev.coro.Event;
import dev.coro.Lock;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deadlock detection on a loop: every task waits and nothing can ever wake one. */
class DeadlockTest extends PrimitiveTest {

    private static boolean anyLine(List<String> lines, String... parts) {
        return lines.stream().anyMatch(l -> {
            for (String p : parts) {
                if (!l.contains(p)) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void twoTasksJoiningEachOtherAreReportedWithBothOfThem() {
        long start = System.nanoTime();
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            @SuppressWarnings("unchecked")
            Task<Object>[] ts = new Task[2];
            ts[0] = Coro.spawn("alpha", () -> {
                Coro.yield();
                return ts[1].join();
            });
            ts[1] = Coro.spawn("beta", () -> {
                Coro.yield();
                return ts[0].join();
            });
            return ts[0].join();
        }));
        assertTrue(anyLine(e.tasks(), "alpha", "join beta"), e.getMessage());
        assertTrue(anyLine(e.tasks(), "beta", "join alpha"), e.getMessage());
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("beta"), e.getMessage());
        assertTrue(msSince(start) < 5_000, "the deadlock was not detected at once");
    }

    @Test
    void aReceiveOnAChannelNobodyWillEverSendToIsADeadlock() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            return Coro.spawn("lonely-receiver", () -> ch.receive()).join();
        }));
        assertTrue(anyLine(e.tasks(), "lonely-receiver", "receive"), e.getMessage());
        assertEquals(2, e.tasks().size(), e.getMessage());
    }

    @Test
    void aChannelMadeInATaskAndHandedToANewThreadIsNotADeadlock() {
        for (int round = 0; round < 100; round++) {
            // the receive waits before the thread has even started: only it can end the wait
            assertEquals("hi", Coro.run(() -> {
                Channel<String> ch = Channel.unbounded();
                new Thread(() -> ch.send("hi")).start();
                return ch.receive();
            }), "round " + round);
        }
    }

    @Test
    void anEventHandedToAThreadAnExecutorRunsIsNotADeadlockIfTheThreadActsWithinTheGrace() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(); // its thread is not one a task started
        try {
            for (int round = 0; round < 20; round++) {
                Coro.run(() -> {
                    Event done = new Event();
                    pool.execute(() -> {
                        sleepQuietly(20);
                        done.set();
                    });
                    done.await();
                    return null;
                });
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aThreadATaskStartedMayTakeLongerThanTheGraceBeforeItActs() {
        long start = System.nanoTime();
        String got = Coro.run(() -> {
            Channel<String> ch = Channel.bounded(0);
            startWorker(() -> {
                sleepQuietly(1_500); // past the grace: the loop keeps waiting while the thread lives
                ch.send("late");
            });
            return ch.receive();
        });
        assertEquals("late", got);
        assertTrue(msSince(start) >= 1_500, msSince(start) + " ms");
    }

    /** Not a coroutine: a thread started by a plain helper of a task counts as well. */
    private static void startWorker(Runnable r) {
        new Thread(r, "worker").start();
    }

    @Test
    void aStartedThreadThatEndsWithoutActingLeavesTheDeadlockToBeReported() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            new Thread(() -> sleepQuietly(100)).start(); // never touches the channel
            return Coro.spawn("forsaken", () -> ch.receive()).join();
        }));
        assertTrue(anyLine(e.tasks(), "forsaken", "receive"), e.getMessage());
    }

    @Test
    void theEndOfCoroRunDoesNotWaitTheGraceForTheTasksItCancels() {
        long start = System.nanoTime();
        for (int round = 0; round < 5; round++) {
            assertEquals("done", Coro.run(() -> {
                Coro.spawn(() -> {
                    Coro.sleep(60_000);
                    return null;
                });
                Coro.yield(); // the sleeper sleeps; the end of the run cancels it, and then nothing is left to wait for
                return "done";
            }));
        }
        // each run took the whole grace (1 s) before: nothing was left, yet the loop waited for another thread
        assertTrue(msSince(start) < 2_500, msSince(start) + " ms for 5 runs");
    }

    /** Past the grace (coro.deadlock.grace, 1 s): work handed to an executor that first acts this late. */
    private static final long LATE_MS = 1_500;

    /** Work that touches the channel only after {@link #LATE_MS}. */
    private static Runnable lateSend(Channel<String> ch, String value) {
        return () -> {
            sleepQuietly(LATE_MS);
            ch.send(value);
        };
    }

    /** A pool made outside any task, its threads already running: none of them is one a task started. */
    private static ThreadPoolExecutor pool(int threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        return pool;
    }

    @Test
    void workATaskGivesAPoolMayTakeLongerThanTheGraceBeforeItActs() {
        ExecutorService pool = pool(2);
        try {
            int r = Coro.run(() -> {
                Channel<Integer> ch = Channel.unbounded();
                pool.execute(() -> {
                    sleepQuietly(LATE_MS);
                    ch.send(42);
                });
                return ch.receive();
            });
            assertEquals(42, r);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCallableATaskSubmitsMayTakeLongerThanTheGraceBeforeItActs() {
        ExecutorService pool = pool(2);
        try {
            int r = Coro.run(() -> {
                Channel<Integer> ch = Channel.unbounded();
                pool.submit(() -> {
                    sleepQuietly(LATE_MS);
                    ch.send(7);
                    return "nobody awaits this";
                });
                return ch.receive();
            });
            assertEquals(7, r);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anEventSetBySupplyAsyncOnTheDefaultPoolMayTakeLongerThanTheGrace() {
        String r = Coro.run(() -> {
            Event set = new Event();
            CompletableFuture.supplyAsync(() -> {
                sleepQuietly(LATE_MS);
                set.set();
                return "nobody awaits this";
            });
            set.await();
            return "set";
        });
        assertEquals("set", r);
    }

    @Test
    void supplyAsyncOnAnExecutorMayTakeLongerThanTheGrace() {
        ExecutorService pool = pool(1);
        try {
            String r = Coro.run(() -> {
                Channel<String> ch = Channel.unbounded();
                CompletableFuture.supplyAsync(() -> {
                    sleepQuietly(LATE_MS);
                    ch.send("supplied");
                    return 0;
                }, pool);
                return ch.receive();
            });
            assertEquals("supplied", r);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each form in a loop of its own, all at once: a form left untracked fails its own loop only. */
    @Test
    void everyOtherFormOfHandOffToAnExecutorIsPendingWorkToo() throws Exception {
        ExecutorService pool = pool(4);
        ForkJoinPool forkJoin = new ForkJoinPool(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        try {
            Map<String, CompletableFuture<String>> loops = new LinkedHashMap<>();
            loops.put("schedule(Runnable)", loopThread("schedule-runnable", () -> {
                Channel<String> ch = Channel.unbounded();
                scheduler.schedule(() -> ch.send("schedule(Runnable)"), LATE_MS, TimeUnit.MILLISECONDS);
                return ch.receive();
            }));
            loops.put("schedule(Callable)", loopThread("schedule-callable", () -> {
                Channel<String> ch = Channel.unbounded();
                scheduler.schedule(() -> {
                    ch.send("schedule(Callable)");
                    return 0;
                }, LATE_MS, TimeUnit.MILLISECONDS);
                return ch.receive();
            }));
            loops.put("scheduleWithFixedDelay", loopThread("schedule-fixed-delay", () -> {
                Channel<String> ch = Channel.unbounded();
                scheduler.scheduleWithFixedDelay(() -> ch.send("scheduleWithFixedDelay"), LATE_MS, 60_000,
                        TimeUnit.MILLISECONDS);
                return ch.receive();
            }));
            loops.put("scheduleAtFixedRate", loopThread("schedule-fixed-rate", () -> {
                Channel<String> ch = Channel.unbounded();
                scheduler.scheduleAtFixedRate(() -> ch.send("scheduleAtFixedRate"), LATE_MS, 60_000,
                        TimeUnit.MILLISECONDS);
                return ch.receive();
            }));
            loops.put("submit(Runnable)", loopThread("submit-runnable", () -> {
                Channel<String> ch = Channel.unbounded();
                pool.submit(lateSend(ch, "submit(Runnable)"));
                return ch.receive();
            }));
            loops.put("submit(Runnable, T)", loopThread("submit-runnable-value", () -> {
                Channel<String> ch = Channel.unbounded();
                pool.submit(lateSend(ch, "submit(Runnable, T)"), "unused");
                return ch.receive();
            }));
            loops.put("Executor.execute", loopThread("executor-execute", () -> {
                Channel<String> ch = Channel.unbounded();
                Executor executor = pool;
                executor.execute(lateSend(ch, "Executor.execute"));
                return ch.receive();
            }));
            loops.put("runAsync", loopThread("run-async", () -> {
                Channel<String> ch = Channel.unbounded();
                CompletableFuture.runAsync(lateSend(ch, "runAsync"));
                return ch.receive();
            }));
            loops.put("runAsync(r, executor)", loopThread("run-async-executor", () -> {
                Channel<String> ch = Channel.unbounded();
                CompletableFuture.runAsync(lateSend(ch, "runAsync(r, executor)"), pool);
                return ch.receive();
            }));
            loops.put("commonPool().execute", loopThread("common-pool-execute", () -> {
                Channel<String> ch = Channel.unbounded();
                ForkJoinPool.commonPool().execute(lateSend(ch, "commonPool().execute"));
                return ch.receive();
            }));
            loops.put("ForkJoinPool.submit(Callable)", loopThread("fork-join-submit", () -> {
                Channel<String> ch = Channel.unbounded();
                forkJoin.submit(() -> {
                    sleepQuietly(LATE_MS);
                    ch.send("ForkJoinPool.submit(Callable)");
                    return 0;
                });
                return ch.receive();
            }));
            loops.put("ForkJoinPool.execute(ForkJoinTask)", loopThread("fork-join-execute", () -> {
                Channel<String> ch = Channel.unbounded();
                forkJoin.execute(ForkJoinTask.adapt(lateSend(ch, "ForkJoinPool.execute(ForkJoinTask)")));
                return ch.receive();
            }));
            List<String> failed = new ArrayList<>();
            for (Map.Entry<String, CompletableFuture<String>> e : loops.entrySet()) {
                try {
                    assertEquals(e.getKey(), get(e.getValue()));
                } catch (DeadlockException d) {
                    failed.add(e.getKey());
                }
            }
            assertEquals(List.of(), failed, "taken for a deadlock");
        } finally {
            pool.shutdownNow();
            forkJoin.shutdownNow();
            scheduler.shutdownNow();
        }
    }

    /**
     * Rejected work is not pending: after it (and after work that ended) a real deadlock is still reported. Rejected
     * by a pool already shut down, and by a live pool whose thread and queue are full (a pool that never terminates:
     * work left counted there would hold the loop for good).
     */
    @Test
    void aRejectedHandOffLeavesNothingPending() throws Exception {
        ExecutorService dead = Executors.newSingleThreadExecutor();
        dead.shutdown();
        CountDownLatch release = new CountDownLatch(1);
        ThreadPoolExecutor full = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.SynchronousQueue<>());
        full.execute(() -> { // from plain code: its only thread is busy, and its queue holds nothing
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ExecutorService live = pool(1);
        try {
            Runnable never = () -> { };
            List<String> rejections = new CopyOnWriteArrayList<>();
            AtomicReference<String> late = new AtomicReference<>();
            DeadlockException e = failureOf(DeadlockException.class, loopThread("rejected", () -> {
                rejections.add(thrownBy(RejectedExecutionException.class, () -> dead.execute(never)).getMessage());
                rejections.add(thrownBy(RejectedExecutionException.class, () -> full.execute(never)).getMessage());
                Channel<String> ch = Channel.unbounded();
                live.execute(lateSend(ch, "late"));
                late.set(ch.receive());
                return Coro.spawn("forsaken", () -> Channel.<String>unbounded().receive()).join();
            }));
            assertEquals("late", late.get(), "the hand-off that ended was taken for a deadlock");
            assertEquals(2, rejections.size());
            for (String m : rejections) {
                assertTrue(m.contains(never.toString()), m); // the pool names the caller's work
            }
            assertTrue(anyLine(e.tasks(), "forsaken", "receive"), e.getMessage());
        } finally {
            release.countDown();
            full.shutdownNow();
            live.shutdownNow();
        }
    }

    /**
     * Work still queued when its pool is shut down with shutdownNow() never runs: once the pool has terminated, it
     * is no longer pending, and a real deadlock is reported (not before the pool dropped it).
     */
    @Test
    void workAPoolDropsAtShutdownNowLeavesTheDeadlockToBeReported() throws Exception {
        ThreadPoolExecutor one = pool(1);
        List<Runnable> dropped = new CopyOnWriteArrayList<>();
        AtomicBoolean shutDown = new AtomicBoolean();
        one.execute(() -> { // from plain code: holds the pool's only thread, so the task's work stays queued
            while (one.getQueue().isEmpty()) {
                sleepQuietly(5);
            }
            sleepQuietly(LATE_MS);
            dropped.addAll(one.shutdownNow());
            shutDown.set(true);
        });
        AtomicBoolean ran = new AtomicBoolean();
        DeadlockException e = failureOf(DeadlockException.class, loopThread("shut-down", () -> {
            Channel<String> ch = Channel.unbounded();
            one.execute(() -> {
                ran.set(true);
                ch.send("never");
            });
            return ch.receive();
        }));
        assertTrue(shutDown.get(), "a deadlock was declared while the work was still queued: " + e.getMessage());
        assertFalse(ran.get());
        assertEquals(1, dropped.size());
    }

    /**
     * After shutdown() (not shutdownNow) a pool still runs the work it had queued: that work stays pending until it
     * ran, though the pool is shut down and the work had not started.
     */
    @Test
    void workQueuedInAPoolShutDownGracefullyIsStillPending() {
        ThreadPoolExecutor one = pool(1);
        one.execute(() -> { // from plain code: the task's work is queued when the pool is shut down, and stays so
            while (one.getQueue().isEmpty()) {
                sleepQuietly(5);
            }
            one.shutdown();
            sleepQuietly(LATE_MS);
        });
        String r = Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            one.execute(() -> ch.send("ran"));
            return ch.receive();
        });
        assertEquals("ran", r);
    }

    /**
     * Outside a task a redirected hand-off gives the executor the caller's own object: the pool's queue holds it,
     * remove(r) finds it, shutdownNow() returns it.
     */
    @Test
    void plainCodeHandsAnExecutorItsOwnRunnable() throws Exception {
        List<Boolean> throughPatch = new CopyOnWriteArrayList<>();
        ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>()) {
            @Override
            public void execute(Runnable command) {
                throughPatch.add(StackWalker.getInstance().walk(frames -> frames.anyMatch(
                        f -> f.getClassName().equals("dev.coro.internal.patch.PatchedThreads"))));
                super.execute(command);
            }
        };
        CountDownLatch release = new CountDownLatch(1);
        try {
            one.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runnable removed = () -> { };
            one.execute(removed);
            assertTrue(one.getQueue().contains(removed));
            assertTrue(one.remove(removed));
            Runnable queued = () -> { };
            one.execute(queued);
            assertEquals(List.of(true, true, true), throughPatch, "the call sites were not redirected");
            List<Runnable> left = one.shutdownNow();
            assertEquals(1, left.size());
            assertSame(queued, left.get(0));
        } finally {
            release.countDown();
            one.shutdownNow();
        }
    }

    /** Work a PriorityBlockingQueue orders by the Runnable's own compareTo: it must get the caller's object. */
    record Ranked(int rank, List<Integer> ran) implements Runnable, Comparable<Ranked> {
        @Override
        public void run() {
            ran.add(rank);
        }

        @Override
        public int compareTo(Ranked o) {
            return Integer.compare(rank, o.rank);
        }
    }

    @Test
    void aPoolOrderingItsWorkGetsATasksOwnRunnables() throws Exception {
        ThreadPoolExecutor ordered = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new PriorityBlockingQueue<>());
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        try {
            String r = Coro.run(() -> {
                ordered.execute(() -> {
                    try {
                        release.await(); // holds the only thread: the three below wait in the queue, ordered
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                for (int rank : new int[] {3, 1, 2}) {
                    ordered.execute(new Ranked(rank, ran));
                }
                return ordered.getQueue().size() + " queued";
            });
            assertEquals("3 queued", r);
            release.countDown();
            ordered.shutdown();
            assertTrue(ordered.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(List.of(1, 2, 3), ran);
        } finally {
            release.countDown();
            ordered.shutdownNow();
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void twoTasksTakingTwoLocksInOppositeOrderAreADeadlock() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Lock first = new Lock();
            Lock second = new Lock();
            Task<Void> a = Coro.spawn("a", () -> {
                first.lock();
                Coro.yield();
                second.lock();
            });
            Task<Void> b = Coro.spawn("b", () -> {
                second.lock();
                Coro.yield();
                first.lock();
            });
            Coro.joinAll(a, b);
        }));
        assertTrue(anyLine(e.tasks(), "a:", "lock"), e.getMessage());
        assertTrue(anyLine(e.tasks(), "b:", "lock"), e.getMessage());
    }

    @Test
    void aTimedWaitIsNeverADeadlock() {
        String r = Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            String v = ch.receive(Duration.ofMillis(30));
            return v == null ? "timed out" : v;
        });
        assertEquals("timed out", r);
    }

    @Test
    void aWaitForAnOffloadedCallIsNeverADeadlock() {
        // the only task waits, with no timer, IO or other task: only the worker thread can end its wait
        int r = Coro.run(() -> Coro.blocking(() -> {
            Thread.sleep(100);
            return 5;
        }));
        assertEquals(5, r);
    }

    @Test
    void aWaitForAFutureAnotherThreadCompletesIsNeverADeadlock() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread completer = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            f.complete("done");
        });
        completer.start();
        assertEquals("done", Coro.run(() -> Coro.await(f)));
    }

    @Test
    void aJoinOnATaskOfAnotherLoopIsNotADeadlock() throws Exception {
        CompletableFuture<Task<String>> taskOfB = new CompletableFuture<>();
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(50);
                return "B";
            });
            taskOfB.complete(t);
            return t.join();
        });
        Task<String> t = taskOfB.get();
        assertEquals("B", Coro.run(() -> t.join()));
        assertEquals("B", get(loopB));
    }

    /**
     * A join on another loop's task that timed out no longer counts as a wait another thread can end: a deadlock
     * after it is still found (it parked for good while the abandoned join stayed registered on that task).
     */
    @Test
    void aTimedOutJoinOnATaskOfAnotherLoopLeavesADeadlockDetectable() throws Exception {
        deadlockAfterTimedOutWaitsFor(t -> t.join());
    }

    /** The same for {@code Coro.joinAll}. */
    @Test
    void aTimedOutJoinAllOnATaskOfAnotherLoopLeavesADeadlockDetectable() throws Exception {
        deadlockAfterTimedOutWaitsFor(t -> {
            Coro.joinAll(t);
            return null;
        });
    }

    /** Waits that time out on a task of another loop, three times; then the loop deadlocks, which must be found. */
    private static void deadlockAfterTimedOutWaitsFor(CoroutineFunction<Task<String>, ?> wait) throws Exception {
        CompletableFuture<Task<String>> taskOfB = new CompletableFuture<>();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.blocking(() -> release.await(30, java.util.concurrent.TimeUnit.SECONDS));
                return "B";
            });
            taskOfB.complete(t);
            return t.join();
        });
        Task<String> t = taskOfB.get();
        try {
            CompletableFuture<Object> deadlocked = loopThread("loop-A", () -> {
                for (int i = 0; i < 3; i++) {
                    try {
                        Coro.withTimeout(Duration.ofMillis(10), () -> wait.apply(t));
                    } catch (dev.coro.TimeoutExpiredException expected) {
                        // B's task goes on
                    }
                }
                return Channel.<String>unbounded().receive(); // nothing can ever send
            });
            assertTrue(failureOf(DeadlockException.class, deadlocked).getMessage().contains("receive"));
        } finally {
            release.countDown();
        }
        assertEquals("B", get(loopB));
    }
}
