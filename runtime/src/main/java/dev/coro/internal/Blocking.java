package dev.coro.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Waits that another thread ends: calls offloaded to a bounded pool of worker threads (gevent's threadpool), and
 * futures. The pool's threads are daemons that retire after 30 s idle, so nothing lingers after the loop.
 */
public final class Blocking {
    private static final int THREADS = Settings.count("coro.blocking.threads",
            Math.max(8, 4 * Runtime.getRuntime().availableProcessors()), 1, 1 << 15);
    /** Its threads start from a starter thread of their own: a loop that hands a call over never starts one. */
    private static final Executor POOL = new Workers("coro-blocking-", THREADS);

    private Blocking() {
    }

    /** Runs {@code call} on a worker; a coroutine suspends meanwhile, a plain thread just calls it. */
    public static Object call(Stack s, Callable<?> call) throws Exception {
        return call(s, call, POOL, false);
    }

    /**
     * As {@link #call(Stack, Callable)} on {@code executor} rather than the bounded pool: for calls that may wait a
     * long time on a peer (a {@code Scanner} or {@code ObjectInputStream} over a socket), which must not take the
     * pool's few threads from short offloaded work. Pinned code (which cannot suspend) just makes the call.
     */
    public static Object call(Stack s, Callable<?> call, java.util.concurrent.Executor executor) throws Exception {
        return call(s, call, executor, true);
    }

    private static Object call(Stack s, Callable<?> call, java.util.concurrent.Executor executor, boolean pinnedCalls)
            throws Exception {
        if (s.mode == Stack.RESUMING) {
            try {
                return Suspend.resumeWait(s, null);
            } catch (Checked e) {
                throw Blocking.<Exception>thrown(e.getCause()); // a Throwable that is no Exception too, as it is
            }
        }
        if (s.task == null || pinnedCalls && s.pinned > 0) {
            return call.call();
        }
        WaitNode node = Suspend.prepareWait(s, "a blocking call on a worker thread"); // pinned: "cannot suspend"
        node.markExternal();
        executor.execute(() -> {
            if (!node.isWaiting()) {
                return; // its task gave up before it started
            }
            try {
                node.complete(call.call());
            } catch (Throwable e) {
                node.fail(e instanceof RuntimeException || e instanceof Error ? e : new Checked(e));
            } finally {
                // the call ran outside any task, as on a plain thread, but this thread serves every task next
                Carrier.get().plain.clearLocals();
            }
        });
        return null;
    }

    /**
     * Where a task's waits on another thread's work run ({@link #callInterruptibly}): a future's {@code get}, a
     * thread's {@code join}, an executor's {@code invokeAll}. Not the bounded pool: such a wait may last as long as
     * the work, and a thousand of them must not hold up offloaded calls; up to {@code coro.wait.threads} (default
     * 512) daemon threads, which go when idle.
     */
    public static final Executor WAITS = new Workers("coro-wait-", Settings.count("coro.wait.threads", 512, 1,
            1 << 15));

    /**
     * Where a task's party waits at a {@code CyclicBarrier}. Not {@link #WAITS}: a get's wait queued behind its cap
     * only starts late, but a barrier's party has not arrived until its call starts, so with more task parties than
     * the cap the calls queued behind the waiting ones never start and the barrier never trips (600 tasks meeting
     * at a barrier of 600 would all wait for good, which 600 threads do not). As a thread per waiting party is
     * what the barrier asks for anyway, no cap but the JVM's; the threads go when idle.
     */
    public static final Executor PARTIES = new Workers("coro-wait-party-", 1 << 15);

    /**
     * Makes the blocking call {@code call} on a worker of {@code workers} ({@link #WAITS}, or {@link #PARTIES})
     * while the task suspends: its result, or null while {@code s} is suspending (called again on resume, it returns
     * the result or throws what the call threw, as it was thrown). If the task stops waiting first (its cancel or
     * timeout, thrown here), the worker is interrupted, as a thread blocked in the call would be: a {@code get} or
     * {@code join} ends at once, an {@code invokeAll} cancels the work it has not finished. A plain thread, or a task
     * that cannot suspend, just makes the call.
     */
    public static Object callInterruptibly(Stack s, Callable<?> call, Executor workers) throws Exception {
        Interruptible c = s.mode == Stack.RESUMING ? (Interruptible) s.popA() : new Interruptible(call);
        Object result;
        try {
            result = call(s, s.mode == Stack.RESUMING ? null : c, workers, true);
        } catch (Throwable e) {
            c.interrupt(); // nothing left to interrupt if the call itself threw
            throw e;
        }
        if (s.mode == Stack.SUSPENDING) {
            s.pushA(c);
        }
        return result;
    }

    /** A call a worker makes for a task, which the task can interrupt once it no longer waits for it. */
    private static final class Interruptible implements Callable<Object> {
        private final Callable<?> call;
        /** The worker while it makes the call; guarded by this. */
        private Thread runner;
        private boolean interrupted;

        Interruptible(Callable<?> call) {
            this.call = call;
        }

        @Override
        public Object call() throws Exception {
            synchronized (this) {
                if (interrupted) {
                    throw new InterruptedException("the waiting task gave up before the call started");
                }
                runner = Thread.currentThread();
            }
            try {
                return call.call();
            } finally {
                synchronized (this) {
                    runner = null; // the worker clears a late interrupt before its next call
                }
            }
        }

        synchronized void interrupt() {
            interrupted = true;
            if (runner != null) {
                runner.interrupt();
            }
        }
    }

    /**
     * Runs {@code r} on the pool, for waits that several callers may share (a TLS engine's delegated tasks): wait
     * for the future with {@link #await}.
     */
    public static java.util.concurrent.CompletableFuture<Void> runAsync(Runnable r) {
        return java.util.concurrent.CompletableFuture.runAsync(r, POOL);
    }

    /** Suspends until {@code stage} completes; its exception is thrown unwrapped if unchecked. */
    public static Object await(Stack s, CompletionStage<?> stage) {
        if (s.mode == Stack.RESUMING) {
            return Suspend.resumeWait(s, null);
        }
        if (s.task == null) {
            try {
                return stage.toCompletableFuture().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException("interrupted while waiting for a future");
            } catch (ExecutionException e) {
                throw unwrap(e.getCause());
            }
        }
        java.util.concurrent.CompletableFuture<?> f = stage.toCompletableFuture();
        if (f.isDone()) {
            try {
                return f.join();
            } catch (CompletionException e) {
                throw unwrap(e.getCause());
            }
        }
        WaitNode node = Suspend.prepareWait(s, "a future");
        node.markExternal();
        stage.whenComplete((v, e) -> {
            if (e == null) {
                node.complete(v);
            } else {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                // an Error is handed over as it is: unwrap would throw it here, into the future, which swallows it
                node.fail(c instanceof Error ? c : unwrap(c));
            }
        });
        return null;
    }

    /** Throws {@code e} as it is, whatever its type: what the call threw, on the caller's side. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E thrown(Throwable e) throws E {
        throw (E) e;
    }

    /** Carries a checked exception of an offloaded call back to the loop, where it is thrown as it was. */
    private static final class Checked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Checked(Throwable cause) {
            super(cause);
        }
    }

    private static RuntimeException unwrap(Throwable e) {
        if (e instanceof RuntimeException) {
            return (RuntimeException) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
        return new CompletionException(e);
    }
}
