package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for other threads' work that tells no one when it ends (patch group {@code futures}): a {@code Future} that
 * is not a {@code CompletableFuture} (an executor's {@code FutureTask}, a {@code ForkJoinTask}), a thread's
 * {@code join}, an executor's {@code invokeAll}, {@code invokeAny} and {@code awaitTermination}. Nothing can be
 * hooked onto such work, so gevent's threadpool way: in a task, a worker thread makes the JDK's own blocking call
 * while the task suspends ({@link Blocking#callInterruptibly}), and the task gets what the call returned or threw,
 * as soon as it does; if the task stops waiting (a cancel, a timeout), the worker is interrupted, as a blocked thread
 * would be. Work already done needs no worker: a done future, an ended thread. On a plain thread, and where a task
 * cannot suspend (inside {@code synchronized}: the forms without a Stack), each is the JDK call.
 */
public final class PatchedWaits {
    private PatchedWaits() {
    }

    // ---- Future ----

    public static Object get(Future<?> f, Stack s) throws InterruptedException, ExecutionException {
        if (Suspend.isResuming(s) ? s.peekA() instanceof CompletableFuture : f instanceof CompletableFuture) {
            return Patched.get((CompletableFuture<?>) f, s); // a callback ends its wait, no worker needed
        }
        if (!Suspend.isResuming(s) && (s.task() == null || isDone(f))) {
            return f.get();
        }
        return offload(s, Suspend.isResuming(s) ? null : f::get);
    }

    public static Object get(Future<?> f) throws InterruptedException, ExecutionException {
        return f.get();
    }

    /**
     * Whether {@code f} is done, asked only to spare a worker. A library's future may implement nothing but its
     * {@code get} (an adapter whose {@code isDone()} throws {@code UnsupportedOperationException}): the JDK call
     * never asks, so its answer must not fail the get; such a future is waited for by a worker.
     */
    private static boolean isDone(Future<?> f) {
        try {
            return f.isDone();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static Object get(Future<?> f, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (Suspend.isResuming(s) ? s.peekA() instanceof CompletableFuture : f instanceof CompletableFuture) {
            return Patched.get((CompletableFuture<?>) f, timeout, unit, s);
        }
        if (!Suspend.isResuming(s) && (s.task() == null || isDone(f) || timeout <= 0)) {
            return f.get(timeout, unit);
        }
        return offload(s, Suspend.isResuming(s) ? null : () -> f.get(timeout, unit));
    }

    public static Object get(Future<?> f, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(timeout, unit);
    }

    // ---- ForkJoinTask, ForkJoinPool ----

    /**
     * {@code ForkJoinTask.join()}: the worker waits with {@code get()} (a join cannot be interrupted), then the
     * task asks the finished task's own {@code join()} for the JDK's result or exception.
     */
    public static Object join(ForkJoinTask<?> t, Stack s) {
        if (Suspend.isResuming(s)) {
            t = (ForkJoinTask<?>) s.popA();
        } else if (s.task() == null || t.isDone()) {
            return t.join();
        }
        awaitDone(s, Suspend.isResuming(s) ? null : t);
        if (Suspend.isSuspending(s)) {
            s.pushA(t);
            return null;
        }
        return t.join();
    }

    public static Object join(ForkJoinTask<?> t) {
        return t.join();
    }

    /** {@code ForkJoinPool.invoke(task)}: the task is handed over here, then joined as above. */
    public static Object invoke(ForkJoinPool p, ForkJoinTask<?> t, Stack s) {
        if (!Suspend.isResuming(s)) {
            if (s.task() == null) {
                return p.invoke(t);
            }
            p.execute(t); // what invoke does before it joins; a rejection is thrown here, as from invoke
        }
        return join(t, s);
    }

    public static Object invoke(ForkJoinPool p, ForkJoinTask<?> t) {
        return p.invoke(t);
    }

    /** Suspends until {@code t} is done, whatever its outcome (asked of {@code t} afterwards). */
    private static void awaitDone(Stack s, ForkJoinTask<?> t) {
        offload(s, Suspend.isResuming(s) ? null : () -> {
            try {
                t.get();
            } catch (ExecutionException | CancellationException e) {
                // done: its own join() throws what the JDK's would
            }
            return null;
        });
    }

    // ---- ExecutorService ----

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List invokeAll(ExecutorService e, Collection tasks, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return e.invokeAll(tasks);
        }
        return (List) offload(s, Suspend.isResuming(s) ? null : () -> e.invokeAll(tasks));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List invokeAll(ExecutorService e, Collection tasks) throws InterruptedException {
        return e.invokeAll(tasks);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List invokeAll(ExecutorService e, Collection tasks, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return e.invokeAll(tasks, timeout, unit);
        }
        return (List) offload(s, Suspend.isResuming(s) ? null
                : () -> e.invokeAll(tasks, timeout, unit));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List invokeAll(ExecutorService e, Collection tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return e.invokeAll(tasks, timeout, unit);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object invokeAny(ExecutorService e, Collection tasks, Stack s)
            throws InterruptedException, ExecutionException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return e.invokeAny(tasks);
        }
        return offload(s, Suspend.isResuming(s) ? null : () -> e.invokeAny(tasks));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object invokeAny(ExecutorService e, Collection tasks)
            throws InterruptedException, ExecutionException {
        return e.invokeAny(tasks);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object invokeAny(ExecutorService e, Collection tasks, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return e.invokeAny(tasks, timeout, unit);
        }
        return offload(s, Suspend.isResuming(s) ? null : () -> e.invokeAny(tasks, timeout, unit));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object invokeAny(ExecutorService e, Collection tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return e.invokeAny(tasks, timeout, unit);
    }

    public static boolean awaitTermination(ExecutorService e, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || isTerminated(e) || timeout <= 0)) {
            return e.awaitTermination(timeout, unit);
        }
        Object done = offload(s, Suspend.isResuming(s) ? null
                : () -> e.awaitTermination(timeout, unit));
        return done != null && (Boolean) done;
    }

    public static boolean awaitTermination(ExecutorService e, long timeout, TimeUnit unit)
            throws InterruptedException {
        return e.awaitTermination(timeout, unit);
    }

    /** As {@link #isDone}: a library's executor may implement {@code awaitTermination} but not this. */
    private static boolean isTerminated(ExecutorService e) {
        try {
            return e.isTerminated();
        } catch (RuntimeException x) {
            return false;
        }
    }

    // ---- Thread ----

    public static void join(Thread t, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !t.isAlive())) {
            t.join();
            return;
        }
        offload(s, Suspend.isResuming(s) ? null : () -> {
            t.join();
            return null;
        });
    }

    public static void join(Thread t) throws InterruptedException {
        t.join();
    }

    public static void join(Thread t, long millis, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !t.isAlive() || millis < 0)) {
            t.join(millis); // the JDK's argument check, or a thread already ended (0 waits for ever: below)
            return;
        }
        offload(s, Suspend.isResuming(s) ? null : () -> {
            t.join(millis);
            return null;
        });
    }

    public static void join(Thread t, long millis) throws InterruptedException {
        t.join(millis);
    }

    public static void join(Thread t, long millis, int nanos, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !t.isAlive() || millis < 0 || nanos < 0
                || nanos > 999_999)) {
            t.join(millis, nanos); // the JDK's argument checks, or a thread already ended
            return;
        }
        offload(s, Suspend.isResuming(s) ? null : () -> {
            t.join(millis, nanos);
            return null;
        });
    }

    public static void join(Thread t, long millis, int nanos) throws InterruptedException {
        t.join(millis, nanos);
    }

    /** {@code Thread.join(Duration)} (JDK 19): whether the thread ended. */
    public static boolean join(Thread t, Duration d, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || !t.isAlive() || d.isNegative() || d.isZero())) {
            return NewerJdk.join(t, d); // an ended or unstarted thread (that throws), or no wait at all
        }
        Object ended = offload(s, Suspend.isResuming(s) ? null : () -> NewerJdk.join(t, d));
        return ended != null && (Boolean) ended;
    }

    public static boolean join(Thread t, Duration d) throws InterruptedException {
        return NewerJdk.join(t, d);
    }

    /**
     * {@code ExecutorService.close()} (JDK 19): waits until the executor's work is done, interrupting it all if the
     * waiting task is cancelled meanwhile, as the JDK's does for an interrupted thread.
     */
    public static void close(ExecutorService e, Stack s) {
        if (!Suspend.isResuming(s) && (s.task() == null || e.isTerminated() || e == ForkJoinPool.commonPool())) {
            NewerJdk.close(e);
            return;
        }
        offload(s, Suspend.isResuming(s) ? null : () -> {
            NewerJdk.close(e);
            return null;
        });
    }

    public static void close(ExecutorService e) {
        NewerJdk.close(e);
    }

    // ---- CyclicBarrier, Phaser (group sync): the worker is the party that waits ----

    public static int await(CyclicBarrier b, Stack s) throws InterruptedException, BrokenBarrierException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return b.await();
        }
        // each party a thread of its own: see Blocking.PARTIES
        Object r = offload(s, Suspend.isResuming(s) ? null : b::await, Blocking.PARTIES);
        return r == null ? 0 : (Integer) r;
    }

    public static int await(CyclicBarrier b) throws InterruptedException, BrokenBarrierException {
        return b.await();
    }

    public static int await(CyclicBarrier b, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return b.await(timeout, unit);
        }
        Object r = offload(s, Suspend.isResuming(s) ? null : () -> b.await(timeout, unit), Blocking.PARTIES);
        return r == null ? 0 : (Integer) r;
    }

    public static int await(CyclicBarrier b, long timeout, TimeUnit unit)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        return b.await(timeout, unit);
    }

    /**
     * {@code Phaser.arriveAndAwaitAdvance()}: "equivalent in effect to {@code awaitAdvance(arrive())}", so the task
     * arrives here, at once, and a worker waits for the advance (interruptibly: a task that gives up frees it).
     */
    public static int arriveAndAwaitAdvance(Phaser p, Stack s) {
        int phase;
        if (Suspend.isResuming(s)) {
            phase = 0; // the worker's wait, set up before the suspension, is what resumes
        } else if (s.task() == null) {
            return p.arriveAndAwaitAdvance();
        } else {
            // The JDK's returns the next phase to the party whose arrival advances the phaser, even if that advance
            // terminates it (onAdvance true), while the parties it releases get the negative phase: awaitAdvance
            // below would give the negative one. Only one party is left to arrive: this one (in a root phaser; a
            // child's last arrival is its parent's arrival, which need not advance it).
            boolean last = p.getParent() == null && p.getUnarrivedParties() == 1;
            phase = p.arrive();
            if (last && phase >= 0 && p.getPhase() != phase) {
                return (phase + 1) & Integer.MAX_VALUE;
            }
        }
        return awaitAdvance(p, phase, s);
    }

    public static int arriveAndAwaitAdvance(Phaser p) {
        return p.arriveAndAwaitAdvance();
    }

    public static int awaitAdvance(Phaser p, int phase, Stack s) {
        if (!Suspend.isResuming(s) && (s.task() == null || phase < 0 || p.getPhase() != phase)) {
            return p.awaitAdvance(phase); // a plain thread, or nothing to wait for
        }
        Object r = offload(s, Suspend.isResuming(s) ? null : () -> p.awaitAdvanceInterruptibly(phase));
        return r == null ? 0 : (Integer) r;
    }

    public static int awaitAdvance(Phaser p, int phase) {
        return p.awaitAdvance(phase);
    }

    public static int awaitAdvanceInterruptibly(Phaser p, int phase, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (s.task() == null || phase < 0 || p.getPhase() != phase)) {
            return p.awaitAdvanceInterruptibly(phase);
        }
        Object r = offload(s, Suspend.isResuming(s) ? null : () -> p.awaitAdvanceInterruptibly(phase));
        return r == null ? 0 : (Integer) r;
    }

    public static int awaitAdvanceInterruptibly(Phaser p, int phase) throws InterruptedException {
        return p.awaitAdvanceInterruptibly(phase);
    }

    public static int awaitAdvanceInterruptibly(Phaser p, int phase, long timeout, TimeUnit unit, Stack s)
            throws InterruptedException, TimeoutException {
        if (!Suspend.isResuming(s) && (s.task() == null || phase < 0 || p.getPhase() != phase)) {
            return p.awaitAdvanceInterruptibly(phase, timeout, unit);
        }
        Object r = offload(s, Suspend.isResuming(s) ? null : () -> p.awaitAdvanceInterruptibly(phase, timeout, unit));
        return r == null ? 0 : (Integer) r;
    }

    public static int awaitAdvanceInterruptibly(Phaser p, int phase, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException {
        return p.awaitAdvanceInterruptibly(phase, timeout, unit);
    }

    // ---- the offloaded call ----

    /**
     * The call's outcome, made on a worker of {@link Blocking#WAITS}; whatever it throws is thrown here as it is, as
     * the JDK call would throw it (each twin declares what its JDK call declares). That includes a checked exception
     * the call does not declare: the JDK's classes throw none, but a library's future or executor may (a sneaky
     * throw, as Lombok's {@code @SneakyThrows}), and the JDK call would hand it to the caller unchanged. An
     * interrupt of the worker never reaches the task: the worker is interrupted only once its task gave up waiting.
     */
    private static Object offload(Stack s, Callable<?> call) {
        return offload(s, call, Blocking.WAITS);
    }

    private static Object offload(Stack s, Callable<?> call, java.util.concurrent.Executor workers) {
        try {
            return Blocking.callInterruptibly(s, call, workers);
        } catch (Exception e) {
            throw PatchedWaits.<RuntimeException>thrown(e);
        }
    }

    /** Throws {@code e} as it is, whatever its type. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E thrown(Throwable e) throws E {
        throw (E) e;
    }
}
