package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.DeadlockException;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop at its edges: nested loops, its end, deadlocks, failures nobody joins, offloaded calls, interrupts. */
class LoopEdgeCasesTest extends PrimitiveTest {
    private final List<Object[]> reports = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void restoreHandler() {
        Coro.setUncaughtExceptionHandler(null);
    }

    private void recordFailures() {
        Coro.setUncaughtExceptionHandler((t, e) -> reports.add(new Object[] {t, e}));
    }

    /** The future's outcome within {@code ms}: null if it did not complete (hung). */
    static Object outcomeWithin(CompletableFuture<?> f, long ms) throws InterruptedException {
        try {
            Object v = f.get(ms, TimeUnit.MILLISECONDS);
            return v == null ? "null-value" : v;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e; // a future completed with a CancellationException throws it from get()
        } catch (TimeoutException e) {
            return null;
        }
    }

    @Coroutine
    static void sleepForever() {
        Coro.sleep(Duration.ofDays(1));
    }

    // ---------------- nested Coro.run ----------------

    @Test
    void runInsideAGeneratorBodyConsumedByATaskIsRefusedAndTheLoopGoesOn() {
        Object r = Coro.run(() -> {
            Iterable<Integer> g = Coro.generator(out -> {
                out.emit(Coro.run(() -> 1));
            });
            try {
                for (int x : g) {
                    return "nested run accepted: " + x;
                }
            } catch (IllegalStateException expected) {
                Coro.sleep(1); // the loop still works
                return "refused";
            }
            return "nothing";
        });
        assertEquals("refused", r);
    }

    @Test
    void runInsideAGeneratorBodyOnAPlainThreadWorksAndTheGeneratorGoesOn() {
        List<Integer> got = new ArrayList<>();
        for (int x : Coro.<Integer>generator(out -> {
            int v = Coro.run(() -> {
                Coro.sleep(1);
                return 3;
            });
            out.emit(v);
            out.emit(v + 1);
        })) {
            got.add(x);
        }
        assertEquals(List.of(3, 4), got);
    }

    @Test
    void runInsideABlockingCallStartsALoopOnTheWorker() {
        int v = Coro.run(() -> Coro.blocking(() -> Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Coro.sleep(5);
                return 7;
            });
            return t.join();
        })));
        assertEquals(7, v);
    }

    // ---------------- the body's exception ----------------

    @Test
    void runRethrowsAnErrorOfTheBodyAsItIsAndChildrenRunTheirFinally() {
        AssertionError boom = new AssertionError("boom");
        AtomicInteger finallies = new AtomicInteger();
        AssertionError thrown = assertThrows(AssertionError.class, () -> Coro.run(() -> {
            Coro.spawn(() -> {
                try {
                    sleepForever();
                } finally {
                    finallies.incrementAndGet();
                }
            });
            Coro.yield();
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(1, finallies.get());
    }

    @Test
    void theBodysExceptionIsThrownAndAFailedChildsIsReportedOnce() {
        recordFailures();
        IllegalStateException child = new IllegalStateException("child");
        IllegalArgumentException body = new IllegalArgumentException("body");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> Coro.run(() -> {
            Coro.spawn("failing-child", () -> {
                throw child;
            });
            Coro.yield();
            throw body;
        }));
        assertSame(body, thrown);
        assertEquals(1, reports.size());
        assertSame(child, reports.get(0)[1]);
    }

    // ---------------- where spawn lands ----------------

    @Test
    void aTaskSpawnedByAnotherLoopsTaskRunsOnThatLoop() throws Exception {
        CompletableFuture<String> b = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(1);
                return Thread.currentThread().getName();
            });
            return t.join();
        });
        assertEquals("loop-B", get(b));
    }

    // ---------------- joins of tasks of a loop that ends ----------------

    /** A plain thread joins a task whose loop ends with a DeadlockException: the join must end. */
    @Test
    void aPlainThreadJoiningATaskOfALoopThatDeadlockedDoesNotHangForever() throws Exception {
        CompletableFuture<Task<String>> child = new CompletableFuture<>();
        CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
            Channel<String> ch = Channel.unbounded();
            Channel<String> ch2 = Channel.unbounded();
            Task<String> t = Coro.spawn("stuck", () -> ch.receive());
            child.complete(t);
            return ch2.receive();
        });
        Task<String> t = child.get(10, TimeUnit.SECONDS);
        CompletableFuture<String> joiner = plainThread("joiner", () -> t.join());
        assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 10_000));
        Object joined = outcomeWithin(joiner, 3_000);
        assertNotNull(joined, "the plain thread's join of a task of a loop that ended hangs; isDone=" + t.isDone());
        assertTrue(t.isDone());
    }

    /** Another loop's task joins a task of a loop that deadlocked: it must not wait forever. */
    @Test
    void aTaskOfAnotherLoopJoiningATaskOfALoopThatDeadlockedDoesNotHangForever() throws Exception {
        CompletableFuture<Task<String>> child = new CompletableFuture<>();
        CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
            Channel<String> ch = Channel.unbounded();
            Task<String> t = Coro.spawn("stuck", () -> ch.receive());
            child.complete(t);
            Coro.sleep(100); // let B start joining
            return Channel.<String>unbounded().receive();
        });
        Task<String> t = child.get(10, TimeUnit.SECONDS);
        CompletableFuture<String> loopB = loopThread("loop-B", () -> t.join());
        assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 10_000));
        assertNotNull(outcomeWithin(loopB, 3_000), "loop B's join of a task of a loop that ended hangs");
    }

    @Test
    void aPlainThreadJoiningATaskCancelledAtTheEndOfItsLoopGetsCancellation() throws Exception {
        CompletableFuture<Task<String>> child = new CompletableFuture<>();
        CountDownLatch joining = new CountDownLatch(1);
        CompletableFuture<String> joiner = plainThread("joiner", () -> {
            Task<String> t = child.get(10, TimeUnit.SECONDS);
            joining.countDown();
            return t.join();
        });
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                sleepForever();
                return "x";
            });
            child.complete(t);
            Coro.blocking(() -> joining.await(10, TimeUnit.SECONDS));
            Coro.sleep(50);
        });
        assertInstanceOf(CancellationException.class, outcomeWithin(joiner, 5_000));
    }

    // ---------------- the end of Coro.run while tasks wait on other threads ----------------

    @Test
    void theEndOfRunCancelsATaskJoiningAnotherLoopsTaskAndReturnsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Task<String>> taskOfB = new CompletableFuture<>();
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.blocking(() -> release.await(30, TimeUnit.SECONDS));
                return "B";
            });
            taskOfB.complete(t);
            return t.join();
        });
        try {
            Task<String> tb = taskOfB.get(10, TimeUnit.SECONDS);
            AtomicInteger finallies = new AtomicInteger();
            long start = System.nanoTime();
            Task<?>[] child = new Task<?>[1];
            Coro.run(() -> {
                child[0] = Coro.spawn(() -> {
                    try {
                        return tb.join();
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                Coro.sleep(20);
            });
            assertTrue(msSince(start) < 5_000);
            assertEquals(1, finallies.get());
            assertTrue(child[0].isCancelled());
            assertFalse(tb.isDone());
        } finally {
            release.countDown();
        }
        assertEquals("B", get(loopB));
    }

    @Test
    void theEndOfRunCancelsATaskAwaitingAFutureNobodyCompletes() {
        AtomicInteger finallies = new AtomicInteger();
        long start = System.nanoTime();
        String r = Coro.run(() -> {
            Coro.spawn(() -> {
                try {
                    return Coro.await(new CompletableFuture<String>());
                } finally {
                    finallies.incrementAndGet();
                }
            });
            Coro.sleep(10);
            return "done";
        });
        assertEquals("done", r);
        assertEquals(1, finallies.get());
        assertTrue(msSince(start) < 5_000);
    }

    @Test
    void tasksTheBodySpawnedThatHaveNotStartedWhenItReturnsNeverRun() {
        List<String> ran = new ArrayList<>();
        List<Task<Void>> spawned = new ArrayList<>();
        String r = Coro.run(() -> {
            for (int i = 0; i < 3; i++) {
                String name = "child " + i;
                spawned.add(Coro.spawn(() -> {
                    ran.add(name);
                    Coro.sleep(10);
                }));
            }
            return "body done";
        });
        assertEquals("body done", r);
        assertEquals(List.of(), ran, "a task cancelled before it started ran");
        assertTrue(spawned.stream().allMatch(Task::isCancelled));
    }

    @Test
    void aTaskSpawnedByAFinallyBlockDuringTheEndOfRunIsCancelledToo() throws Exception {
        AtomicInteger late = new AtomicInteger();
        CompletableFuture<String> loop = loopThread("loop-late", () -> {
            Coro.spawn(() -> {
                try {
                    sleepForever();
                } finally {
                    Coro.spawn("late", () -> {
                        while (true) {
                            late.incrementAndGet();
                            Coro.sleep(10);
                        }
                    });
                }
            });
            Coro.yield();
            return "body done";
        });
        Object r = outcomeWithin(loop, 5_000);
        assertEquals("body done", r, "Coro.run did not return: a task spawned during its end runs on (late ran "
                + late.get() + " times)");
    }

    // ---------------- deadlock: false positives ----------------

    @Test
    void aTaskAwaitingAFutureThatABlockingCallCompletesIsNotADeadlock() {
        String r = Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            Coro.spawn(() -> Coro.blocking(() -> {
                Thread.sleep(50);
                f.complete("from worker");
                return null;
            }));
            return Coro.await(f);
        });
        assertEquals("from worker", r);
    }

    @Test
    void anOpenTimeoutFarAheadIsNotADeadlockItFires() {
        Object r = Coro.run(() -> {
            try (dev.coro.Timeout t = dev.coro.Timeout.after(Duration.ofMillis(200))) {
                return Channel.<String>unbounded().receive();
            } catch (TimeoutExpiredException expected) {
                return "timed out";
            }
        });
        assertEquals("timed out", r);
    }

    @Test
    void aSpawnLaterThatWillSendIsNotADeadlock() {
        String r = Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            Coro.spawnLater(Duration.ofMillis(100), () -> ch.send("late"));
            return ch.receive();
        });
        assertEquals("late", r);
    }

    @Test
    void aChannelMadeOnAPlainThreadThatItSendsToLaterIsNotADeadlock() throws Exception {
        Channel<String> ch = Channel.unbounded();
        CompletableFuture<Boolean> sender = plainThread("sender", () -> {
            Thread.sleep(100);
            ch.send("plain");
            return true;
        });
        assertEquals("plain", Coro.run(() -> ch.receive()));
        assertTrue(get(sender));
    }

    @Test
    void aTimerFarAheadInASpawnLaterKeepsTheLoopFromADeadlock() {
        String r = Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            Task<Void> later = Coro.spawnLater(Duration.ofMillis(300), () -> ch.send("x"));
            return ch.receive();
        });
        assertEquals("x", r);
    }

    // ---------------- deadlock: false negatives ----------------

    @Test
    void aTimedOutAwaitOfAFutureNobodyCompletesLeavesADeadlockDetectable() throws Exception {
        CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
            CompletableFuture<String> never = new CompletableFuture<>();
            try {
                Coro.withTimeout(Duration.ofMillis(10), () -> Coro.await(never));
            } catch (TimeoutExpiredException expected) {
                // gave up
            }
            return Channel.<String>unbounded().receive();
        });
        assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 5_000));
    }

    @Test
    void aCancelledBlockingCallLeavesADeadlockDetectable() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try {
            CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
                Task<Boolean> t = Coro.spawn(() -> Coro.blocking(() -> release.await(30, TimeUnit.SECONDS)));
                Coro.sleep(20);
                t.cancel();
                try {
                    t.join();
                } catch (CancellationException expected) {
                    // cancelled while its call runs on
                }
                return Channel.<String>unbounded().receive();
            });
            assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 5_000));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCancelledJoinAllOnAnotherLoopsTaskLeavesADeadlockDetectable() throws Exception {
        CompletableFuture<Task<String>> taskOfB = new CompletableFuture<>();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.blocking(() -> release.await(30, TimeUnit.SECONDS));
                return "B";
            });
            taskOfB.complete(t);
            return t.join();
        });
        Task<String> tb = taskOfB.get(10, TimeUnit.SECONDS);
        try {
            CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
                Task<Void> j = Coro.spawn(() -> Coro.joinAll(tb));
                Coro.sleep(10);
                j.cancel();
                try {
                    j.join();
                } catch (CancellationException expected) {
                    // gave up
                }
                return Channel.<String>unbounded().receive();
            });
            Object r = outcomeWithin(loopA, 5_000);
            assertNotNull(r, "loop A parked for good instead of reporting its deadlock");
            assertInstanceOf(DeadlockException.class, r);
        } finally {
            release.countDown();
        }
        assertEquals("B", get(loopB));
    }

    // ---------------- the uncaught-exception handler ----------------

    /** A joinAll that a timeout ended no longer waits: a later failure of its task is nobody's, and reported. */
    @Test
    void aFailureAfterATimedOutJoinAllIsReported() {
        failureAfterATimedOutWaitIsReported(t -> {
            Coro.joinAll(t);
            return null;
        });
    }

    /** The same with join(). */
    @Test
    void aFailureAfterATimedOutJoinIsReported() {
        failureAfterATimedOutWaitIsReported(t -> t.join());
    }

    private void failureAfterATimedOutWaitIsReported(dev.coro.CoroutineFunction<Task<Integer>, ?> wait) {
        recordFailures();
        IllegalStateException boom = new IllegalStateException("boom");
        Coro.run(() -> {
            Task<Integer> t = Coro.spawn("late-failure", () -> {
                Coro.sleep(50);
                throw boom;
            });
            try {
                Coro.withTimeout(Duration.ofMillis(5), () -> wait.apply(t));
            } catch (TimeoutExpiredException expected) {
                // stop waiting
            }
            Coro.sleep(200);
        });
        assertEquals(1, reports.size(), "a failure nobody joined was not reported");
        assertSame(boom, reports.get(0)[1]);
    }

    /**
     * In a group, a child joins another that fails; the failure cancels the joiner before it looks. The group throws
     * the failure, so it is not also reported as one nobody joined.
     */
    @Test
    void aFailureTheGroupThrowsIsNotReportedWhenAChildJoiningItWasCancelled() {
        recordFailures();
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (dev.coro.TaskGroup g = dev.coro.TaskGroup.open()) {
                Task<Integer> b = g.spawn(() -> {
                    Coro.sleep(10);
                    throw boom;
                });
                g.spawn(() -> b.join());
            } catch (IllegalStateException e) {
                thrown[0] = e;
            }
        });
        assertSame(boom, thrown[0]);
        assertEquals(0, reports.size(), "reported as well as thrown");
    }

    /**
     * A joiner is cancelled, and the task it joined fails before the joiner resumes: the joiner throws
     * CancellationException, never the failure, so nobody saw it and it must be reported.
     */
    @Test
    void aFailureWhoseOnlyJoinerWasCancelledJustBeforeIsReported() {
        recordFailures();
        IllegalStateException boom = new IllegalStateException("boom");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Integer> b = Coro.spawn("b", () -> {
                Coro.yield();
                throw boom;
            });
            Task<Integer> a = Coro.spawn("a", () -> b.join());
            Coro.yield(); // b yields, a suspends on its join
            a.cancel(); // a is ready again, behind b
            Coro.yield(); // b fails, then a sees its cancel
            try {
                a.join();
            } catch (CancellationException expected) {
                log.add("a cancelled");
            }
        });
        assertEquals(List.of("a cancelled"), log);
        assertEquals(1, reports.size(), "b's failure was never thrown to anybody and never reported");
    }

    @Test
    void aFailureInAFinallyBlockDuringTheEndOfRunIsReportedOnceAndRunReturns() {
        recordFailures();
        IllegalStateException fromFinally = new IllegalStateException("cleanup failed");
        String r = Coro.run(() -> {
            Coro.spawn("cleanup", () -> {
                try {
                    sleepForever();
                } finally {
                    throw fromFinally;
                }
            });
            Coro.yield();
            return "body";
        });
        assertEquals("body", r);
        assertEquals(1, reports.size());
        assertSame(fromFinally, reports.get(0)[1]);
    }

    @Test
    void aFailureInAFinallyBlockOfATaskCancelledByAnotherIsReportedOnce() {
        recordFailures();
        IllegalStateException fromFinally = new IllegalStateException("cleanup failed");
        String r = Coro.run(() -> {
            Task<Void> t = Coro.spawn("cleanup", () -> {
                try {
                    sleepForever();
                } finally {
                    throw fromFinally;
                }
            });
            Coro.yield();
            t.cancel();
            Coro.sleep(20);
            return "body";
        });
        assertEquals("body", r);
        assertEquals(1, reports.size());
    }

    /** A handler that throws an Error (an assertion in a test's handler) must not take the loop down either. */
    @Test
    void aHandlerThatThrowsAnErrorDoesNotTakeTheLoopDown() {
        Coro.setUncaughtExceptionHandler((t, e) -> {
            throw new AssertionError("handler broke");
        });
        AtomicInteger finallies = new AtomicInteger();
        Object r;
        try {
            r = Coro.run(() -> {
                Coro.spawn("sleeper", () -> {
                    try {
                        sleepForever();
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                Coro.spawn("failing", () -> {
                    throw new IllegalStateException("boom");
                });
                Coro.sleep(20);
                return "body";
            });
        } catch (Throwable e) {
            r = e;
        }
        takeWarnings(); // the default report the handler falls back to
        assertEquals("body", r);
        assertEquals(1, finallies.get());
    }

    // ---------------- Coro.blocking ----------------

    @Test
    void anErrorOfTheBlockingCallPropagatesAsItIs() {
        AssertionError boom = new AssertionError("boom");
        Object r = Coro.run(() -> {
            try {
                Coro.blocking(() -> {
                    throw boom;
                });
                return "nothing thrown";
            } catch (AssertionError e) {
                return e;
            }
        });
        assertSame(boom, r);
    }

    @Test
    void aBlockingCallCancelledWhileItRunsRunsTheTasksFinallyAndItsLateFailureIsDroppedQuietly() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch callEnded = new CountDownLatch(1);
        AtomicInteger finallies = new AtomicInteger();
        String r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                try {
                    return Coro.blocking(() -> {
                        try {
                            started.countDown();
                            release.await(30, TimeUnit.SECONDS);
                            throw new IllegalStateException("late");
                        } finally {
                            callEnded.countDown();
                        }
                    });
                } finally {
                    finallies.incrementAndGet();
                }
            });
            Coro.blocking(() -> started.await(10, TimeUnit.SECONDS));
            t.cancel();
            try {
                t.join();
                return "not cancelled";
            } catch (CancellationException expected) {
                return "cancelled";
            }
        });
        assertEquals("cancelled", r);
        assertEquals(1, finallies.get());
        release.countDown();
        assertTrue(callEnded.await(10, TimeUnit.SECONDS));
        pause(50);
    }

    @Test
    void queuedBlockingCallsOfCancelledTasksNeverRun() {
        int threads = Integer.getInteger("coro.blocking.threads",
                Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        int n = threads * 3;
        int done = Coro.run(() -> {
            List<Task<Integer>> ts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ts.add(Coro.spawn(() -> Coro.blocking(() -> {
                    ran.incrementAndGet();
                    release.await(30, TimeUnit.SECONDS);
                    return 1;
                })));
            }
            Coro.sleep(100); // every call is submitted; `threads` of them run
            for (int i = threads; i < n; i++) {
                ts.get(i).cancel();
            }
            Coro.sleep(20);
            release.countDown();
            int sum = 0;
            for (int i = 0; i < threads; i++) {
                sum += ts.get(i).join();
            }
            Coro.blocking(() -> {
                Thread.sleep(200);
                return null;
            }); // let the pool drain the queue
            return sum;
        });
        assertEquals(threads, done);
        assertEquals(threads + 0, ran.get(), "calls of tasks cancelled while queued ran anyway");
    }

    // ---------------- spawnLater ----------------

    @Test
    void spawnLaterWithZeroDelayRunsSoonAndCancelledAtOnceNeverRuns() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Void> a = Coro.spawnLater(Duration.ZERO, () -> { log.add("a"); });
            Task<Void> b = Coro.spawnLater(Duration.ZERO, () -> { log.add("b"); });
            b.cancel();
            a.join();
            try {
                b.join();
            } catch (CancellationException expected) {
                log.add("b cancelled");
            }
        });
        assertEquals(List.of("a", "b cancelled"), log);
    }

    @Test
    void spawnLaterWithANegativeDelayIsRefusedAndNothingLeaks() {
        String r = Coro.run(() -> {
            try {
                Coro.spawnLater(Duration.ofMillis(-1), () -> 1);
                return "accepted";
            } catch (IllegalArgumentException expected) {
                return "refused";
            }
        });
        assertEquals("refused", r);
    }

    // ---------------- await ----------------

    @Test
    void awaitOfAFutureFailingLaterWithACheckedExceptionWrapsItOnce() {
        java.io.IOException io = new java.io.IOException("io");
        Object r = Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            Coro.spawnLater(Duration.ofMillis(10), () -> f.completeExceptionally(io));
            try {
                return Coro.await(f);
            } catch (CompletionException e) {
                return e.getCause();
            }
        });
        assertSame(io, r);
    }

    @Test
    void awaitOfAFutureCancelledLaterThrowsCancellation() {
        Object r = Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            Coro.spawnLater(Duration.ofMillis(10), () -> f.cancel(false));
            try {
                return Coro.await(f);
            } catch (CancellationException e) {
                return "cancellation";
            }
        });
        assertEquals("cancellation", r);
    }

    // ---------------- cancel of the root from another thread ----------------

    @Test
    void cancellingTheRootFromAnotherThreadEndsRunWithCancellationAndCancelsTheRest() throws Exception {
        AtomicInteger finallies = new AtomicInteger();
        CompletableFuture<Task<?>> root = new CompletableFuture<>();
        CompletableFuture<Boolean> canceller = plainThread("canceller", () -> {
            Task<?> r = root.get(10, TimeUnit.SECONDS);
            Thread.sleep(50);
            return r.cancel();
        });
        long start = System.nanoTime();
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            root.complete(Coro.current());
            Coro.spawn(() -> {
                try {
                    sleepForever();
                } finally {
                    finallies.incrementAndGet();
                }
            });
            try {
                sleepForever();
            } finally {
                finallies.incrementAndGet();
            }
        }));
        assertTrue(get(canceller));
        assertEquals(2, finallies.get());
        assertTrue(msSince(start) < 5_000);
    }

    @Test
    void cancellingTheRootFromAnotherThreadWhileItComputesEndsRun() throws Exception {
        CompletableFuture<Task<?>> root = new CompletableFuture<>();
        CompletableFuture<Boolean> canceller = plainThread("canceller", () -> {
            Task<?> r = root.get(10, TimeUnit.SECONDS);
            Thread.sleep(50);
            return r.cancel();
        });
        AtomicLong spins = new AtomicLong();
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            root.complete(Coro.current());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                spins.incrementAndGet();
            }
        }));
        assertTrue(get(canceller));
    }

    // ---------------- interrupting the loop thread ----------------

    /** An interrupt of the loop thread while a task sleeps: the loop must not spin while it waits for the timer. */
    @Test
    void anInterruptedLoopThreadDoesNotSpinWhileItWaitsForATimer() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicLong cpu = new AtomicLong();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        CompletableFuture<Long> loop = loopThread("interrupted-loop", () -> {
            Thread.currentThread().interrupt();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Coro.sleep(400);
            cpu.set(mx.getCurrentThreadCpuTime() - cpu0);
            return msSince(t0);
        });
        long slept = get(loop);
        assertTrue(slept >= 390, "slept " + slept + " ms");
        assertTrue(cpu.get() < TimeUnit.MILLISECONDS.toNanos(150),
                "the loop thread burnt " + TimeUnit.NANOSECONDS.toMillis(cpu.get()) + " ms of CPU during a 400 ms sleep");
    }

    @Test
    void anInterruptOfAnIdleLoopThreadFromOutsideDoesNotBreakTheLoop() throws Exception {
        CompletableFuture<Thread> loopThreadRef = new CompletableFuture<>();
        CompletableFuture<String> loop = loopThread("interrupted-idle", () -> {
            loopThreadRef.complete(Thread.currentThread());
            Coro.sleep(200);
            Coro.sleep(50);
            return "ok";
        });
        Thread t = loopThreadRef.get(10, TimeUnit.SECONDS);
        pause(50);
        t.interrupt();
        assertEquals("ok", get(loop));
    }

    // ---------------- dump ----------------

    @Test
    void dumpFromAnotherThreadDoesNotListALoopThatEnded() throws Exception {
        Coro.run(() -> Coro.sleep(1));
        String d = Coro.dump();
        assertFalse(d.contains("loop on thread " + Thread.currentThread().getName() + ":"), d);
    }

    @Test
    void aSpawnLaterMadeByAFinallyBlockDuringTheEndOfRunNeverRuns() throws Exception {
        AtomicInteger late = new AtomicInteger();
        CompletableFuture<String> loop = loopThread("loop-late2", () -> {
            Coro.spawn(() -> {
                try {
                    sleepForever();
                } finally {
                    Coro.spawnLater(Duration.ofMillis(1), () -> {
                        late.incrementAndGet();
                        sleepForever();
                    });
                }
            });
            Coro.yield();
            return "body done";
        });
        Object r = outcomeWithin(loop, 5_000);
        assertEquals("body done", r, "Coro.run did not return (late ran " + late.get() + " times)");
        assertEquals(0, late.get());
    }

    /** A plain thread joins the root task of a loop that deadlocks (Coro.run threw): the join must end. */
    @Test
    void aPlainThreadJoiningTheRootOfALoopThatDeadlockedDoesNotHangForever() throws Exception {
        CompletableFuture<Task<?>> root = new CompletableFuture<>();
        CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
            root.complete(Coro.current());
            Coro.sleep(100);
            return Channel.<String>unbounded().receive();
        });
        Task<?> r = root.get(10, TimeUnit.SECONDS);
        CompletableFuture<Object> joiner = plainThread("joiner", () -> r.join());
        assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 10_000));
        assertNotNull(outcomeWithin(joiner, 3_000), "join of the root of a deadlocked loop hangs");
    }

    @Test
    void aDeadlockedTasksFutureAndCallbacksHearOfTheEnd() throws Exception {
        CompletableFuture<Task<String>> child = new CompletableFuture<>();
        CompletableFuture<Object> loopA = loopThread("loop-A", () -> {
            Task<String> t = Coro.spawn("stuck", () -> Channel.<String>unbounded().receive());
            child.complete(t);
            return t.join();
        });
        Task<String> t = child.get(10, TimeUnit.SECONDS);
        assertInstanceOf(DeadlockException.class, outcomeWithin(loopA, 10_000));
        CompletableFuture<String> f = t.toCompletableFuture();
        assertNotNull(outcomeWithin(f, 2_000), "the task's future never completes; isDone=" + t.isDone()
                + ", cancel()=" + t.cancel());
    }

    @Test
    void coroCurrentInsideABlockingCallIsNull() {
        Object r = Coro.run(() -> Coro.blocking(() -> String.valueOf(Coro.current())));
        assertEquals("null", r);
    }
}
