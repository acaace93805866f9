package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.DeadlockException;
import dev.coro.Pool;
import dev.coro.Task;
import dev.coro.TaskGroup;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge cases of executor hand-offs (patch group {@code threads}), of timeouts bounding the task groups opened in
 * them, and of the end of {@code Coro.run}.
 */
class HandoffAndScopeEdgeCasesTest extends PrimitiveTest {
    /** Longer than the 1 s deadlock grace. */
    private static final long LATE_MS = 1_500;

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadPoolExecutor pool(int n) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(n, n, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        p.prestartAllCoreThreads();
        return p;
    }

    // ---- hand-offs ----

    /** A generator body runs on behalf of the task consuming it: its hand-offs are that task's. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void workAGeneratorBodyHandsToAnExecutorIsPendingForTheConsumingTask() {
        ExecutorService pool = pool(1);
        try {
            int r = Coro.run(() -> {
                Channel<Integer> ch = Channel.unbounded();
                Iterable<Integer> gen = Coro.generator(out -> {
                    pool.execute(() -> {
                        sleepQuietly(LATE_MS);
                        ch.send(41);
                    });
                    out.emit(1);
                });
                int sum = 0;
                for (int x : gen) {
                    sum += x;
                }
                return sum + ch.receive();
            });
            assertEquals(42, r);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aThreadAGeneratorBodyStartsIsPendingForTheConsumingTask() {
        int r = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            Iterable<Integer> gen = Coro.generator(out -> {
                Thread t = new Thread(() -> {
                    sleepQuietly(LATE_MS);
                    ch.send(41);
                });
                t.setDaemon(true);
                t.start();
                out.emit(1);
            });
            int sum = 0;
            for (int x : gen) {
                sum += x;
            }
            return sum + ch.receive();
        });
        assertEquals(42, r);
    }

    /** Pins: a subclass's override of execute/submit is what runs, in a task as outside one. */
    @Test
    void anExecutorsOwnExecuteAndSubmitAreStillCalledInATask() throws Exception {
        AtomicInteger executes = new AtomicInteger();
        AtomicInteger submits = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>()) {
            @Override
            public void execute(Runnable command) {
                executes.incrementAndGet();
                super.execute(command);
            }

            @Override
            public <T> Future<T> submit(Callable<T> task) {
                submits.incrementAndGet();
                return super.submit(task);
            }
        };
        try {
            ExecutorService service = pool;
            String r = Coro.run(() -> {
                Channel<String> ch = Channel.unbounded();
                service.execute(() -> ch.send("a"));
                service.submit(() -> {
                    ch.send("b");
                    return 0;
                });
                return ch.receive() + ch.receive();
            });
            assertTrue(r.equals("ab") || r.equals("ba"), r);
            assertEquals(2, executes.get()); // submit's FutureTask reaches execute too
            assertEquals(1, submits.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Pins: null work is the JDK's NullPointerException, in a task as outside one, and leaves nothing pending. */
    @Test
    void nullWorkIsANullPointerExceptionInATaskToo() {
        ThreadPoolExecutor pool = pool(1);
        try {
            assertThrows(NullPointerException.class, () -> pool.execute(null));
            List<String> r = Coro.run(() -> {
                List<String> l = new ArrayList<>();
                try {
                    pool.execute(null);
                } catch (NullPointerException e) {
                    l.add("execute");
                }
                try {
                    pool.submit((Runnable) null);
                } catch (NullPointerException e) {
                    l.add("submit");
                }
                try {
                    java.util.concurrent.CompletableFuture.runAsync(null, pool);
                } catch (NullPointerException e) {
                    l.add("runAsync");
                }
                try {
                    java.util.concurrent.CompletableFuture.runAsync(() -> { }, null);
                } catch (NullPointerException e) {
                    l.add("runAsync null executor");
                }
                return l;
            });
            assertEquals(List.of("execute", "submit", "runAsync", "runAsync null executor"), r);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Pins: an executor whose execute throws something else than a rejection propagates it as it is, and nothing is
     * left pending: the deadlock behind it is still reported.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void anExecuteThatThrowsLeavesNothingPending() {
        java.util.concurrent.Executor broken = r -> {
            throw new IllegalStateException("broken executor");
        };
        assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            try {
                broken.execute(() -> ch.send("never"));
            } catch (IllegalStateException e) {
                // as the JDK call would throw it
            }
            return ch.receive();
        }));
    }

    /** An ExecutorService of a library's that breaks the contract: submit returns null, and isDone throws. */
    private static final class BrokenService extends AbstractExecutorService {
        final boolean nullFutures;

        BrokenService(boolean nullFutures) {
            this.nullFutures = nullFutures;
        }

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            if (nullFutures) {
                return null;
            }
            return new Future<T>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    return false;
                }

                @Override
                public boolean isCancelled() {
                    return false;
                }

                @Override
                public boolean isDone() {
                    throw new UnsupportedOperationException("isDone");
                }

                @Override
                public T get() {
                    throw new UnsupportedOperationException("get");
                }

                @Override
                public T get(long timeout, TimeUnit unit) {
                    throw new UnsupportedOperationException("get");
                }
            };
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }

        @Override
        public void execute(Runnable command) {
        }
    }

    /** Pins: a submit that returns null returns null in a task too, and nothing is pending. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aSubmitReturningNullReturnsNullInATask() {
        ExecutorService broken = new BrokenService(true);
        List<Object> seen = Collections.synchronizedList(new ArrayList<>());
        assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            seen.add(String.valueOf(broken.submit(() -> "x")));
            return ch.receive();
        }));
        assertEquals(List.of("null"), seen);
    }

    /**
     * A library's Future whose isDone throws: the loop, polling it while it would idle, must not fail Coro.run with
     * that exception (the JDK's submit gives none); it is reported as the deadlock it is.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aFutureWhoseIsDoneThrowsDoesNotBreakTheLoop() {
        ExecutorService broken = new BrokenService(false);
        assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            broken.submit(() -> "x");
            return ch.receive();
        }));
    }

    // ---- a timeout bounds the task groups opened in it ----

    /**
     * A group opened inside an inner timeout that is closed before the group: the outer timeout was around the
     * group all along, and its expiry still cancels the group's children.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20) // without the fix, close() waits out the child's minute
    void aGroupOutlivingTheInnerTimeoutItWasOpenedInIsBoundByTheOuterOne() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout outer = Timeout.after(Duration.ofMillis(50))) {
                TaskGroup g;
                Timeout inner = Timeout.after(Duration.ofMinutes(1));
                try {
                    g = TaskGroup.open();
                } finally {
                    inner.close();
                }
                try (g) {
                    TaskGroupTest.sleeper(g, l, "child");
                    Coro.sleep(60_000);
                }
            } catch (TimeoutExpiredException e) {
                l.add("expired");
            }
            return l;
        });
        assertEquals(List.of("child finally", "expired"), log);
    }

    /** The same through withTimeout: a helper opens the group under its own (closed) timeout and returns it. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aGroupReturnedFromAnInnerWithTimeoutIsBoundByTheOuterOne() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout outer = Timeout.after(Duration.ofMillis(50))) {
                try (TaskGroup g = Coro.withTimeout(Duration.ofMinutes(1), TaskGroup::open)) {
                    TaskGroupTest.sleeper(g, l, "child");
                    Coro.sleep(60_000);
                }
            } catch (TimeoutExpiredException e) {
                l.add("expired");
            }
            return l;
        });
        assertEquals(List.of("child finally", "expired"), log);
    }

    /** Pins: a timeout closed before a group opened in it no longer bounds the group: its children run to their end. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aGroupOutlivingItsClosedTimeoutIsNotCancelledAtThatTimeoutsDeadline() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            TaskGroup g;
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                g = TaskGroup.open();
            }
            try (g) {
                g.spawn(() -> {
                    Coro.sleep(100); // past the closed timeout's deadline
                    l.add("child done");
                });
            }
            l.add("closed");
            return l;
        });
        assertEquals(List.of("child done", "closed"), log);
    }

    /** Pins: an inner expiry caught inside the outer leaves the outer's group alone; the outer's expiry ends it. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void anInnerExpiryCaughtLeavesTheOuterGroupUntilTheOuterExpires() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout outer = Timeout.after(Duration.ofMillis(300))) {
                try (TaskGroup g = TaskGroup.open()) {
                    Task<Object> child = TaskGroupTest.sleeper(g, l, "outer child");
                    try (Timeout inner = Timeout.after(Duration.ofMillis(10))) {
                        try (TaskGroup ig = TaskGroup.open()) {
                            TaskGroupTest.sleeper(ig, l, "inner child");
                            Coro.sleep(60_000);
                        }
                    } catch (TimeoutExpiredException e) {
                        l.add("inner expired, outer child cancelled: " + child.isCancelled());
                    }
                    Coro.sleep(60_000);
                }
            } catch (TimeoutExpiredException e) {
                l.add("outer expired");
            }
            return l;
        });
        assertEquals(List.of("inner child finally", "inner expired, outer child cancelled: false",
                "outer child finally", "outer expired"), log);
    }

    /** Pins: a Pool's spawn waiting for a slot when the timeout expires gets the expiry; the running child ends. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aPoolSpawnWaitingForASlotWhenTheTimeoutExpires() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        String r = Coro.run(() -> {
            try (Timeout t = Timeout.after(Duration.ofMillis(50))) {
                try (Pool pool = Pool.open(1)) {
                    pool.spawn(() -> {
                        try {
                            Coro.sleep(60_000);
                        } finally {
                            log.add("first finally");
                        }
                        return null;
                    });
                    pool.spawn(() -> {
                        log.add("second ran");
                        return null;
                    });
                    return "second spawned";
                }
            } catch (TimeoutExpiredException e) {
                return "expired";
            }
        });
        assertEquals("expired", r);
        assertEquals(List.of("first finally"), log);
    }

    /**
     * Pins: a group opened after its timeout expired and the expiry was caught is not bounded by it any more (it
     * will not fire again): its children run to their end.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aGroupOpenedInATimeoutThatAlreadyExpiredRunsItsChildren() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout t = Timeout.after(Duration.ofMillis(10))) {
                try {
                    Coro.sleep(60_000);
                } catch (TimeoutExpiredException e) {
                    l.add("expired");
                }
                try (TaskGroup g = TaskGroup.open()) {
                    g.spawn(() -> {
                        Coro.sleep(30);
                        l.add("child done");
                    });
                }
            }
            return l;
        });
        assertEquals(List.of("expired", "child done"), log);
    }

    // ---- the end of Coro.run ----

    /**
     * Pins: the root's failure is what Coro.run throws when it ends with a task it readied in the same batch; that
     * task is cancelled (its finally block runs). Its wake came before the cancel, so its await returns first.
     */
    @Test
    void theRootsFailureIsThrownWhenItEndsMidBatch() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            dev.coro.Event ev = new dev.coro.Event();
            Coro.spawn(() -> {
                try {
                    ev.await();
                    log.add("woken ran");
                } finally {
                    log.add("woken finally");
                }
            });
            Coro.yield(); // it waits now
            ev.set();
            throw new IllegalStateException("root failed");
        }));
        assertEquals("root failed", e.getMessage());
        assertTrue(log.contains("woken finally"), log.toString());
    }
}
