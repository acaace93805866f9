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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
