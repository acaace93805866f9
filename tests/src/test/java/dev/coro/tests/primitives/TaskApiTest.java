package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Coro#spawnLater}, and the task API for code outside coro: onComplete, exception, toCompletableFuture. */
class TaskApiTest extends PrimitiveTest {

    // ---- what a finished task keeps ----

    @Test
    void aFinishedTaskKeptByItsCallerNoLongerHoldsWhatItsBodyCaptured() throws Exception {
        java.lang.ref.WeakReference<byte[]>[] captured = new java.lang.ref.WeakReference[1];
        Task<Integer> done = Coro.run(() -> {
            byte[] big = new byte[1 << 20];
            captured[0] = new java.lang.ref.WeakReference<>(big);
            Task<Integer> t = Coro.spawn(() -> big.length);
            assertEquals(1 << 20, t.join());
            return t;
        });
        assertEquals(1 << 20, done.join(), "the result stays");
        for (int i = 0; i < 50 && captured[0].get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(captured[0].get() == null, "the body's captured array is still reachable from the finished task");
    }

    // ---- spawnLater ----

    @Test
    void spawnLaterRunsTheBodyAfterTheDelay() {
        long[] startedAfter = new long[2];
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            long start = System.nanoTime();
            Task<String> late = Coro.spawnLater(Duration.ofMillis(60), () -> {
                startedAfter[0] = msSince(start);
                l.add("late");
                return "late value";
            });
            Task<Void> early = Coro.spawnLater(Duration.ofMillis(20), () -> {
                startedAfter[1] = msSince(start);
                l.add("early");
            });
            Coro.yield();
            assertFalse(late.isDone());
            assertEquals(List.of(), l, "a delayed task ran at once");
            assertEquals("late value", late.join());
            early.join();
            return l;
        });
        assertEquals(List.of("early", "late"), log);
        assertTrue(startedAfter[0] >= 59, "started after " + startedAfter[0] + " ms instead of 60");
        assertTrue(startedAfter[1] >= 19, "started after " + startedAfter[1] + " ms instead of 20");
    }

    @Test
    void aDelayedTaskCancelledBeforeItsTimeNeverRuns() {
        boolean[] ran = {false};
        Coro.run(() -> {
            Task<Void> t = Coro.spawnLater(Duration.ofMillis(30), () -> {
                ran[0] = true;
            });
            Coro.sleep(5);
            assertTrue(t.cancel());
            thrownBy(CancellationException.class, () -> t.join());
            assertTrue(t.isCancelled());
            Coro.sleep(60); // past its start time
        });
        assertFalse(ran[0], "a cancelled delayed task ran");
    }

    @Test
    void spawnLaterRefusesANegativeDelay() {
        Coro.run(() -> {
            assertThrows(IllegalArgumentException.class, () -> Coro.spawnLater(Duration.ofMillis(-1), () -> 1));
        });
    }

    // ---- onComplete, exception ----

    @Test
    void onCompleteRunsOnceWhenTheTaskEndsOrAtOnceIfItHasEnded() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<String> t = Coro.spawn("worker", () -> {
                Coro.sleep(10);
                l.add("body done");
                return "v";
            });
            t.onComplete(done -> l.add("callback 1: " + done.name() + " " + done.isDone() + " same " + (done == t)));
            t.join();
            t.onComplete(done -> l.add("callback 2: at once"));
            l.add("after join");
            return l;
        });
        assertEquals(List.of("body done", "callback 1: worker true same true", "callback 2: at once", "after join"),
                log);
    }

    @Test
    void callbacksRunInTheOrderTheyWereAddedAndJoinersResumeInTheOrderTheyJoined() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(10);
                return "v";
            });
            List<Task<Void>> joiners = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                t.onComplete(done -> l.add("callback " + id));
                joiners.add(Coro.spawn(() -> {
                    t.join();
                    l.add("joiner " + id);
                }));
            }
            for (Task<Void> j : joiners) {
                j.join();
            }
            return l;
        });
        assertEquals(List.of("callback 0", "callback 1", "callback 2", "callback 3",
                "joiner 0", "joiner 1", "joiner 2", "joiner 3"), log);
    }

    @Test
    void exceptionIsNullWhileRunningOnSuccessAndWhenCancelledAndTheFailureOtherwise() {
        IllegalStateException boom = new IllegalStateException("boom");
        IOException io = new IOException("io");
        Coro.run(() -> {
            Task<String> ok = Coro.spawn(() -> {
                Coro.yield();
                return "ok";
            });
            Task<String> failed = Coro.spawn(() -> {
                Coro.yield();
                throw boom;
            });
            Task<String> checked = Coro.spawn(() -> {
                Coro.yield();
                throw io;
            });
            Task<String> cancelled = Coro.spawn(() -> {
                Coro.sleep(10_000);
                return "never";
            });
            assertNull(ok.exception());
            assertNull(failed.exception(), "exception() before the task ended");
            observe(failed, checked);
            Coro.sleep(5);
            cancelled.cancel();
            assertEquals("ok", ok.join());
            thrownBy(IllegalStateException.class, () -> failed.join());
            thrownBy(dev.coro.TaskFailedException.class, () -> checked.join());
            thrownBy(CancellationException.class, () -> cancelled.join());
            assertNull(ok.exception());
            assertSame(boom, failed.exception());
            assertSame(io, checked.exception(), "exception() is the task's own, not the join wrapper");
            assertNull(cancelled.exception());
            assertTrue(cancelled.isCancelled());
            assertFalse(failed.isCancelled());
        });
    }

    // ---- toCompletableFuture ----

    @Test
    void toCompletableFutureCompletesWithTheValueTheExceptionOrCancellation() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        List<CompletableFuture<String>> futures = Coro.run(() -> {
            Task<String> ok = Coro.spawn(() -> {
                Coro.sleep(5);
                return "ok";
            });
            Task<String> failed = Coro.spawn(() -> {
                Coro.sleep(5);
                throw boom;
            });
            Task<String> cancelled = Coro.spawn(() -> {
                Coro.sleep(10_000);
                return "never";
            });
            List<CompletableFuture<String>> l = List.of(ok.toCompletableFuture(), failed.toCompletableFuture(),
                    cancelled.toCompletableFuture());
            assertFalse(l.get(0).isDone());
            Coro.yield();
            cancelled.cancel();
            Coro.joinAll(ok, cancelledQuietly(cancelled));
            thrownBy(IllegalStateException.class, () -> failed.join());
            return l;
        });
        assertEquals("ok", futures.get(0).get(1, TimeUnit.SECONDS));
        ExecutionException e = assertThrows(ExecutionException.class, () -> futures.get(1).get(1, TimeUnit.SECONDS));
        assertSame(boom, e.getCause());
        assertTrue(futures.get(2).isCancelled());
    }

    /** As with an executor's future: cancelling the future, from any thread, cancels the task; its finally runs. */
    @Test
    void cancellingTheFutureOfATaskCancelsTheTask() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Task<String> task = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                try {
                    Coro.sleep(10_000);
                    return "slept";
                } finally {
                    log.add("finally");
                }
            });
            CompletableFuture<String> f = t.toCompletableFuture();
            Thread canceller = new Thread(() -> f.cancel(true));
            Coro.sleep(5);
            canceller.start();
            thrownBy(CancellationException.class, () -> t.join());
            return t;
        });
        assertTrue(task.isCancelled());
        assertEquals(List.of("finally"), log);
    }

    /** A task that completes when {@code t} does, whatever its outcome. */
    private static Task<Void> cancelledQuietly(Task<?> t) {
        return Coro.spawn(() -> {
            try {
                t.join();
            } catch (CancellationException expected) {
                // the point
            }
        });
    }

    @Test
    void aPlainThreadWaitsForATaskThroughItsFutureAndItsCallback() throws Exception {
        CompletableFuture<Task<Integer>> handOff = new CompletableFuture<>();
        List<String> callbacks = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Integer> viaFuture = plainThread("plain-waiter", () -> {
            Task<Integer> t = handOff.get(10, TimeUnit.SECONDS);
            t.onComplete(done -> callbacks.add("on " + Thread.currentThread().getName()));
            return t.toCompletableFuture().get(10, TimeUnit.SECONDS);
        });
        String loopThread = Thread.currentThread().getName();
        int r = Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Coro.sleep(50);
                return 7;
            });
            handOff.complete(t);
            return t.join();
        });
        assertEquals(7, r);
        assertEquals(7, get(viaFuture));
        // registered before the task ended (it sleeps 50 ms): run by the thread that completed it, the loop's
        assertEquals(List.of("on " + loopThread), callbacks);
        assertInstanceOf(Integer.class, get(viaFuture));
    }

    /** Cancelling a task that joins another cancels the joiner only: the target runs on and can still be joined. */
    @Test
    void cancellingAJoinerLeavesTheTaskItJoinsRunning() {
        Coro.run(() -> {
            Task<Integer> target = Coro.spawn(() -> {
                Coro.sleep(30);
                return 7;
            });
            Task<Integer> joiner = Coro.spawn(() -> target.join());
            yields(2);
            joiner.cancel();
            thrownBy(CancellationException.class, () -> joiner.join());
            assertFalse(target.isDone(), "the cancel of the joiner reached the task it joins");
            assertEquals(7, target.join());
        });
    }
}
