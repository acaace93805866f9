package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Coro#blocking} (calls offloaded to worker threads) and {@link Coro#await} (futures). */
class OffloadTest extends PrimitiveTest {

    // ---- Coro.blocking ----

    @Test
    void blockingRunsOnAWorkerThreadWhileTheLoopRunsTheOthers() {
        String[] where = new String[2];
        int[] ticks = {0};
        long[] ms = new long[1];
        int r = Coro.run(() -> {
            long start = System.nanoTime();
            Task<Void> ticker = Coro.spawn(() -> {
                for (int i = 0; i < 10; i++) {
                    Coro.sleep(20);
                    ticks[0]++;
                }
            });
            int v = Coro.blocking(() -> {
                where[0] = Thread.currentThread().getName();
                Thread.sleep(300); // a call that really blocks its thread
                return 42;
            });
            where[1] = Thread.currentThread().getName();
            ticker.join();
            ms[0] = msSince(start);
            return v;
        });
        assertEquals(42, r);
        assertTrue(where[0].startsWith("coro-blocking-"), where[0]);
        assertEquals(Thread.currentThread().getName(), where[1], "the coroutine did not come back to its loop");
        assertTrue(ticks[0] >= 5, "the loop stood still during the blocking call: " + ticks[0] + " ticks");
        // one after the other: 300 + 200 ms; overlapped: about 300
        assertTrue(ms[0] < 0.8 * (300 + 200), "the ticker did not overlap the blocking call: " + ms[0] + " ms");
    }

    @Test
    void theWorkerThreadsAreDaemonsSoTheyNeverKeepTheProcessAlive() {
        boolean daemon = Coro.run(() -> Coro.blocking(() -> Thread.currentThread().isDaemon()));
        assertTrue(daemon, "a coro-blocking worker would keep the JVM alive after main returns");
    }

    @Test
    void thePoolIsBoundedAndCallsBeyondItsThreadsWaitTheirTurn() {
        int threads = Integer.getInteger("coro.blocking.threads",
                Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        int calls = threads + 8;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<String> names = ConcurrentHashMap.newKeySet();
        int done = Coro.run(() -> {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                tasks.add(Coro.spawn(() -> Coro.blocking(() -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    names.add(Thread.currentThread().getName());
                    Thread.sleep(100);
                    running.decrementAndGet();
                    return 1;
                })));
            }
            int sum = 0;
            for (Task<Integer> t : tasks) {
                sum += t.join();
            }
            return sum;
        });
        assertEquals(calls, done, "every call ran once");
        assertTrue(most.get() <= threads, most.get() + " calls ran at once on a pool of " + threads);
        assertTrue(most.get() > 1, "the calls did not overlap");
        assertTrue(names.size() <= threads, "ran on " + names.size() + " threads: " + names);
    }

    @Test
    void severalBlockingCallsOverlap() {
        long[] ms = new long[1];
        int sum = Coro.run(() -> {
            long start = System.nanoTime();
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                tasks.add(Coro.spawn(() -> Coro.blocking(() -> {
                    Thread.sleep(100);
                    return id;
                })));
            }
            int s = 0;
            for (Task<Integer> t : tasks) {
                s += t.join();
            }
            ms[0] = msSince(start);
            return s;
        });
        assertEquals(0 + 1 + 2 + 3, sum);
        assertTrue(ms[0] < 0.7 * 400, "the blocking calls ran one after another: " + ms[0] + " ms");
    }

    @Test
    void anUncheckedExceptionOfTheBlockingCallPropagatesAsItIs() {
        IllegalStateException boom = new IllegalStateException("in the worker");
        Throwable t = Coro.run(() -> thrownBy(IllegalStateException.class, () -> Coro.blocking(() -> {
            throw boom;
        })));
        assertSame(boom, t);
    }

    @Test
    void aCheckedExceptionOfTheBlockingCallPropagatesAsItIsAsOnAPlainThread() throws Exception {
        // Coro.blocking declares `throws Exception`: the call's own exception is what the caller gets
        IOException io = new IOException("disk");
        Throwable onPlainThread = null;
        try {
            Coro.blocking(() -> {
                throw io;
            });
        } catch (IOException e) {
            onPlainThread = e;
        }
        assertSame(io, onPlainThread);
        Throwable inCoroutine = Coro.run(() -> thrownBy(Exception.class, () -> Coro.blocking(() -> {
            throw io;
        })));
        assertSame(io, inCoroutine, "got " + inCoroutine);
    }

    @Test
    void cancellingATaskInABlockingCallThrowsCancellationExceptionAtOnce() {
        long start = System.nanoTime();
        CountDownLatch workerStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Coro.run(() -> {
            Task<Object> t = Coro.spawn(() -> Coro.blocking(() -> {
                workerStarted.countDown();
                return release.await(10, TimeUnit.SECONDS);
            }));
            Coro.blocking(() -> workerStarted.await(10, TimeUnit.SECONDS));
            t.cancel();
            thrownBy(CancellationException.class, () -> t.join());
            release.countDown();
        });
        assertTrue(msSince(start) < 5_000, "cancel waited for the worker");
    }

    /**
     * The loop ends while a task of it is still in a blocking call: the run returns at once (the task is cancelled),
     * the worker's late result goes nowhere without a report, and the pool serves the next loop with all its workers.
     */
    @Test
    void aLoopThatEndsDuringABlockingCallLeavesNothingBehind() throws Exception {
        CountDownLatch workerStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> workerDone = new CompletableFuture<>();
        long start = System.nanoTime();
        Coro.run(() -> {
            Coro.spawn(() -> Coro.blocking(() -> {
                workerStarted.countDown();
                boolean released = release.await(10, TimeUnit.SECONDS);
                workerDone.complete(released);
                return "late";
            }));
            Coro.blocking(() -> workerStarted.await(10, TimeUnit.SECONDS));
        }); // returns with the spawned task still in its call: ending the loop cancels it
        assertTrue(msSince(start) < 5_000, "the loop's end waited for the worker");
        release.countDown();
        assertTrue(workerDone.get(10, TimeUnit.SECONDS), "the worker's call did not run to its end");
        pause(50); // its result reaches the ended loop's door, if anything does
        Set<String> seen = ConcurrentHashMap.newKeySet();
        int sum = Coro.run(() -> {
            List<Task<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(Coro.spawn(() -> Coro.blocking(() -> {
                    seen.add(Thread.currentThread().getName());
                    return 1;
                })));
            }
            int n = 0;
            for (Task<Integer> t : calls) {
                n += t.join();
            }
            return n;
        });
        assertEquals(4, sum);
        assertTrue(seen.stream().allMatch(n -> n.startsWith("coro-blocking")), seen.toString());
    }

    // ---- Coro.await ----

    @Test
    void awaitReturnsTheValueOfACompletedFutureAndOfOneCompletedLaterByAnotherThread() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<Object> completer = plainThread("completer", () -> {
            Thread.sleep(50);
            later.complete("later");
            return null;
        });
        List<String> r = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            l.add(Coro.await(CompletableFuture.completedFuture("now")));
            long start = System.nanoTime();
            l.add(Coro.await(later)); // nothing else on this loop: only the completer thread can end the wait
            assertTrue(msSince(start) >= 30);
            return l;
        });
        get(completer);
        assertEquals(List.of("now", "later"), r);
    }

    @Test
    void awaitThrowsTheFuturesUncheckedExceptionAsItIsAndWrapsACheckedOne() {
        IllegalStateException boom = new IllegalStateException("boom");
        IOException io = new IOException("io");
        Coro.run(() -> {
            assertSame(boom, thrownBy(IllegalStateException.class,
                    () -> Coro.await(CompletableFuture.failedFuture(boom))));
            CompletableFuture<String> failsLater = new CompletableFuture<>();
            Coro.spawn(() -> {
                Coro.sleep(10);
                failsLater.completeExceptionally(boom);
            });
            assertSame(boom, thrownBy(IllegalStateException.class, () -> Coro.await(failsLater)));
            CompletionException wrapped = thrownBy(CompletionException.class,
                    () -> Coro.await(CompletableFuture.failedFuture(io)));
            assertSame(io, wrapped.getCause());
            CompletableFuture<String> ioLater = new CompletableFuture<>();
            Coro.spawn(() -> {
                Coro.sleep(10);
                ioLater.completeExceptionally(io);
            });
            assertSame(io, thrownBy(CompletionException.class, () -> Coro.await(ioLater)).getCause());
        });
    }

    @Test
    void awaitOnAPlainThreadBlocks() throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> waiter = plainThread("plain-waiter", () -> Coro.await(f));
        pause(30);
        assertTrue(!waiter.isDone());
        f.complete("done");
        assertEquals("done", get(waiter));
    }

    @Test
    void aCoroutineAwaitsTheFutureOfATaskOnAnotherLoop() throws Exception {
        CompletableFuture<Task<String>> taskOfB = new CompletableFuture<>();
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(40);
                return "from B";
            });
            taskOfB.complete(t);
            return t.join();
        });
        String r = Coro.run(() -> Coro.await(Coro.await(taskOfB).toCompletableFuture()));
        assertEquals("from B", r);
        assertEquals("from B", get(loopB));
    }

    @Test
    void cancellingATaskThatAwaitsAFutureThrowsAtOnceAndLeavesTheFutureAlone() {
        CompletableFuture<String> never = new CompletableFuture<>();
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> Coro.await(never));
            Coro.yield();
            t.cancel();
            thrownBy(CancellationException.class, () -> t.join());
        });
        assertTrue(!never.isDone(), "cancelling the waiter completed the future");
        never.complete("late"); // nobody listens any more: nothing happens
    }
}
