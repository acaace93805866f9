package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.DeadlockException;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.susI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task API on top of instrumented code: run, spawn, join, joinAll, cancel, sleep, yield, deadlocks. */
class TaskLifecycleTest extends CoroTest {

    // ---- Coro.run ----

    @Test
    void runReturnsTheBodysValue() {
        assertEquals(42, Coro.run(() -> {
            pause();
            return 40 + susI(2);
        }));
    }

    @Test
    void runRethrowsTheBodysUncheckedExceptionAsIs() {
        IllegalStateException ise = new IllegalStateException("body failed");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            pause();
            throw ise;
        }));
        assertSame(ise, e);
    }

    @Test
    void runThrowsTheBodysCheckedExceptionWrappedInTaskFailedException() {
        IOException io = new IOException("checked");
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> Coro.run(() -> {
            pause();
            throw io;
        }));
        assertSame(io, e.getCause());
    }

    @Test
    void runWithoutResultRunsTheBodyToTheEnd() {
        List<String> log = new ArrayList<>();
        Coro.run(() -> {
            log.add("a");
            Coro.sleep(1);
            log.add("b");
        });
        assertEquals(List.of("a", "b"), log);
    }

    @Test
    void runInsideACoroutineIsRefused() {
        Object r = Coro.run(() -> {
            try {
                Coro.run(() -> 1);
                return "nested run accepted";
            } catch (IllegalStateException e) {
                pause();
                return "refused";
            }
        });
        assertEquals("refused", r);
    }

    @Test
    void tasksStillRunningWhenTheBodyReturnsAreCancelledAndRunTheirFinally() {
        AtomicInteger finallies = new AtomicInteger();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        String r = Coro.run(() -> {
            Coro.spawn(() -> {
                try {
                    log.add("started");
                    Coro.sleep(10_000);
                    log.add("woke");
                } finally {
                    finallies.incrementAndGet();
                }
            });
            pause();
            return "body done";
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("body done", r);
        assertEquals(List.of("started"), log);
        assertEquals(1, finallies.get());
        assertTrue(ms < 5_000, "run waited for the sleeper: " + ms + " ms");
    }

    // ---- spawn, names, current ----

    @Test
    void spawnedTaskRunsWhenTheSpawnerSuspendsAndKnowsItsNameAndItself() {
        List<String> log = new ArrayList<>();
        Object[] seen = new Object[2];
        Coro.run(() -> {
            Task<String> t = Coro.spawn("worker-1", () -> {
                log.add("task runs");
                seen[0] = Coro.current();
                pause();
                seen[1] = Coro.current();
                return Coro.current().name();
            });
            log.add("spawned");
            assertEquals("worker-1", t.name());
            assertFalse(t.isDone());
            String name = t.join();
            log.add("joined " + name);
            assertTrue(t.isDone());
            assertFalse(t.isCancelled());
            assertSame(t, seen[0]);
            assertSame(t, seen[1]);
            assertTrue(Coro.current() != t);
        });
        assertEquals(List.of("spawned", "task runs", "joined worker-1"), log);
        assertNull(Coro.current());
    }

    @Test
    void yieldGoesToTheBackOfTheReadyQueueSoInterleavingIsDeterministic() {
        StringBuilder sb = new StringBuilder();
        Coro.run(() -> {
            Task<?>[] ts = new Task<?>[3];
            for (int i = 0; i < 3; i++) {
                char name = (char) ('a' + i);
                ts[i] = Coro.spawn(() -> {
                    for (int k = 0; k < 3; k++) {
                        sb.append(name).append(k).append(' ');
                        Coro.yield();
                    }
                });
            }
            for (Task<?> t : ts) {
                t.join();
            }
        });
        assertEquals("a0 b0 c0 a1 b1 c1 a2 b2 c2 ", sb.toString());
    }

    // ---- join ----

    @Test
    void joinFromAPlainThreadBlocksUntilTheTaskIsDone() throws Exception {
        CompletableFuture<Task<Integer>> published = new CompletableFuture<>();
        AtomicReference<Object> loopResult = new AtomicReference<>();
        Thread loopThread = new Thread(() -> loopResult.set(Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Coro.sleep(150);
                return 42;
            });
            published.complete(t);
            return t.join() + 1;
        })), "loop-thread");
        loopThread.start();
        Task<Integer> t = published.get(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        int v = t.join(); // not in a coroutine: blocks this thread
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(42, v);
        assertTrue(t.isDone());
        assertTrue(ms >= 50, "join returned before the task could have finished: " + ms + " ms");
        loopThread.join(10_000);
        assertEquals(43, loopResult.get());
    }

    @Test
    void joinFromAPlainThreadRethrowsTheTasksException() throws Exception {
        CompletableFuture<Task<Integer>> published = new CompletableFuture<>();
        Thread loopThread = new Thread(() -> Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Coro.sleep(100);
                throw new UnsupportedOperationException("from task");
            });
            published.complete(t);
            try {
                t.join(); // observed here too, so the loop reports no unobserved failure
            } catch (UnsupportedOperationException expected) {
                // the other joiner checks it
            }
        }), "loop-thread");
        loopThread.start();
        Task<Integer> t = published.get(10, TimeUnit.SECONDS);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, t::join);
        assertEquals("from task", e.getMessage());
        loopThread.join(10_000);
    }

    @Test
    void joinAllWaitsForAllThenThrowsTheFirstFailureInArgumentOrderWithOthersSuppressed() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Object r = Coro.run(() -> {
            Task<Integer> slowFail = Coro.spawn(() -> {
                Coro.sleep(30);
                log.add("slowFail");
                throw new IllegalStateException("first in argument order");
            });
            Task<Integer> fastFail = Coro.spawn(() -> {
                pause();
                log.add("fastFail");
                throw new IllegalArgumentException("second");
            });
            Task<String> ok = Coro.spawn(() -> {
                Coro.sleep(60);
                log.add("ok");
                return "fine";
            });
            try {
                Coro.joinAll(slowFail, fastFail, ok);
                return "no exception";
            } catch (IllegalStateException e) {
                log.add("caught");
                assertTrue(ok.isDone() && fastFail.isDone() && slowFail.isDone());
                assertEquals("fine", ok.join());
                return e;
            }
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r);
        assertEquals("first in argument order", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals("second", e.getSuppressed()[0].getMessage());
        assertEquals(List.of("fastFail", "slowFail", "ok", "caught"), log);
    }

    @Test
    void joinAllOfAListReturnsWhenAllAreDone() {
        AtomicInteger done = new AtomicInteger();
        Coro.run(() -> {
            List<Task<Void>> ts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int ms = i * 5;
                ts.add(Coro.spawn(() -> {
                    Coro.sleep(ms);
                    done.incrementAndGet();
                }));
            }
            Coro.joinAll(ts);
            assertEquals(5, done.get());
        });
    }

    // ---- cancel ----

    @Test
    void cancelOfASuspendedTaskDeliversCancellationExceptionAndRunsFinallyOnce() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Object r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                try {
                    log.add("start");
                    nestedSleep(log);
                    log.add("not reached");
                    return "x";
                } finally {
                    log.add("outer finally");
                }
            });
            Coro.sleep(20); // t is now suspended in nestedSleep
            assertTrue(t.cancel());
            try {
                t.join();
                return "join returned";
            } catch (CancellationException e) {
                log.add("join threw");
            }
            assertTrue(t.isDone());
            assertTrue(t.isCancelled());
            assertFalse(t.cancel()); // already finished
            return "ok";
        });
        assertEquals("ok", r);
        assertEquals(List.of("start", "inner finally", "outer finally", "join threw"), log);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
    }

    @Coroutine
    static void nestedSleep(List<String> log) {
        try {
            Coro.sleep(10_000);
        } finally {
            log.add("inner finally");
        }
    }

    @Test
    void cancelledTaskCanCatchTheCancellationAtItsSuspensionPoint() {
        List<String> log = new ArrayList<>();
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                try {
                    Coro.sleep(10_000);
                    return "slept";
                } catch (CancellationException e) {
                    log.add("saw " + e.getClass().getSimpleName());
                    throw e;
                }
            });
            pause();
            t.cancel();
            try {
                t.join();
            } catch (CancellationException e) {
                log.add("join threw");
            }
        });
        assertEquals(List.of("saw CancellationException", "join threw"), log);
    }

    @Test
    void cancelOfATaskNotYetStartedMeansItNeverRuns() {
        List<String> log = new ArrayList<>();
        Coro.run(() -> {
            Task<Void> t = Coro.spawn(() -> {
                log.add("ran");
            });
            assertTrue(t.cancel());
            try {
                t.join();
                log.add("join returned");
            } catch (CancellationException e) {
                log.add("join threw");
            }
            assertTrue(t.isCancelled());
        });
        assertEquals(List.of("join threw"), log);
    }

    // ---- sleep ----

    @Test
    void twoTasksSleeping100msEachFinishConcurrently() {
        Coro.run(() -> Coro.sleep(5)); // warm-up: class loading and instrumentation
        long start = System.nanoTime();
        Coro.run(() -> {
            Task<Void> a = Coro.spawn(() -> Coro.sleep(100));
            Task<Void> b = Coro.spawn(() -> Coro.sleep(100));
            a.join();
            b.join();
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 95, "slept less than 100 ms: " + ms);
        assertTrue(ms < 190, "the sleeps did not overlap: " + ms + " ms for two concurrent 100 ms sleeps");
    }

    @Test
    void sleepWithADurationSuspendsLikeSleepInMillis() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Coro.run(() -> {
            Task<Void> a = Coro.spawn(() -> {
                Coro.sleep(Duration.ofMillis(60));
                log.add("a");
            });
            Task<Void> b = Coro.spawn(() -> {
                Coro.sleep(Duration.ofMillis(30));
                log.add("b");
            });
            a.join();
            b.join();
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(List.of("b", "a"), log);
        assertTrue(ms >= 55 && ms < 145, "two overlapping Duration sleeps of 60 and 30 ms took " + ms + " ms");
    }

    @Test
    void sleepOrdersWakeUpsByDeadline() {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            List<Task<Void>> ts = new ArrayList<>();
            for (int ms : new int[]{40, 10, 30, 0, 20}) {
                ts.add(Coro.spawn(() -> {
                    Coro.sleep(ms);
                    order.add(ms);
                }));
            }
            for (Task<Void> t : ts) {
                t.join();
            }
        });
        assertEquals(List.of(0, 10, 20, 30, 40), order);
    }

    // ---- outside any coroutine ----

    @Coroutine
    static int plainCallable(int x) {
        Coro.sleep(30);
        Coro.yield();
        return susI(x) + 1;
    }

    @Test
    void coroutineMethodsOutsideAnyCoroutineRunAsOrdinaryCode() {
        assertNull(Coro.current());
        long start = System.nanoTime();
        assertEquals(8, plainCallable(7)); // sleep blocks this thread
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 25, "sleep outside a coroutine did not block: " + ms + " ms");
        Coro.sleep(Duration.ofMillis(1));
        Coro.yield();
    }

    // ---- deadlocks ----

    @Test
    void joiningItselfIsRefused() {
        assertThrows(IllegalStateException.class, () -> Coro.run(() -> Coro.current().join()));
    }

    @Test
    void twoTasksJoiningEachOtherIsADeadlock() {
        Task<?>[] ts = new Task<?>[2];
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            ts[0] = Coro.spawn("left", () -> {
                pause();
                return ts[1].join();
            });
            ts[1] = Coro.spawn("right", () -> {
                pause();
                return ts[0].join();
            });
            return ts[0].join();
        }));
        assertEquals(3, e.tasks().size(), e.getMessage());
        assertTrue(e.tasks().stream().anyMatch(s -> s.contains("left")), e.getMessage());
        assertTrue(e.tasks().stream().anyMatch(s -> s.contains("right")), e.getMessage());
    }

    @Test
    void joinAllOnATaskThatNeverFinishesIsADeadlock() {
        assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Task<?>[] self = new Task<?>[1];
            self[0] = Coro.spawn(() -> {
                pause();
                Coro.joinAll(self[0]);
            });
            self[0].join();
        }));
    }
}
