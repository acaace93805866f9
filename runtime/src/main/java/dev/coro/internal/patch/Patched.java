package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Cooperative twins of blocking JDK calls, for the agent's patch rewriter: inside rewritten code a call such as
 * {@code Thread.sleep(ms)} becomes {@code Patched.sleep(ms, stack)}. In a coroutine each one suspends on the loop;
 * outside one it does exactly what the JDK call does (same values, exceptions and messages). Instance methods take
 * their receiver as the first argument.
 */
public final class Patched {
    private Patched() {
    }

    // ---- plain forms: a patched call the agent kept blocking (inside synchronized) is exactly the JDK call ----

    public static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    public static void sleep(long millis, int nanos) throws InterruptedException {
        Thread.sleep(millis, nanos);
    }

    public static void yield() {
        Thread.yield();
    }

    public static Object join(CompletableFuture<?> f) {
        return f.join();
    }

    public static Object get(CompletableFuture<?> f) throws InterruptedException, ExecutionException {
        return f.get();
    }

    public static Object get(CompletableFuture<?> f, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(timeout, unit);
    }

    public static Object futureGet(Future<?> f) throws InterruptedException, ExecutionException {
        return f.get();
    }

    public static int waitFor(Process p) throws InterruptedException {
        return p.waitFor();
    }

    public static boolean waitFor(Process p, long timeout, TimeUnit unit) throws InterruptedException {
        return p.waitFor(timeout, unit);
    }

    // ---- java.lang.Thread ----

    public static void sleep(long millis, Stack s) throws InterruptedException {
        if (Suspend.isResuming(s)) {
            Suspend.sleep(s, 0);
            return;
        }
        if (s.task() == null) {
            Thread.sleep(millis);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        Suspend.sleep(s, TimeUnit.MILLISECONDS.toNanos(millis));
    }

    public static void sleep(long millis, int nanos, Stack s) throws InterruptedException {
        if (Suspend.isResuming(s)) {
            Suspend.sleep(s, 0);
            return;
        }
        if (s.task() == null) {
            Thread.sleep(millis, nanos);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        if (nanos < 0 || nanos > 999999) {
            throw new IllegalArgumentException("nanosecond timeout value out of range");
        }
        Suspend.sleep(s, TimeUnit.MILLISECONDS.toNanos(millis) + nanos);
    }

    public static void yield(Stack s) {
        Suspend.yieldNow(s);
    }

    // ---- java.util.concurrent futures ----

    public static Object join(CompletableFuture<?> f, Stack s) {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.join();
        }
        return Blocking.await(s, f);
    }

    public static Object get(CompletableFuture<?> f, Stack s) throws InterruptedException, ExecutionException {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.get();
        }
        try {
            return Blocking.await(s, f);
        } catch (CompletionException e) {
            throw new ExecutionException(e.getCause());
        } catch (RuntimeException e) {
            if (e instanceof java.util.concurrent.CancellationException) {
                throw e;
            }
            throw new ExecutionException(e);
        }
    }

    public static Object get(CompletableFuture<?> f, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.get(timeout, unit);
        }
        // the timeout runs on the future itself, so a plain get and a patched one fail alike
        CompletableFuture<?> bounded = Suspend.isResuming(s) ? null
                : f.copy().orTimeout(timeout, unit);
        try {
            return Blocking.await(s, bounded);
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof TimeoutException) {
                throw (TimeoutException) c;
            }
            throw new ExecutionException(c);
        } catch (RuntimeException e) {
            if (e instanceof java.util.concurrent.CancellationException) {
                throw e;
            }
            throw new ExecutionException(e);
        }
    }

    /** {@code Future.get()}: cooperative for a CompletableFuture, else the blocking call (reported as pinned). */
    public static Object futureGet(Future<?> f, Stack s) throws InterruptedException, ExecutionException {
        if (Suspend.isResuming(s) || f instanceof CompletableFuture) {
            return get((CompletableFuture<?>) f, s);
        }
        return f.get();
    }

    // ---- java.lang.Process ----

    /**
     * {@code Process.waitFor()}: a coroutine suspends on {@link Process#onExit()} (the JDK's process reaper
     * completes it); a plain thread, or a process already ended, gets the JDK call itself.
     */
    public static int waitFor(Process p, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !p.isAlive())) {
            return p.waitFor();
        }
        Object ended = Blocking.await(s, Suspend.isResuming(s) ? null : p.onExit());
        if (Suspend.isSuspending(s)) {
            return 0;
        }
        return ((Process) ended).exitValue();
    }

    /** {@code Process.waitFor(timeout, unit)}: as the JDK's, true once the process ended, false on timeout. */
    public static boolean waitFor(Process p, long timeout, TimeUnit unit, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !p.isAlive() || timeout <= 0)) {
            return p.waitFor(timeout, unit);
        }
        CompletableFuture<Object> bounded = null;
        if (!Suspend.isResuming(s)) {
            bounded = p.onExit().<Object>thenApply(x -> Boolean.TRUE).completeOnTimeout(Boolean.FALSE, timeout, unit);
        }
        Object ended = Blocking.await(s, bounded);
        if (Suspend.isSuspending(s)) {
            return false;
        }
        return (Boolean) ended || !p.isAlive();
    }
}
