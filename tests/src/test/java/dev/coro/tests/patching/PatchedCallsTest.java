package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain blocking JDK calls inside coroutines suspend instead of blocking the loop (the agent's patch rewriter), and
 * behave exactly as the JDK's outside them.
 */
class PatchedCallsTest {

    @Coroutine
    static long napWithThreadSleep(long ms) throws InterruptedException {
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        return System.nanoTime() - t0;
    }

    @Test
    void threadSleepInCoroutinesOverlapsOnOneThread() {
        long start = System.nanoTime();
        List<String> threads = new ArrayList<>();
        Coro.run(() -> {
            List<Task<Long>> tasks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                tasks.add(Coro.spawn(() -> {
                    threads.add(Thread.currentThread().getName());
                    return napWithThreadSleep(100);
                }));
            }
            for (Task<Long> t : tasks) {
                assertTrue(t.join() >= TimeUnit.MILLISECONDS.toNanos(100), "each slept its full time");
            }
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 500, "ten 100 ms Thread.sleep calls did not overlap: " + ms + " ms");
        assertEquals(1, threads.stream().distinct().count(), "all on the loop thread");
    }

    @Test
    void threadSleepOutsideACoroutineIsTheJdkCall() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> napWithThreadSleep(-1));
        IllegalArgumentException jdk = assertThrows(IllegalArgumentException.class, () -> Thread.sleep(-1));
        assertEquals(jdk.getMessage(), e.getMessage());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> napWithThreadSleep(10));
        assertTrue(!Thread.interrupted(), "the JDK clears the flag when it throws");
    }

    @Test
    void negativeSleepInACoroutineFailsLikeTheJdk() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Coro.run(() -> napWithThreadSleep(-5)));
        assertEquals("timeout value is negative", e.getMessage());
    }

    @Coroutine
    static String waitFor(CompletableFuture<String> f) throws Exception {
        return f.get() + "/" + f.join();
    }

    @Test
    void futureGetSuspendsSoAnotherCoroutineOfTheSameLoopCanCompleteIt() {
        // blocking get() here would wait forever: the completing task runs on the same, blocked, thread
        String r = Coro.run(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            Task<String> waiter = Coro.spawn(() -> waitFor(f));
            Coro.spawn(() -> {
                Thread.sleep(20);
                f.complete("done");
            });
            return waiter.join();
        });
        assertEquals("done/done", r);
    }

    @Coroutine
    static String getWithTimeout(CompletableFuture<String> f, long ms) throws Exception {
        return f.get(ms, TimeUnit.MILLISECONDS);
    }

    @Test
    void futureGetWithTimeoutTimesOutLikeTheJdk() {
        // Coro.run wraps a checked exception of its body in TaskFailedException
        Throwable e = assertThrows(TaskFailedException.class,
                () -> Coro.run(() -> getWithTimeout(new CompletableFuture<>(), 30))).getCause();
        assertEquals(TimeoutException.class, e.getClass());
        assertThrows(TimeoutException.class, () -> getWithTimeout(new CompletableFuture<>(), 30));
    }

    @Coroutine
    static Object getFailing(CompletableFuture<String> f) throws Exception {
        return f.get();
    }

    @Test
    void aFailedFutureThrowsExecutionExceptionWithTheCause() {
        CompletableFuture<String> f = new CompletableFuture<>();
        IllegalStateException cause = new IllegalStateException("boom");
        Throwable e = assertThrows(TaskFailedException.class, () -> Coro.run(() -> {
            Coro.spawn(() -> {
                Coro.sleep(5);
                f.completeExceptionally(cause);
            });
            return getFailing(f);
        })).getCause();
        assertEquals(ExecutionException.class, e.getClass());
        assertEquals(cause, e.getCause());
    }
}
