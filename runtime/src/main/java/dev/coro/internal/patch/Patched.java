package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
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
        long n = TimeUnit.MILLISECONDS.toNanos(millis); // saturates: adding the nanos must not wrap
        Suspend.sleep(s, n >= dev.coro.internal.Nanos.FOREVER ? n : n + nanos);
    }

    /** {@code Thread.sleep(Duration)} (JDK 19): a negative duration does not wait, as the JDK's. */
    public static void sleep(java.time.Duration d, Stack s) throws InterruptedException {
        if (Suspend.isResuming(s)) {
            Suspend.sleep(s, 0);
            return;
        }
        if (s.task() == null) {
            NewerJdk.sleep(d);
            return;
        }
        long nanos = TimeUnit.NANOSECONDS.convert(d); // saturates; a null duration throws, as the JDK's
        if (nanos >= 0) {
            Suspend.sleep(s, nanos);
        }
    }

    public static void sleep(java.time.Duration d) throws InterruptedException {
        NewerJdk.sleep(d);
    }

    public static void yield(Stack s) {
        Suspend.yieldNow(s);
    }

    // ---- java.util.concurrent futures ----

    public static Object join(CompletableFuture<?> f, Stack s) {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.join();
        }
        CompletableFuture<?> done = awaitDone(Suspend.isResuming(s) ? null : f, s);
        return done == null ? null : done.join();
    }

    public static Object get(CompletableFuture<?> f, Stack s) throws InterruptedException, ExecutionException {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.get();
        }
        CompletableFuture<?> done = awaitDone(Suspend.isResuming(s) ? null : f, s);
        return done == null ? null : done.get();
    }

    public static Object get(CompletableFuture<?> f, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (!Suspend.isResuming(s) && (s.task() == null || f.isDone())) {
            return f.get(timeout, unit);
        }
        if (Suspend.isResuming(s)) {
            f = (CompletableFuture<?>) s.popA(); // this frame's state: arguments are gone on resume
        }
        // the timeout runs on a copy of the future, which ends the wait; then f itself says what it holds
        CompletableFuture<?> done = awaitDone(Suspend.isResuming(s) ? null : f.copy().orTimeout(timeout, unit), s);
        if (done == null) {
            s.pushA(f);
            return null;
        }
        if (f.isDone()) {
            return f.get();
        }
        throw new TimeoutException();
    }

    /**
     * Suspends until {@code f} is done and returns it, so that the caller asks {@code f} itself for its outcome and
     * gets the JDK's value and exceptions; returns null while suspending ({@code f} stays on the stack meanwhile).
     * A cancel or timeout of the task that ends the wait first is thrown as it is. On resume, {@code f} is ignored.
     */
    private static CompletableFuture<?> awaitDone(CompletableFuture<?> f, Stack s) {
        if (Suspend.isResuming(s)) {
            f = (CompletableFuture<?>) s.popA();
        }
        try {
            Blocking.await(s, f);
        } catch (RuntimeException | Error e) {
            if (!isFailureOf(f, e)) {
                throw e; // the task's own cancel or timeout
            }
        }
        if (Suspend.isSuspending(s)) {
            s.pushA(f);
            return null;
        }
        return f;
    }

    /** Whether {@code e}, thrown by a wait for {@code f}, is what {@code f} failed with (as the wait hands it over). */
    private static boolean isFailureOf(CompletableFuture<?> f, Throwable e) {
        if (!f.isCompletedExceptionally()) {
            return false;
        }
        Throwable cause;
        try {
            f.join();
            return false;
        } catch (CompletionException x) {
            cause = x.getCause();
        } catch (java.util.concurrent.CancellationException x) {
            cause = x;
        }
        return e == cause || e.getCause() == cause;
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

    /**
     * A child process's pipes, taken in a task: a read waits until the child writes, a write while the pipe is
     * full, so their reads and writes at patched call sites (and those of the readers, buffers and scanners made
     * around them there) run on a worker while the task suspends, as a URL's stream's do. Taken on a plain thread,
     * the JDK's own stream; read plainly, the wrapper is the JDK's stream call for call.
     */
    public static java.io.InputStream getInputStream(Process p) {
        return pipe(p.getInputStream());
    }

    public static java.io.InputStream getErrorStream(Process p) {
        return pipe(p.getErrorStream());
    }

    public static java.io.OutputStream getOutputStream(Process p) {
        java.io.OutputStream out = p.getOutputStream();
        return Stack.current().task() == null ? out : new OffloadedOutputStream(out);
    }

    /**
     * {@code Process.inputReader()} and {@code errorReader()}, with or without a charset: the JDK's reader (made
     * once, checked against the charset as the JDK does), seen in a task through a view whose reads at patched call
     * sites run on a worker.
     */
    public static java.io.BufferedReader inputReader(Process p) {
        return pipe(p.inputReader());
    }

    public static java.io.BufferedReader inputReader(Process p, java.nio.charset.Charset cs) {
        return pipe(p.inputReader(cs));
    }

    public static java.io.BufferedReader errorReader(Process p) {
        return pipe(p.errorReader());
    }

    public static java.io.BufferedReader errorReader(Process p, java.nio.charset.Charset cs) {
        return pipe(p.errorReader(cs));
    }

    private static java.io.BufferedReader pipe(java.io.BufferedReader r) {
        return Stack.current().task() == null ? r : new CoopFilters.PeerView(r);
    }

    private static java.io.InputStream pipe(java.io.InputStream in) {
        return Stack.current().task() == null ? in : new OffloadedInputStream(in);
    }
}
