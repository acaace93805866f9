package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Pool;
import dev.coro.Task;
import dev.coro.TaskGroup;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The task API, timeouts, task groups and pools at their edges, and where they meet. */
class TaskEdgeCasesTest extends PrimitiveTest {
    @AfterEach
    void restoreTheUncaughtExceptionHandler() {
        Coro.setUncaughtExceptionHandler(null);
        // spin() blocks the loop on purpose, which the watchdog may report; nothing else may be
        List<String> left = takeWarnings();
        left.removeIf(w -> w.startsWith("the loop on thread ") && w.contains(" has not turned for "));
        assertEquals(List.of(), left);
    }

    static final class MyError extends Error {
        MyError(String m) {
            super(m);
        }
    }

    /** Busy in plain code (no preemption check): the loop cannot turn meanwhile. */
    static void spin(long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** A child of {@code g} that sleeps 10 s, and logs "child finally" when it ends. */
    static Task<Void> sleeperLoggingItsEnd(TaskGroup g, List<String> l) {
        return g.spawn(() -> {
            try {
                Coro.sleep(10_000);
            } finally {
                l.add("child finally");
            }
        });
    }

    // ================= onComplete =================

    /** A callback that throws must not keep other waiters (a joiner) from being woken, nor kill the loop. */
    @Test
    void aThrowingOnCompleteCallbackDoesNotBreakJoinersOrTheLoop() {
        String r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(20);
                return "v";
            });
            Task<String> joiner = Coro.spawn(() -> t.join()); // registers its waiter first
            Coro.yield();
            t.onComplete(done -> {
                throw new IllegalStateException("callback bug");
            }); // newest waiter: runs first
            try (Timeout to = Timeout.after(Duration.ofSeconds(3))) {
                return joiner.join();
            }
        });
        assertEquals("v", r);
        List<String> reported = takeWarnings();
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.get(0).startsWith("an onComplete callback of task ") && reported.get(0).contains(
                "java.lang.IllegalStateException: callback bug"), reported.get(0));
    }

    /** A throwing callback on a group child must not stop the group from learning of the child's failure. */
    @Test
    void aThrowingOnCompleteCallbackOnAGroupChild() {
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable thrown = null;
        try {
            Coro.run(() -> {
                try (TaskGroup g = TaskGroup.open()) {
                    Task<Void> c = g.spawn(() -> {
                        Coro.sleep(10);
                        throw boom;
                    });
                    c.onComplete(done -> {
                        throw new IllegalArgumentException("callback bug");
                    });
                }
            });
        } catch (Throwable e) {
            thrown = e;
        }
        assertSame(boom, thrown);
        assertEquals(1, takeWarnings().size(), "the callback's failure, reported");
    }

    // ================= toCompletableFuture / cancel =================

    @Test
    void toCompletableFutureOfATaskCancelledBeforeItStartsIsCancelledAndTheBodyNeverRuns() throws Exception {
        boolean[] ran = {false};
        CompletableFuture<String> f = Coro.run(() -> {
            Task<String> t = Coro.spawn("named", () -> {
                ran[0] = true;
                return "x";
            });
            assertEquals("named", t.name());
            CompletableFuture<String> cf = t.toCompletableFuture();
            assertTrue(t.cancel());
            yields(3);
            assertTrue(t.isCancelled());
            assertNull(t.exception());
            assertFalse(t.cancel());
            return cf;
        });
        assertFalse(ran[0]);
        assertTrue(f.isCancelled());
    }

    @Test
    void cancelDeliversAtTheNextSuspensionPointOfARunningTaskAndFinallyRuns() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<Void> t = Coro.spawn(() -> {
                try {
                    Coro.current().cancel(); // cancels itself while running
                    l.add("still running");
                    Coro.yield();
                    l.add("after yield");
                } finally {
                    l.add("finally");
                }
            });
            thrownBy(CancellationException.class, () -> t.join());
            assertTrue(t.isCancelled());
            return l;
        });
        assertEquals(List.of("still running", "finally"), log);
    }

    @Test
    void spawnLaterCancelledBeforeItsTimeCompletesItsFutureAsCancelled() {
        CompletableFuture<String> f = Coro.run(() -> {
            Task<String> t = Coro.spawnLater(Duration.ofSeconds(10), () -> "never");
            CompletableFuture<String> cf = t.toCompletableFuture();
            Coro.sleep(10);
            t.cancel();
            thrownBy(CancellationException.class, () -> t.join());
            return cf;
        });
        assertTrue(f.isCancelled());
    }

    @Test
    void spawnLaterWhoseTimeCameButWasCancelledBeforeItRanNeverRuns() {
        boolean[] ran = {false};
        Coro.run(() -> {
            Task<Void> t = Coro.spawnLater(Duration.ofMillis(20), () -> {
                ran[0] = true;
            });
            spin(60); // its start time passes while this task computes; the loop has not turned yet
            Coro.yield(); // the loop turns: the timer makes it ready, behind us
            t.cancel();
            thrownBy(CancellationException.class, () -> t.join());
        });
        assertFalse(ran[0]);
    }

    // ================= Coro.await =================

    /** A future that fails with an Error (unchecked): await must throw it, not hang. */
    @Test
    void awaitOfAFutureThatFailsLaterWithAnErrorThrowsIt() {
        MyError err = new MyError("fatal");
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            CompletableFuture<String> f = new CompletableFuture<>();
            Coro.spawn(() -> {
                Coro.sleep(20);
                f.completeExceptionally(err);
            });
            try (Timeout t = Timeout.after(Duration.ofSeconds(3))) {
                l.add("value " + Coro.await(f));
            } catch (MyError e) {
                l.add(e == err ? "the error" : "another error");
            } catch (TimeoutExpiredException e) {
                l.add("hung until the 3 s timeout");
            }
            return l;
        });
        assertEquals(List.of("the error"), log);
    }

    @Test
    void awaitOfAFutureThatFailsAlreadyWithAnErrorThrowsIt() {
        MyError err = new MyError("fatal");
        Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            f.completeExceptionally(err);
            assertSame(err, thrownBy(MyError.class, () -> Coro.await(f)));
        });
    }

    @Test
    void awaitOfACancelledFutureThrowsCancellationAndTheTaskIsNotCancelled() {
        Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            Coro.spawn(() -> {
                Coro.sleep(10);
                f.cancel(false);
            });
            thrownBy(CancellationException.class, () -> Coro.await(f));
            Coro.sleep(1); // the task itself goes on
        });
    }

    @Test
    void awaitIsEndedByATimeoutAndTheFutureCompletingLaterGoesNowhere() {
        String r = Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            String v;
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                v = Coro.await(f);
            } catch (TimeoutExpiredException e) {
                v = "timed out";
            }
            f.complete("late");
            Coro.sleep(10);
            return v;
        });
        assertEquals("timed out", r);
    }

    // ================= nested timeouts =================

    /**
     * Both deadlines pass before the task next suspends (it computed): the outer one came first, and its scope encloses
     * the inner: the outer's exception must be thrown, not lost.
     */
    @Test
    void nestedTimeoutsThatBothExpiredWhileComputingThrowTheOuterOne() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Timeout[] out = new Timeout[1];
            try (Timeout outer = Timeout.after(Duration.ofMillis(20))) {
                out[0] = outer;
                Timeout[] in = new Timeout[1];
                try (Timeout inner = Timeout.after(Duration.ofMillis(40))) {
                    in[0] = inner;
                    spin(150);
                    Coro.sleep(5_000);
                    l.add("inner body finished");
                } catch (TimeoutExpiredException e) {
                    if (e.timeout() != in[0]) {
                        throw e;
                    }
                    l.add("inner caught its own");
                }
                Coro.sleep(50);
                l.add("outer body continued; outer expired: " + outer.expired());
            } catch (TimeoutExpiredException e) {
                l.add(e.timeout() == out[0] ? "outer fired" : "wrong timeout");
            }
            return l;
        });
        assertEquals(List.of("outer fired"), log);
    }

    /**
     * Nested timeouts of equal durations expire in one turn of the loop: the outer one's exception is thrown (the
     * inner's handler, which tells them apart by duration, lets it through), not the inner's, which would be caught.
     */
    @Test
    void nestedWithTimeoutsOfEqualDurationsThrowTheOuterOne() {
        for (int round = 0; round < 20; round++) {
            String r = Coro.run(() -> {
                try {
                    return Coro.withTimeout(Duration.ofMillis(10), () -> {
                        try {
                            Coro.withTimeout(Duration.ofMillis(9), () -> {
                                spin(30); // both deadlines pass before the loop turns again
                                Coro.sleep(5_000);
                                return "inner";
                            });
                        } catch (TimeoutExpiredException e) {
                            if (e.duration().toMillis() != 9) {
                                throw e;
                            }
                        }
                        Coro.sleep(5_000);
                        return "outer body finished";
                    });
                } catch (TimeoutExpiredException e) {
                    return "outer timed out after " + e.duration().toMillis() + " ms";
                }
            });
            assertEquals("outer timed out after 10 ms", r, "round " + round);
        }
    }

    /** A timeout of {@code d}, then {@code computeMs} of plain work, then a yield: whether the yield threw it. */
    @Coroutine
    static String yieldAfter(Duration d, long computeMs) {
        try (Timeout t = Timeout.after(d)) {
            spin(computeMs);
            Coro.yield();
            return "not fired at the yield";
        } catch (TimeoutExpiredException e) {
            return "fired";
        }
    }

    @Test
    void aZeroTimeoutFiresAtTheFirstSuspensionPoint() {
        assertEquals("fired", Coro.run(() -> yieldAfter(Duration.ZERO, 0)));
    }

    @Test
    void timeoutsClosedOutOfOrderStillFireTheRemainingOne() {
        String r = Coro.run(() -> {
            Timeout outer = Timeout.after(Duration.ofMillis(30));
            Timeout inner = Timeout.after(Duration.ofSeconds(10));
            outer.close(); // the outer closed first
            try {
                Coro.sleep(100);
            } catch (TimeoutExpiredException e) {
                return "fired " + (e.timeout() == outer ? "outer" : "inner");
            } finally {
                inner.close();
            }
            Timeout a = Timeout.after(Duration.ofSeconds(10));
            Timeout b = Timeout.after(Duration.ofMillis(30));
            a.close(); // out of order
            try {
                Coro.sleep(5_000);
                return "b never fired";
            } catch (TimeoutExpiredException e) {
                return e.timeout() == b ? "b fired" : "wrong";
            } finally {
                b.close();
            }
        });
        assertEquals("b fired", r);
    }

    // ================= timeout + group =================

    /** A timeout that ends a group's close: the children are cancelled and done (finally blocks ran) by the time it is seen. */
    @Test
    void aTimeoutDuringGroupCloseLeavesNoChildRunning() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<?>[] child = new Task<?>[1];
            try (Timeout t = Timeout.after(Duration.ofMillis(30))) {
                try (TaskGroup g = TaskGroup.open()) {
                    child[0] = sleeperLoggingItsEnd(g, l);
                }
            } catch (TimeoutExpiredException e) {
                l.add("timed out; child done: " + child[0].isDone());
            }
            yields(3);
            return l;
        });
        assertEquals(List.of("child finally", "timed out; child done: true"), log);
    }

    @Test
    void withTimeoutAroundAGroupLeavesNoChildRunning() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try {
                Coro.withTimeout(Duration.ofMillis(30), () -> {
                    try (TaskGroup g = TaskGroup.open()) {
                        sleeperLoggingItsEnd(g, l);
                    }
                    return null;
                });
            } catch (TimeoutExpiredException e) {
                l.add("timed out");
            }
            yields(3);
            return l;
        });
        assertEquals(List.of("child finally", "timed out"), log);
    }

    /** The owner of a group is cancelled while closing: by the time its join returns, the children are done. */
    @Test
    void aCancelledOwnerReturnsOnlyOnceItsChildrenAreDone() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<?>[] child = new Task<?>[1];
            Task<Void> owner = Coro.spawn(() -> {
                try (TaskGroup g = TaskGroup.open()) {
                    child[0] = sleeperLoggingItsEnd(g, l);
                }
            });
            Coro.sleep(20);
            owner.cancel();
            thrownBy(CancellationException.class, () -> owner.join());
            l.add("owner joined; child done: " + child[0].isDone());
            yields(3);
            return l;
        });
        assertEquals(List.of("child finally", "owner joined; child done: true"), log);
    }

    /** A child fails just as (after) the deadline passes: the failure must not vanish. */
    @Test
    void aChildFailureAtTheTimeoutIsNotLost() {
        IllegalStateException boom = new IllegalStateException("boom");
        List<Throwable> handled = Collections.synchronizedList(new ArrayList<>());
        Coro.setUncaughtExceptionHandler((t, e) -> handled.add(e));
        Throwable[] caught = new Throwable[1];
        Coro.run(() -> {
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                try (TaskGroup g = TaskGroup.open()) {
                    g.spawn(() -> {
                        spin(150); // past the owner's deadline, while the loop cannot turn
                        throw boom;
                    });
                }
            } catch (RuntimeException e) {
                caught[0] = e;
            }
        });
        assertNotNull(caught[0]);
        boolean seen = caught[0] == boom || Arrays.asList(caught[0].getSuppressed()).contains(boom)
                || handled.contains(boom);
        assertTrue(seen, "the child's failure vanished: close threw " + caught[0] + " with suppressed "
                + Arrays.toString(caught[0].getSuppressed()) + "; uncaught handler saw " + handled);
    }

    /** After a timeout ended close (children cancelled), a child's cleanup that fails is attached to the timeout. */
    @Test
    void aChildCleanupFailureAfterTheGroupTimedOutIsNotLost() {
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        List<Throwable> handled = Collections.synchronizedList(new ArrayList<>());
        Coro.setUncaughtExceptionHandler((t, e) -> handled.add(e));
        Throwable[] caught = new Throwable[1];
        Coro.run(() -> {
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                try (TaskGroup g = TaskGroup.open()) {
                    g.spawn(() -> {
                        try {
                            Coro.sleep(10_000);
                        } finally {
                            throw cleanup;
                        }
                    });
                }
            } catch (RuntimeException e) {
                caught[0] = e;
            }
            yields(5);
        });
        assertInstanceOf(TimeoutExpiredException.class, caught[0]);
        assertEquals(List.of(cleanup), Arrays.asList(caught[0].getSuppressed()), "the child's cleanup failure");
        assertEquals(List.of(), handled);
    }

    // ================= group failure seen elsewhere =================

    /** Another task joined the failed child: the group's owner must still get the failure from close(). */
    @Test
    void aFailureJoinedByAnotherTaskIsStillThrownByClose() {
        IllegalStateException boom = new IllegalStateException("boom");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                Task<Void> bad = g.spawn(() -> {
                    Coro.sleep(10);
                    throw boom;
                });
                g.spawn(() -> {
                    Coro.sleep(300);
                    log.add("slow child finished");
                });
                Coro.spawn(() -> { // a monitor, outside the group
                    try {
                        bad.join();
                    } catch (IllegalStateException e) {
                        log.add("monitor saw boom");
                    }
                });
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        assertEquals(List.of("monitor saw boom"), log);
        assertSame(boom, thrown[0], "close() returned normally although a child failed and another was cancelled");
    }

    /** A future of the failed child (which sees its failure) does not hide it from close. */
    @Test
    void aFailureSeenThroughToCompletableFutureIsStillThrownByClose() {
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                Task<Void> bad = g.spawn(() -> {
                    Coro.sleep(10);
                    throw boom;
                });
                bad.toCompletableFuture().whenComplete((v, e) -> { });
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        assertSame(boom, thrown[0]);
    }

    // ================= Pool =================

    /** The first failure (in time) is thrown by map, not the CancellationException of an earlier item it cancelled. */
    @Test
    void mapThrowsTheFailureNotTheCancellationOfAnEarlierItem() {
        IllegalStateException boom = new IllegalStateException("item 1");
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            Pool pool = Pool.open(2);
            try {
                pool.map(n -> {
                    if (n == 0) {
                        Coro.sleep(10_000);
                        return 0;
                    }
                    Coro.sleep(10);
                    throw boom;
                }, List.of(0, 1));
            } catch (Throwable e) {
                thrown[0] = e;
            }
            try {
                pool.close();
            } catch (Throwable e) {
                // close's own report
            }
        });
        assertSame(boom, thrown[0], "map threw " + thrown[0]);
    }

    @Test
    void mapInTryWithResourcesThrowsTheFailureNotACancellation() {
        IllegalStateException boom = new IllegalStateException("item 1");
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (Pool pool = Pool.open(2)) {
                pool.map(n -> {
                    if (n == 0) {
                        Coro.sleep(10_000);
                        return 0;
                    }
                    Coro.sleep(10);
                    throw boom;
                }, List.of(0, 1));
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        assertSame(boom, thrown[0], "threw " + thrown[0]);
    }

    @Test
    void poolNeverExceedsItsSizeWhileChildrenAreCancelledAndSpawnersWait() {
        int[] peak = Coro.run(() -> {
            AtomicInteger active = new AtomicInteger();
            AtomicInteger pk = new AtomicInteger();
            try (Pool pool = Pool.open(2)) {
                List<Task<Integer>> kids = new ArrayList<>();
                List<Task<Void>> spawners = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int id = i;
                    spawners.add(Coro.spawn(() -> {
                        Task<Integer> k = pool.spawn(() -> {
                            pk.accumulateAndGet(active.incrementAndGet(), Math::max);
                            try {
                                Coro.sleep(20);
                                return id;
                            } finally {
                                active.decrementAndGet();
                            }
                        });
                        kids.add(k);
                    }));
                }
                Coro.sleep(5);
                for (Task<Integer> k : new ArrayList<>(kids)) {
                    k.cancel(); // the running ones: their slots go to the waiting spawners
                }
                Coro.joinAll(spawners);
            }
            return new int[] {pk.get()};
        });
        assertTrue(peak[0] <= 2, "peak " + peak[0]);
    }

    @Test
    void mapOfNothingIsEmptyAndMapKeepsOrderWithNulls() {
        List<List<String>> r = Coro.run(() -> {
            try (Pool pool = Pool.open(3)) {
                List<String> empty = pool.map(n -> "x", List.<Integer>of());
                List<String> withNulls = pool.map(n -> {
                    Coro.sleep(30 - 10L * n);
                    return n % 2 == 0 ? null : "v" + n;
                }, List.of(0, 1, 2));
                return List.of(empty, withNulls);
            }
        });
        assertEquals(List.of(), r.get(0));
        assertEquals(Arrays.asList(null, "v1", null), r.get(1));
    }

    // ================= group misc =================

    @Test
    void aClosedGroupRefusesSpawnAndTheRefusedBodyNeverRuns() {
        boolean[] ran = {false};
        Coro.run(() -> {
            TaskGroup g = TaskGroup.open();
            g.spawn(() -> Coro.sleep(5));
            g.close();
            thrownBy(IllegalStateException.class, () -> g.spawn(() -> {
                ran[0] = true;
            }));
            yields(3);
        });
        assertFalse(ran[0]);
    }

    @Test
    void aGroupClosedFromAnotherTaskJoinsItsChildren() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            TaskGroup g = TaskGroup.open();
            g.spawn(() -> {
                Coro.sleep(30);
                l.add("child");
            });
            Task<Void> closer = Coro.spawn(() -> {
                g.close();
                l.add("closed by other");
            });
            g.close();
            l.add("closed by owner");
            closer.join();
            return l;
        });
        assertEquals("child", log.get(0));
        assertEquals(3, log.size());
    }

    @Test
    void spawningIntoAGroupFromAnotherLoopIsJoinedByClose() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<TaskGroup> handOff = new CompletableFuture<>();
        CompletableFuture<Void> spawned = new CompletableFuture<>();
        Thread other = new Thread(() -> Coro.run(() -> {
            TaskGroup g = Coro.await(handOff);
            g.spawn(() -> {
                Coro.sleep(50);
                log.add("foreign child");
            });
            spawned.complete(null);
            Coro.sleep(300); // this loop outlives the child: its end would cancel it
        }));
        other.setDaemon(true);
        other.start();
        Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                handOff.complete(g);
                Coro.await(spawned);
            }
            log.add("closed");
        });
        assertEquals(List.of("foreign child", "closed"), log);
    }

    @Test
    void aChildSpawnedInAFailingGroupNeverRuns() {
        IllegalStateException boom = new IllegalStateException("boom");
        boolean[] ran = {false};
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    throw boom;
                });
                Coro.yield();
                assertTrue(g.hasFailed());
                Task<Void> late = g.spawn(() -> {
                    ran[0] = true;
                });
                Coro.yield();
                assertTrue(late.isCancelled());
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        assertFalse(ran[0]);
        assertSame(boom, thrown[0]);
    }

    @Test
    void anOwnerBodyThatThrowsStillJoinsTheChildrenAndTheirFailureIsSuppressed() {
        IllegalStateException body = new IllegalStateException("body");
        IllegalArgumentException child = new IllegalArgumentException("child");
        Throwable[] thrown = new Throwable[1];
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    Coro.sleep(10);
                    throw child;
                });
                throw body;
            } catch (Throwable e) {
                thrown[0] = e;
            }
            return l;
        });
        assertSame(body, thrown[0]);
        assertEquals(List.of(child), Arrays.asList(thrown[0].getSuppressed()));
    }

    @Test
    void aTimeoutOfTheOwnerDoesNotFireInItsChildren() {
        List<String> log = Coro.run(() -> {
            List<String> l = Collections.synchronizedList(new ArrayList<>());
            Task<?>[] c = new Task<?>[1];
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                c[0] = Coro.spawn(() -> {
                    Coro.sleep(60);
                    l.add("plain child not timed out");
                });
                Coro.sleep(5_000);
            } catch (TimeoutExpiredException e) {
                l.add("owner timed out");
            }
            c[0].join();
            return l;
        });
        assertEquals(List.of("owner timed out", "plain child not timed out"), log);
    }

    @Test
    void cancelAndTimeoutTogetherFinallyRunsOnceAndCancellationWins() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<Void> t = Coro.spawn(() -> {
                try (Timeout to = Timeout.after(Duration.ofMillis(20))) {
                    try {
                        spin(60);
                        Coro.sleep(5_000);
                    } finally {
                        l.add("finally");
                    }
                }
            });
            Coro.yield(); // t runs: spins past its deadline, then sleeps
            t.cancel();
            Throwable e = thrownBy(RuntimeException.class, () -> t.join());
            l.add(e.getClass().getSimpleName() + " cancelled=" + t.isCancelled());
            return l;
        });
        assertEquals(List.of("finally", "CancellationException cancelled=true"), log);
    }

    @Test
    void aTimeoutThatExpiredWhileComputingFiresAtAYield() {
        assertEquals("fired", Coro.run(() -> yieldAfter(Duration.ofMillis(20), 100)));
    }

    @Test
    void aTimeoutFiresInALoopOfYieldsWithinReason() {
        int[] n = {0};
        Coro.run(() -> {
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                while (true) {
                    spin(1);
                    n[0]++;
                    Coro.yield();
                }
            } catch (TimeoutExpiredException e) {
                // expected
            }
        });
        assertTrue(n[0] < 500, "yields before the 20 ms timeout fired, each after 1 ms of work: " + n[0]);
    }

    @Test
    void aPlainThreadJoiningAFailedChildDoesNotHideTheFailureFromClose() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Task<?>> handOff = new CompletableFuture<>();
        Thread watcher = new Thread(() -> {
            try {
                handOff.get(10, TimeUnit.SECONDS).join();
            } catch (Exception e) {
                // seen
            }
        });
        watcher.setDaemon(true);
        watcher.start();
        Throwable[] thrown = new Throwable[1];
        Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                Task<Void> bad = g.spawn(() -> {
                    Coro.sleep(50);
                    throw boom;
                });
                handOff.complete(bad);
                Coro.sleep(10);
                g.spawn(() -> Coro.sleep(200));
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        watcher.join(5_000);
        assertSame(boom, thrown[0]);
    }

    @Test
    void aChildSpawnedIntoACancelledGroupNeverRuns() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> Coro.sleep(10_000));
                g.cancel();
                Task<Void> late = g.spawn(() -> {
                    Coro.sleep(20);
                    l.add("spawned after cancel ran");
                });
                Coro.yield();
                assertTrue(late.isCancelled());
            }
            return l;
        });
        assertEquals(List.of(), log);
    }

    /** The owner timed out in close; a cancelled child's cleanup spawns into the group: that child never runs. */
    @Test
    void aChildSpawnedByACancelledChildAfterCloseTimedOutIsNotLeaked() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            TaskGroup[] grp = new TaskGroup[1];
            Task<?>[] late = new Task<?>[1];
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                try (TaskGroup g = TaskGroup.open()) {
                    grp[0] = g;
                    g.spawn(() -> {
                        try {
                            Coro.sleep(10_000);
                        } finally {
                            try {
                                late[0] = grp[0].spawn(() -> {
                                    Coro.sleep(50);
                                    l.add("late child ran after its group was closed");
                                });
                            } catch (IllegalStateException refused) {
                                l.add("refused");
                            }
                        }
                    });
                }
            } catch (TimeoutExpiredException e) {
                l.add("timed out");
            }
            Coro.sleep(150);
            return l;
        });
        assertFalse(log.contains("late child ran after its group was closed"), log.toString());
    }
}
