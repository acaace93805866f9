package dev.coro.tests.loop;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.DeadlockException;
import dev.coro.Event;
import dev.coro.Lock;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import dev.coro.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The loop's diagnostics and limits at their edges: {@code Coro.dump()} and the JMX bean, the blocked-loop watchdog,
 * preemption reaching computing code (cancels and timeouts), {@code Coro.blocking}, the uncaught-exception handler
 * and the deadlock report.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DiagnosticsEdgeCasesTest {
    private static final String ME = DiagnosticsEdgeCasesTest.class.getName();
    private static final String FILE = "DiagnosticsEdgeCasesTest.java";

    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private Consumer<String> previousSink;

    @BeforeEach
    void captureWarnings() {
        previousSink = Diagnostics.setSink(warnings::add);
    }

    @AfterEach
    void restore() {
        Diagnostics.setSink(previousSink);
        Coro.setUncaughtExceptionHandler(null);
        stop = true; // ends any computing loop a failed test left behind
    }

    private List<String> warningsContaining(String text) {
        synchronized (warnings) {
            return warnings.stream().filter(w -> w.contains(text)).collect(Collectors.toList());
        }
    }

    /** The line of the caller's next line: where its suspending call is. */
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber() + 1;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    private static long msSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static <T> CompletableFuture<T> loopThread(String name, dev.coro.CoroutineCallable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(Coro.run(body));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** What {@code f} ended with (its value or exception), or fails the test after {@code ms}. */
    private static Object outcomeWithin(CompletableFuture<?> f, long ms) {
        try {
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e; // what the loop threw: CompletableFuture.get throws it as it is
        } catch (java.util.concurrent.TimeoutException e) {
            return fail("not done within " + ms + " ms");
        } catch (InterruptedException e) {
            return fail(e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Coro.dump()
    // ------------------------------------------------------------------------------------------------------------

    private static volatile int offloadLine;
    private static volatile int leafLine;

    @Coroutine
    static String offload(CountDownLatch release) throws Exception {
        offloadLine = nextLine();
        return Coro.blocking(() -> release.await(30, TimeUnit.SECONDS) ? "released" : "timed out");
    }

    @Test
    void aTaskInABlockingCallIsDumpedWithItsWaitAndTheLineOfTheCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        String dump = Coro.run(() -> {
            Task<String> t = Coro.spawn("offloader", () -> offload(release));
            Coro.sleep(20);
            String d = Coro.dump();
            release.countDown();
            assertEquals("released", t.join());
            return d;
        });
        List<String> s = DumpTest.section(dump, "offloader");
        assertEquals("offloader: suspended on a blocking call on a worker thread", s.get(0), dump);
        assertEquals("at dev.coro.Coro.blocking", s.get(1), dump);
        assertEquals("at " + ME + ".offload(" + FILE + ":" + offloadLine + ")", s.get(2), dump);
        assertTrue(s.get(3).startsWith("at " + ME + ".lambda$"), dump);
        assertEquals(4, s.size(), dump);
    }

    @Coroutine
    static int recurse(int n, Channel<Integer> ch) {
        if (n == 0) {
            leafLine = nextLine();
            return ch.receive();
        }
        return recurse(n - 1, ch) + 1;
    }

    /** As a thread dump: the innermost frames, where the task waits, are the ones that must be there. */
    @Test
    void aTaskSuspendedDeepInARecursionIsDumpedWithTheFramesWhereItWaits() {
        int depth = 400;
        String dump = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            Task<Integer> t = Coro.spawn("deep", () -> recurse(depth, ch));
            Coro.sleep(20);
            String d = Coro.dump();
            ch.send(1);
            assertEquals(depth + 1, t.join());
            return d;
        });
        List<String> s = DumpTest.section(dump, "deep");
        assertEquals("deep: suspended on receive on an empty channel", s.get(0), dump);
        assertEquals("at dev.coro.Channel.receive", s.get(1), s.subList(0, 4).toString());
        assertEquals("at " + ME + ".recurse(" + FILE + ":" + leafLine + ")", s.get(2), s.subList(0, 4).toString());
        assertTrue(s.get(3).startsWith("at " + ME + ".recurse(" + FILE + ":"), s.subList(0, 4).toString());
        // 401 frames of recurse and the task's lambda: the 256 innermost are shown, and the rest counted
        assertEquals(1 + 1 + 256, s.size());
        assertTrue(dump.contains("\n      ... 146 outer frames not shown\n"), s.get(s.size() - 1));
    }

    @Test
    void finishedTasksAreNotDumpedAndTheCountIsOfLiveTasksOnly() {
        String dump = Coro.run(() -> {
            Task<Integer> done = Coro.spawn("finished-one", () -> 1);
            Task<Integer> failed = Coro.spawn("failed-one", () -> {
                throw new IllegalStateException("expected");
            });
            Task<Integer> cancelled = Coro.spawn("cancelled-one", () -> {
                Coro.sleep(60_000);
                return 3;
            });
            Coro.spawn("alive-one", () -> Coro.sleep(60_000));
            Coro.sleep(5);
            cancelled.cancel();
            done.join();
            try {
                failed.join();
                fail("no failure");
            } catch (IllegalStateException expected) {
                // it failed
            }
            try {
                cancelled.join();
                fail("not cancelled");
            } catch (CancellationException expected) {
                // it ended
            }
            return Coro.dump();
        });
        assertFalse(dump.contains("finished-one"), dump);
        assertFalse(dump.contains("failed-one"), dump);
        assertFalse(dump.contains("cancelled-one"), dump);
        assertTrue(dump.contains("alive-one: suspended on sleep"), dump);
        assertTrue(dump.contains(": 2 live tasks\n"), dump); // main and alive-one
    }

    @Test
    void aDumpOfTwentyThousandTasksListsEachOnceWithItsFrames() {
        int n = 20_000;
        String dump = Coro.run(() -> {
            for (int i = 0; i < n; i++) {
                Coro.spawn(() -> Coro.sleep(60_000));
            }
            Coro.sleep(10);
            return Coro.dump();
        });
        assertEquals(n, count(dump, ": suspended on sleep\n      at dev.coro.Coro.sleep\n      at " + ME + ".lambda$"),
                dump.substring(0, Math.min(2_000, dump.length())));
        assertTrue(dump.contains(": " + (n + 1) + " live tasks\n"), dump.substring(0, 200));
    }

    @Test
    void aTaskSpawnedButNotStartedIsDumpedAsReadyWithoutFrames() {
        String dump = Coro.run(() -> {
            Coro.spawn("not-started", () -> Coro.sleep(1));
            return Coro.dump();
        });
        assertEquals(List.of("not-started: ready"), DumpTest.section(dump, "not-started"), dump);
    }

    /** A task that consumes a generator and suspends between its items is shown where it suspended. */
    @Test
    void aTaskConsumingAGeneratorIsDumpedWhereItSuspendsBetweenItems() {
        int[] line = {0};
        String dump = Coro.run(() -> {
            Event go = new Event();
            Task<Integer> t = Coro.spawn("consumer", () -> {
                int sum = 0;
                for (int v : Coro.<Integer>generator(out -> {
                    for (int i = 0; i < 3; i++) {
                        out.emit(i);
                    }
                })) {
                    sum += v;
                    line[0] = nextLine();
                    go.await();
                }
                return sum;
            });
            Coro.sleep(10);
            String d = Coro.dump();
            go.set();
            assertEquals(3, t.join());
            return d;
        });
        List<String> s = DumpTest.section(dump, "consumer");
        assertEquals("consumer: suspended on event", s.get(0), dump);
        assertEquals("at dev.coro.Event.await", s.get(1), dump);
        assertTrue(s.get(2).startsWith("at " + ME + ".lambda$") && s.get(2).endsWith(":" + line[0] + ")"), dump);
    }

    /**
     * Every live task, even while others come and go: a dump from a plain thread while a task spawns short tasks
     * all the time must still list each of the long-lived ones.
     */
    @Test
    void aDumpFromAPlainThreadListsEveryLiveTaskWhileOtherTasksComeAndGo() throws Exception {
        int sleepers = 50;
        int[] fewest = {Integer.MAX_VALUE};
        String[] worst = {null};
        int[] dumps = {0};
        Coro.run(() -> {
            for (int i = 0; i < sleepers; i++) {
                Coro.spawn("sleeper-" + i, () -> Coro.sleep(60_000));
            }
            boolean[] over = {false};
            Task<Void> churn = Coro.spawn("churn", () -> {
                while (!over[0]) {
                    for (int k = 0; k < 20; k++) {
                        Coro.spawn(() -> 0);
                    }
                    Coro.yield();
                }
            });
            CompletableFuture<Void> dumped = new CompletableFuture<>();
            Thread dumper = new Thread(() -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < end) {
                    String d = Coro.dump();
                    dumps[0]++;
                    int c = count(d, "\n  sleeper-");
                    if (d.contains(": done\n") || d.contains(": cancelled\n") || d.contains(": failed\n")) {
                        c = -1; // a task that had ended was listed
                    }
                    if (c < fewest[0]) {
                        fewest[0] = c;
                        worst[0] = d;
                    }
                }
                dumped.complete(null);
            }, "dumper");
            dumper.start();
            Coro.await(dumped);
            over[0] = true;
            churn.join();
        });
        assertEquals(sleepers, fewest[0], "of " + dumps[0] + " dumps, one listed only " + fewest[0]
                + " of the " + sleepers + " sleeping tasks (-1: it listed a task that had ended):\n" + worst[0]);
    }

    /** A task preempted while it computes is ready, and shown in the method whose loop it was preempted in. */
    @Test
    void aPreemptedTaskIsDumpedAsReadyInTheMethodItComputesIn() {
        String dump = Coro.run(() -> {
            Task<Long> cpu = Coro.spawn("cpu", () -> spin(20_000));
            Coro.sleep(50); // runs again only once the computing task was preempted
            String d = Coro.dump();
            cpu.cancel();
            try {
                cpu.join();
            } catch (CancellationException expected) {
                // it ended
            }
            return d;
        });
        List<String> s = DumpTest.section(dump, "cpu");
        assertEquals("cpu: ready", s.get(0), dump);
        assertTrue(s.get(1).startsWith("at " + ME + ".spin(" + FILE + ":"), dump);
        assertTrue(s.get(2).startsWith("at " + ME + ".lambda$"), dump);
        assertEquals(3, s.size(), dump);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The blocked-loop watchdog
    // ------------------------------------------------------------------------------------------------------------

    private List<String> stallReports(String thread) {
        return warningsContaining("the loop on thread " + thread + " has not turned");
    }

    @Test
    void oneLongStallIsReportedOnce() {
        CompletableFuture<Object> loop = loopThread("stall-long", () -> {
            Coro.spawn("bystander", () -> Coro.sleep(1));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500)); // 15 thresholds: one incident
            Coro.sleep(20);
            return "done";
        });
        assertEquals("done", outcomeWithin(loop, 20_000));
        assertEquals(1, stallReports("stall-long").size(), "one incident, one report: " + warnings);
    }

    @Test
    void aWatchdogReportsTwoSeparateStallsTwice() {
        CompletableFuture<Object> loop = loopThread("stall-twice", () -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(600));
            Coro.yield(); // the loop turns: the first incident is over
            Coro.sleep(50);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(600));
            return "done";
        });
        assertEquals("done", outcomeWithin(loop, 20_000));
        assertEquals(2, stallReports("stall-twice").size(), "two incidents, two reports: " + warnings);
    }

    @Test
    void twoLoopsStalledAtOnceAreEachReportedOnceWithTheirOwnStack() {
        CountDownLatch both = new CountDownLatch(2);
        CompletableFuture<Object> a = loopThread("stall-A", () -> {
            both.countDown();
            both.await(10, TimeUnit.SECONDS);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(700));
            return "A";
        });
        CompletableFuture<Object> b = loopThread("stall-B", () -> {
            both.countDown();
            both.await(10, TimeUnit.SECONDS);
            Object m = new Object();
            synchronized (m) {
                m.wait(700); // another kind of blocking call, unpatched inside synchronized
            }
            return "B";
        });
        assertEquals("A", outcomeWithin(a, 20_000));
        assertEquals("B", outcomeWithin(b, 20_000));
        List<String> ra = stallReports("stall-A");
        List<String> rb = stallReports("stall-B");
        assertEquals(1, ra.size(), "loop A: " + warnings);
        assertEquals(1, rb.size(), "loop B: " + warnings);
        assertTrue(ra.get(0).contains("LockSupport.parkNanos"), ra.get(0));
        assertTrue(rb.get(0).contains("java.lang.Object.wait"), rb.get(0));
        assertFalse(rb.get(0).contains("LockSupport.parkNanos"), rb.get(0));
    }

    /** A loop whose body blocks and then returns: one report, none for what its thread does after Coro.run. */
    @Test
    void aLoopThatEndsWhileStalledIsReportedOnceAndItsThreadNotAfterwards() {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            Coro.run(() -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400)));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(800)); // no loop any more: nothing to report
            f.complete("done");
        }, "stall-end");
        t.setDaemon(true);
        t.start();
        assertEquals("done", outcomeWithin(f, 20_000));
        assertEquals(1, stallReports("stall-end").size(), "" + warnings);
    }

    /** A loop that waits for a timer, IO or another thread is idle, not blocked. */
    @Test
    void anIdleLoopIsNeverReported() {
        CompletableFuture<Object> loop = loopThread("idle-loop", () -> {
            Coro.sleep(500);
            CompletableFuture<String> later = new CompletableFuture<>();
            new Thread(() -> {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400));
                later.complete("later");
            }).start();
            return Coro.await(later);
        });
        assertEquals("later", outcomeWithin(loop, 20_000));
        assertEquals(List.of(), stallReports("idle-loop"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Preemption: cancels and timeouts reach computing code
    // ------------------------------------------------------------------------------------------------------------

    /** Set after each test: ends a computing loop a failed test left running. */
    private static volatile boolean stop;

    @BeforeEach
    void resetStop() {
        stop = false;
    }

    /** Computes for at most {@code ms} (or until the test ends) without a single suspension point of its own. */
    @Coroutine
    static long spin(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 0;
        while (!stop && System.nanoTime() < end) {
            x += x * 31 + 7;
        }
        return x;
    }

    /** {@link #spin} inside a synchronized block, with a finally block inside it. */
    @Coroutine
    static long spinHolding(Object monitor, long ms, AtomicInteger finallies) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 0;
        synchronized (monitor) {
            try {
                while (!stop && System.nanoTime() < end) {
                    x += x * 31 + 7;
                }
            } finally {
                finallies.incrementAndGet();
            }
        }
        return x;
    }

    /**
     * README: a call made while holding a monitor runs pinned, and a loop computing in pinned frames cannot yield but
     * its check still throws the task's cancel there.
     */
    @Test
    void aCancelFromAnotherThreadReachesALoopComputingInsideSynchronizedAndItsFinallyRuns() {
        Object monitor = new Object();
        AtomicInteger finallies = new AtomicInteger();
        long start = System.nanoTime();
        CompletableFuture<Object> loop = loopThread("sync-cancel", () -> {
            Task<Long> t = Coro.spawn(() -> spinHolding(monitor, 20_000, finallies));
            Thread canceller = new Thread(() -> {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                t.cancel();
            });
            canceller.start();
            return t.join();
        });
        Object r = outcomeWithin(loop, 30_000);
        long ms = msSince(start);
        assertInstanceOf(CancellationException.class, r);
        assertTrue(ms < 5_000, "the cancel reached the loop only when it ended by itself, after " + ms + " ms");
        assertEquals(1, finallies.get());
    }

    @Test
    void aTimeoutReachesALoopComputingInsideSynchronized() {
        Object monitor = new Object();
        AtomicInteger finallies = new AtomicInteger();
        long start = System.nanoTime();
        CompletableFuture<Object> loop = loopThread("sync-timeout",
                () -> Coro.withTimeout(Duration.ofMillis(100), () -> spinHolding(monitor, 20_000, finallies)));
        Object r = outcomeWithin(loop, 30_000);
        long ms = msSince(start);
        assertInstanceOf(TimeoutExpiredException.class, r);
        assertTrue(ms < 5_000, "the timeout reached the loop only when it ended by itself, after " + ms + " ms");
        assertEquals(1, finallies.get());
    }

    /** The cancel comes from a task of another loop, while the target computes. */
    @Test
    void aCancelFromATaskOfAnotherLoopReachesAComputingTask() throws Exception {
        CompletableFuture<Task<Long>> target = new CompletableFuture<>();
        long start = System.nanoTime();
        CompletableFuture<Object> a = loopThread("cpu-loop", () -> {
            Task<Long> t = Coro.spawn(() -> spin(20_000));
            target.complete(t);
            return t.join();
        });
        CompletableFuture<Object> b = loopThread("canceller-loop", () -> {
            Task<Long> t = Coro.await(target);
            Coro.sleep(100);
            return t.cancel();
        });
        assertEquals(true, outcomeWithin(b, 20_000));
        assertInstanceOf(CancellationException.class, outcomeWithin(a, 20_000));
        assertTrue(msSince(start) < 5_000, "took " + msSince(start) + " ms");
    }

    /** The cancel comes from a task of the same loop, which runs only because the computing one was preempted. */
    @Test
    void aCancelFromAnotherTaskOfTheSameLoopReachesAComputingTaskAndItsFinallyRuns() {
        AtomicInteger finallies = new AtomicInteger();
        long start = System.nanoTime();
        Object r = Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(() -> {
                try {
                    return spin(20_000);
                } finally {
                    finallies.incrementAndGet();
                }
            });
            Coro.spawn(() -> {
                Coro.sleep(100);
                cpu.cancel();
            });
            try {
                return cpu.join();
            } catch (CancellationException e) {
                return e;
            }
        });
        assertInstanceOf(CancellationException.class, r);
        assertTrue(msSince(start) < 5_000, "took " + msSince(start) + " ms");
        assertEquals(1, finallies.get());
    }

    /** Nested timeouts around computing code: the inner one fires first and is caught, then the outer one fires. */
    @Test
    void nestedTimeoutsAroundComputingCodeEachFireTheirOwnAndFinallyBlocksRun() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Object r = Coro.run(() -> {
            try (dev.coro.Timeout outer = dev.coro.Timeout.after(Duration.ofMillis(600))) {
                try {
                    try (dev.coro.Timeout inner = dev.coro.Timeout.after(Duration.ofMillis(100))) {
                        try {
                            spin(20_000);
                        } finally {
                            log.add("inner finally");
                        }
                    } catch (TimeoutExpiredException e) {
                        log.add("inner " + e.duration().toMillis());
                    }
                    spin(20_000);
                } finally {
                    log.add("outer finally");
                }
                return "not timed out";
            } catch (TimeoutExpiredException e) {
                return "outer " + e.duration().toMillis();
            }
        });
        assertEquals("outer 600", r);
        assertEquals(List.of("inner finally", "inner 100", "outer finally"), log);
        assertTrue(msSince(start) < 5_000, "took " + msSince(start) + " ms");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Coro.blocking
    // ------------------------------------------------------------------------------------------------------------

    /** A Throwable that is neither an Exception nor an Error, thrown by code that does not declare it. */
    static final class Odd extends Throwable {
        private static final long serialVersionUID = 1L;

        Odd() {
            super("odd");
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void aThrowableOfTheBlockingCallThatIsNeitherExceptionNorErrorPropagatesAsItIs() {
        Odd odd = new Odd();
        Object r = Coro.run(() -> {
            try {
                return Coro.blocking(() -> {
                    DiagnosticsEdgeCasesTest.<RuntimeException>sneakyThrow(odd);
                    return "nothing thrown";
                });
            } catch (Throwable e) {
                return e;
            }
        });
        assertSame(odd, r);
    }

    @Test
    void manyMoreBlockingCallsThanThreadsAllRunOnceAndNoneIsLost() {
        int calls = 400;
        AtomicInteger ran = new AtomicInteger();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int sum = Coro.run(() -> {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int id = i;
                tasks.add(Coro.spawn(() -> Coro.blocking(() -> {
                    ran.incrementAndGet();
                    threads.add(Thread.currentThread().getName());
                    LockSupport.parkNanos(1_000_000);
                    return id;
                })));
            }
            int s = 0;
            for (Task<Integer> t : tasks) {
                s += t.join();
            }
            return s;
        });
        assertEquals(calls * (calls - 1) / 2, sum);
        assertEquals(calls, ran.get());
        int pool = Integer.getInteger("coro.blocking.threads", Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        assertTrue(threads.size() <= pool, threads.toString());
        assertTrue(threads.stream().allMatch(n -> n.startsWith("coro-blocking-")), threads.toString());
    }

    @Test
    void blockingCallsFromSeveralLoopsAtOnceAllComplete() {
        List<CompletableFuture<Integer>> loops = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            loops.add(loopThread("offloading-" + l, () -> {
                List<Task<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    tasks.add(Coro.spawn(() -> Coro.blocking(() -> {
                        LockSupport.parkNanos(2_000_000);
                        return 1;
                    })));
                }
                int s = 0;
                for (Task<Integer> t : tasks) {
                    s += t.join();
                }
                return s;
            }));
        }
        for (CompletableFuture<Integer> f : loops) {
            assertEquals(40, outcomeWithin(f, 20_000));
        }
    }

    @Test
    void theBlockingPoolNeverHasMoreThreadsThanItsSizeAllDaemonsHoweverManyLoopsUsedIt() {
        for (int l = 0; l < 5; l++) {
            Coro.run(() -> {
                List<Task<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    tasks.add(Coro.spawn(() -> Coro.blocking(() -> {
                        LockSupport.parkNanos(1_000_000);
                        return 1;
                    })));
                }
                for (Task<Integer> t : tasks) {
                    t.join();
                }
            });
        }
        int pool = Integer.getInteger("coro.blocking.threads", Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("coro-blocking-")).collect(Collectors.toList());
        assertTrue(workers.size() <= pool, workers.size() + " workers for a pool of " + pool);
        assertTrue(workers.stream().allMatch(Thread::isDaemon), "a worker would keep the JVM alive");
    }

    @Test
    void aTimeoutAroundABlockingCallThrowsAtItsDeadlineAndTheCallRunsToItsEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch callEnded = new CountDownLatch(1);
        long start = System.nanoTime();
        Object r = Coro.run(() -> {
            try {
                return Coro.withTimeout(Duration.ofMillis(100), () -> Coro.blocking(() -> {
                    try {
                        return release.await(30, TimeUnit.SECONDS) ? "released" : "not released";
                    } finally {
                        callEnded.countDown();
                    }
                }));
            } catch (TimeoutExpiredException e) {
                return e;
            }
        });
        long ms = msSince(start);
        assertInstanceOf(TimeoutExpiredException.class, r);
        assertTrue(ms < 5_000, "the timeout waited for the call: " + ms + " ms");
        release.countDown();
        assertTrue(callEnded.await(10, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------------------------------------------------
    // The uncaught-exception handler
    // ------------------------------------------------------------------------------------------------------------

    @Test
    void aHandlerReplacedWhileALoopRunsGetsTheNextFailureAndTheOldOneNoMore() {
        List<String> first = Collections.synchronizedList(new ArrayList<>());
        List<String> second = Collections.synchronizedList(new ArrayList<>());
        Coro.setUncaughtExceptionHandler((t, e) -> first.add(t.name() + " " + e.getMessage()));
        Coro.run(() -> {
            Coro.spawn("one", () -> {
                throw new IllegalStateException("1");
            });
            Coro.sleep(20);
            Coro.setUncaughtExceptionHandler((t, e) -> second.add(t.name() + " " + e.getMessage()));
            Coro.spawn("two", () -> {
                throw new IllegalStateException("2");
            });
            Coro.sleep(20);
        });
        assertEquals(List.of("one 1"), first);
        assertEquals(List.of("two 2"), second);
    }

    @Test
    void unjoinedFailuresOfTwoLoopsAreEachReportedOnceWithTheirTaskAndOwnStack() {
        List<Object[]> reports = Collections.synchronizedList(new ArrayList<>());
        BiConsumer<Task<?>, Throwable> recorder = (t, e) -> reports.add(new Object[] {t.name(), e});
        Coro.setUncaughtExceptionHandler(recorder);
        CompletableFuture<Object> a = loopThread("fail-A", () -> {
            Coro.spawn("doomed-A", () -> {
                Coro.sleep(5);
                throw new IllegalStateException("A");
            });
            Coro.sleep(50);
            return "A";
        });
        CompletableFuture<Object> b = loopThread("fail-B", () -> {
            Coro.spawn("doomed-B", () -> {
                Coro.sleep(5);
                throw new StackOverflowError("B"); // an Error, even a VirtualMachineError, is a failure like any other
            });
            Coro.sleep(50);
            return "B";
        });
        assertEquals("A", outcomeWithin(a, 20_000));
        assertEquals("B", outcomeWithin(b, 20_000));
        assertEquals(2, reports.size(), reports.stream().map(x -> x[0]).collect(Collectors.toList()).toString());
        for (Object[] x : reports) {
            Throwable e = (Throwable) x[1];
            String name = (String) x[0];
            assertEquals("doomed-" + e.getMessage(), name);
            assertTrue(java.util.Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().startsWith(ME)),
                    "the stack of the failure names the code that threw");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // DeadlockException
    // ------------------------------------------------------------------------------------------------------------

    private static final int[] WAIT_LINES = new int[5];

    @Coroutine
    static void awaitEvent(Event e) {
        WAIT_LINES[0] = nextLine();
        e.await();
    }

    @Coroutine
    static void takeLock(Lock l) {
        WAIT_LINES[1] = nextLine();
        l.lock();
    }

    @Coroutine
    static int receive(Channel<Integer> ch) {
        WAIT_LINES[2] = nextLine();
        return ch.receive();
    }

    @Coroutine
    static void joinBoth(Task<?> a, Task<?> b) {
        WAIT_LINES[3] = nextLine();
        Coro.joinAll(a, b);
    }

    @Test
    void aDeadlockListsEveryTaskWithItsWaitAndTheLineWhereItWaits() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Event never = new Event();
            Lock lock = new Lock();
            Channel<Integer> empty = Channel.unbounded();
            Task<Void> holder = Coro.spawn("holder", () -> {
                lock.lock();
                receive(empty);
            });
            Task<Void> onLock = Coro.spawn("on-lock", () -> takeLock(lock));
            Task<Void> onEvent = Coro.spawn("on-event", () -> awaitEvent(never));
            Task<Void> joiner = Coro.spawn("joiner", () -> joinBoth(onLock, onEvent));
            WAIT_LINES[4] = nextLine();
            holder.join();
            joiner.join();
        }));
        List<String> tasks = e.tasks();
        assertEquals(5, tasks.size(), e.getMessage());
        String[][] expected = {
            {"holder: suspended on receive on an empty channel", "at dev.coro.Channel.receive",
                "at " + ME + ".receive(" + FILE + ":" + WAIT_LINES[2] + ")"},
            {"on-lock: suspended on lock", "at dev.coro.Lock.lock",
                "at " + ME + ".takeLock(" + FILE + ":" + WAIT_LINES[1] + ")"},
            {"on-event: suspended on event", "at dev.coro.Event.await",
                "at " + ME + ".awaitEvent(" + FILE + ":" + WAIT_LINES[0] + ")"},
            {"joiner: suspended on joinAll", "at dev.coro.Coro.joinAll",
                "at " + ME + ".joinBoth(" + FILE + ":" + WAIT_LINES[3] + ")"},
            {"main: suspended on join holder", "at dev.coro.Task.join",
                ":" + WAIT_LINES[4] + ")"},
        };
        for (String[] x : expected) {
            String entry = tasks.stream().filter(t -> t.startsWith(x[0])).findFirst()
                    .orElseGet(() -> fail("no entry " + x[0] + " in:\n" + e.getMessage()));
            List<String> lines = java.util.Arrays.stream(entry.split("\n")).map(String::trim)
                    .collect(Collectors.toList());
            assertEquals(x[0], lines.get(0), entry);
            assertEquals(x[1], lines.get(1), entry);
            if (x[2].startsWith("at ")) {
                assertEquals(x[2], lines.get(2), entry);
            } else { // the root's body, a lambda
                assertTrue(lines.get(2).startsWith("at " + ME + ".lambda$") && lines.get(2).endsWith(x[2]), entry);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // In a fresh JVM: settings read once
    // ------------------------------------------------------------------------------------------------------------

    /** The child JVM's program. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "mbean": {
                    javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                    javax.management.ObjectName name = new javax.management.ObjectName("dev.coro:type=Coro");
                    String seen = Coro.run(() -> {
                        Coro.spawn("sleeper", () -> Coro.sleep(60_000));
                        Coro.sleep(20);
                        for (int i = 0; i < 300 && !server.isRegistered(name); i++) {
                            Coro.sleep(10);
                        }
                        if (!server.isRegistered(name)) {
                            return "not registered";
                        }
                        return (String) server.invoke(name, "dump", null, null);
                    });
                    System.out.println("jmx: " + seen);
                    return;
                }
                case "timeout": {
                    long start = System.nanoTime();
                    String how;
                    try {
                        Coro.run(() -> Coro.withTimeout(Duration.ofMillis(100), () -> spinPlain(3_000)));
                        how = "returned";
                    } catch (TimeoutExpiredException e) {
                        how = "timed out";
                    }
                    System.out.println("computing under a 100 ms timeout: " + how + " after "
                            + (System.nanoTime() - start) / 1_000_000 + " ms");
                    return;
                }
                case "blocking":
                    System.out.println("offloaded: " + Coro.run(() -> Coro.blocking(() -> "ran")));
                    return;
                default:
                    throw new IllegalArgumentException(args[0]);
            }
        }

        @Coroutine
        static long spinPlain(long ms) {
            long end = System.nanoTime() + ms * 1_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += x * 31 + 7;
            }
            return x;
        }
    }

    private static String runChild(List<String> properties, String... args) throws Exception {
        return PreemptSwitchTest.runChild(Main.class, properties, args);
    }

    /** README: the dump is "also over JMX as dev.coro:type=Coro", whatever the watchdog's settings. */
    @Test
    void theCoroMBeanIsThereEvenWithTheWatchdogTurnedOff() throws Exception {
        String out = runChild(List.of("-Dcoro.preempt.slice=0", "-Dcoro.watchdog.blocked=0"), "mbean");
        assertTrue(out.contains("jmx: loop on thread main: 2 live tasks"), out);
        assertTrue(out.contains("sleeper: suspended on sleep"), out);
    }

    /**
     * With the time slice at 0 no coroutine is preempted for fairness, but a timeout still has to reach computing
     * code, as a cancel from another thread does with the slice at 0.
     */
    @Test
    void aTimeoutReachesComputingCodeWithTheSliceAtZero() throws Exception {
        String out = runChild(List.of("-Dcoro.preempt.slice=0"), "timeout");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("computing under a 100 ms timeout: (returned|timed out) after (\\d+) ms").matcher(out);
        assertTrue(m.find(), out);
        assertEquals("timed out", m.group(1), out);
        assertTrue(Long.parseLong(m.group(2)) < 2_000, out);
    }

    /** A bad setting is reported, named with its value, and its default used: Coro.blocking still works. */
    @Test
    void aBadPoolSizeIsReportedAndTheDefaultUsed() throws Exception {
        String out = runChild(List.of("-Dcoro.blocking.threads=0"), "blocking");
        assertTrue(out.contains("offloaded: ran"), out);
        assertTrue(out.contains("coro: warning: -Dcoro.blocking.threads=0 is not from 1 to 32768; using "), out);
    }

    /**
     * A task cancelled in Condition.await must hold the lock again before it throws, and a plain thread holds it: the
     * end of Coro.run waits for that cleanup (its finally blocks run), and says which task it waits for, and where.
     */
    @Test
    void theEndOfCoroRunSaysWhichCancelledTasksItStillWaitsFor() throws Exception {
        java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        java.util.concurrent.locks.Condition changed = lock.newCondition();
        CountDownLatch awaiting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Object> loop = loopThread("slow-end", () -> {
            Coro.spawn("awaiting", () -> {
                lock.lock();
                try {
                    awaiting.countDown();
                    changed.await();
                } finally {
                    lock.unlock();
                    log.add("finally");
                }
            });
            Coro.sleep(20);
            return "body done";
        });
        Thread holder = new Thread(() -> {
            try {
                awaiting.await();
                lock.lock(); // once the task released it in await: it cannot take it back while this holds it
                try {
                    release.await();
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (warningsContaining("at the end of Coro.run").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(loop.isDone(), "Coro.run returned before the cleanup ran");
        } finally {
            release.countDown();
        }
        assertEquals("body done", outcomeWithin(loop, 20_000));
        holder.join();
        assertEquals(List.of("finally"), log);
        List<String> w = warningsContaining("at the end of Coro.run");
        assertEquals(1, w.size(), warnings.toString());
        assertTrue(w.get(0).startsWith("the loop on thread slow-end has waited ") && w.get(0).contains(
                " ms at the end of Coro.run for 1 cancelled tasks, whose cleanup still waits:\n  awaiting: "), w.get(0));
    }
}
