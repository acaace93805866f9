package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Task;
import dev.coro.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Base of the loop-primitive tests. Every test must run without a single coro warning (something ran pinned, or a
 * task failed with nobody joining it). Helpers start a second loop on its own thread ("loop B") and plain threads, and
 * collect what they return or throw, so one test can make a coroutine on one loop wait for another loop or thread.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class PrimitiveTest {
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private java.util.function.Consumer<String> previousSink;

    @BeforeEach
    void captureCoroWarnings() {
        previousSink = Diagnostics.setSink(warnings::add);
    }

    /** The coro warnings so far, which a test expected: they no longer count against it. */
    List<String> takeWarnings() {
        synchronized (warnings) {
            List<String> taken = new ArrayList<>(warnings);
            warnings.clear();
            return taken;
        }
    }

    @AfterEach
    void expectNoCoroWarnings() {
        Diagnostics.setSink(previousSink);
        assertEquals(List.of(), new ArrayList<>(warnings),
                "coro warnings: something ran pinned instead of suspending, or a task failed unobserved");
    }

    /** Runs {@code body} as the first task of a new loop on a new thread; the future gets its value or exception. */
    static <T> CompletableFuture<T> loopThread(String name, CoroutineCallable<T> body) {
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

    /** {@link #loopThread} for a body without a value. */
    static CompletableFuture<Void> loopThread(String name, CoroutineRunnable body) {
        return loopThread(name, () -> {
            body.run();
            return null;
        });
    }

    /** Runs {@code body} on a new plain thread (no loop: coro primitives block it). */
    static <T> CompletableFuture<T> plainThread(String name, Callable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /**
     * Runs {@code body} in {@code Coro.run} on this thread while a plain thread holds {@code primitive}'s monitor, the
     * lock its operations take once shared; returns the body's value, and fails if the loop needed that monitor (it
     * could not finish while the monitor was held: 10 s).
     */
    static <T> T runWhileItsMonitorIsHeld(Object primitive, CoroutineCallable<T> body) throws Exception {
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch loopDone = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Boolean> doneWhileHeld = plainThread("monitor-holder", () -> {
            synchronized (primitive) {
                held.countDown();
                return loopDone.await(10, TimeUnit.SECONDS);
            }
        });
        org.junit.jupiter.api.Assertions.assertTrue(held.await(10, TimeUnit.SECONDS));
        T value;
        try {
            value = Coro.run(body);
        } finally {
            loopDone.countDown();
        }
        org.junit.jupiter.api.Assertions.assertTrue(get(doneWhileHeld), "the loop waited for the monitor of " + primitive);
        return value;
    }

    /** The future's value within 15 s; its exception rethrown as it is. */
    static <T> T get(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception) {
                throw (Exception) c;
            }
            throw (Error) c;
        } catch (TimeoutException e) {
            throw new AssertionError("a loop or thread of the test did not finish within 15 s", e);
        }
    }

    /** The exception the future failed with (asserted to be of {@code type}). */
    static <E extends Throwable> E failureOf(Class<E> type, CompletableFuture<?> f) throws Exception {
        try {
            Object v = f.get(15, TimeUnit.SECONDS);
            throw new AssertionError("expected " + type.getSimpleName() + ", but it returned " + v);
        } catch (ExecutionException e) {
            return assertInstanceOf(type, e.getCause());
        }
    }

    /**
     * Runs {@code body} in the calling coroutine and returns what it threw, asserted to be a {@code type}; fails if it
     * returned normally. (JUnit's assertThrows takes a plain lambda, which cannot suspend.)
     */
    @Coroutine
    static <E extends Throwable> E thrownBy(Class<E> type, CoroutineRunnable body) {
        Throwable thrown = null;
        try {
            body.run();
        } catch (Throwable e) {
            thrown = e;
        }
        assertNotNull(thrown, "expected " + type.getSimpleName() + ", but nothing was thrown");
        return assertInstanceOf(type, thrown);
    }

    /**
     * Spawns a task that waits for {@code tasks}, so that their failures are observed (a task that fails while nobody
     * waits for it is reported as a warning); their outcomes are for the test to check with join() afterwards.
     */
    static Task<Void> observe(Task<?>... tasks) {
        return Coro.spawn(() -> {
            try {
                Coro.joinAll(tasks);
            } catch (RuntimeException expected) {
                // the test joins them itself
            }
        });
    }

    /** Lets every other ready task of the loop run {@code n} times over. */
    @Coroutine
    static void yields(int n) {
        for (int i = 0; i < n; i++) {
            Coro.yield();
        }
    }

    static long msSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Sleeps a plain thread. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
