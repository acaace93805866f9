package dev.coro.internal;

import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Task;
import dev.coro.TaskFailedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;

/**
 * A task: one coroutine's entry point, its {@link Stack} once it has suspended, and its life cycle on its
 * {@link Loop}.
 *
 * <p>The states and who moves between them: {@code NEW -> READY} when spawned; {@code READY -> RUNNING -> READY |
 * SUSPENDED | DONE} only on the loop thread, in {@link Loop#resume}; {@code SUSPENDED -> READY} only on the loop
 * thread, through {@link Loop#wake}. Other threads never change the state: they post work to the loop.
 */
public final class CoTask<T> implements Task<T> {
    static final byte NEW = 0;
    static final byte READY = 1;
    static final byte RUNNING = 2;
    static final byte SUSPENDED = 3;
    static final byte DONE = 4;

    private static final byte SUCCEEDED = 0;
    private static final byte FAILED = 1;
    private static final byte CANCELLED = 2;

    private static final VarHandle WAITERS;
    private static final VarHandle EXTRAS;
    private static final java.util.concurrent.atomic.AtomicLong TASK_NUMBERS = new java.util.concurrent.atomic.AtomicLong();

    static {
        try {
            WAITERS = MethodHandles.lookup().findVarHandle(CoTask.class, "waiters", Object.class);
            EXTRAS = MethodHandles.lookup().findVarHandle(CoTask.class, "extras", Extras.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Marks the waiter list of a finished task: late waiters run at once. */
    private static final Object COMPLETED = new Object();

    /*
     * Every field counts: a program may hold a million of these at once (and the collector copies them), so the
     * object is kept at 48 bytes. What most tasks never need lives in {@link Extras}; frame storage and the current
     * wait live in the stack a task gets when it first suspends; the body and the outcome share a field; the state is
     * a byte.
     */

    final Loop loop;
    /**
     * The body until the task is done; then the value it returned, or the Throwable it failed with ({@link #outcome}).
     * Dropping the body at the end also means a kept Task does not keep what the body captured.
     */
    private Object entryOrOutcome;
    /** A given name, the sleep timer, a fired timeout; null until one is needed. */
    private volatile Extras extras;

    /**
     * Its own frames and current wait, from its first suspension until it is done; null before (it runs on its
     * loop's spare stack) and after. Always set while it is SUSPENDED. Loop thread only.
     */
    Stack stack;

    /** Loop thread only; other threads learn of completion through {@link #isDone()}. */
    byte state = NEW;
    /** How it ended, once DONE: {@link #SUCCEEDED}, {@link #FAILED} or {@link #CANCELLED}. */
    private byte outcome;
    volatile boolean cancelRequested;
    /** Bumped at every suspension, so a wake meant for an earlier wait is ignored. Loop thread only. */
    int waitSeq;

    /** Its failure was thrown to somebody by a join. */
    private volatile boolean failureSeen;
    private volatile Object waiters;

    /** Intrusive list of the loop's live tasks: no allocation to track them. */
    CoTask<?> prevLive, nextLive;

    CoTask(Loop loop, Object entry, String name, Object[] locals) {
        this.loop = loop;
        this.entryOrOutcome = entry;
        if (name != null || locals != null) {
            Extras x = new Extras(this, name);
            x.locals = locals;
            EXTRAS.set(this, x); // a plain write: no fence for a task nobody else sees yet
        }
    }

    /**
     * The parts of a task that most tasks never need, so that those do not pay for them: the timer it sleeps on (the
     * object is that timer, reused for every sleep and timed wait: a sleeper needs no second object), a timeout that
     * fired, a name.
     */
    static final class Extras extends TimerNode {
        private static final VarHandle NAME;

        static {
            try {
                NAME = MethodHandles.lookup().findVarHandle(Extras.class, "name", String.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final CoTask<?> task;
        /** The wait the timer ends, when it fires; loop thread only. */
        int seq;
        /** Given at spawn, or drawn when first asked for; any thread. */
        private volatile String name;
        /** A timeout that expired and is to be thrown at the next suspension point; loop thread only. */
        TimeoutTimer firedTimeout;
        /** Its open timeouts, the innermost first (linked by {@link TimeoutTimer#outer}); loop thread only. */
        TimeoutTimer openTimeouts;
        /** Its coroutine-locals' values (see {@link Stack#local}); loop thread only. */
        Object[] locals;
        /** Of its joining tasks when it failed, those that may still look at the failure; guarded by this. */
        int joinersLeft;
        /** The tasks a join threw its failure to (see {@link #failureThrownTo}); guarded by this. */
        private java.util.Set<CoTask<?>> failureThrownTo;

        Extras(CoTask<?> task, String name) {
            this.task = task;
            this.name = name;
        }

        @Override
        void fire(Loop loop) {
            loop.wake(task, seq);
        }
    }

    /** Its extras, made on first need; any thread. */
    private Extras extras() {
        Extras x = extras;
        if (x == null) {
            x = new Extras(this, null);
            Extras raced = (Extras) EXTRAS.compareAndExchange(this, null, x);
            if (raced != null) {
                x = raced;
            }
        }
        return x;
    }

    /** A timeout that expired and is to be thrown at the next suspension point, or null. Loop thread only. */
    TimeoutTimer firedTimeout() {
        Extras x = extras;
        return x == null ? null : x.firedTimeout;
    }

    void setFiredTimeout(TimeoutTimer t) {
        Extras x = t == null ? extras : extras();
        if (x != null) {
            x.firedTimeout = t;
        }
    }

    /** Its open timeouts, innermost first, or null. Loop thread only. */
    TimeoutTimer openTimeouts() {
        Extras x = extras;
        return x == null ? null : x.openTimeouts;
    }

    void setOpenTimeouts(TimeoutTimer t) {
        Extras x = t == null ? extras : extras();
        if (x != null) {
            x.openTimeouts = t;
        }
    }

    /** Its coroutine-locals' values, or null if none was ever set. Loop thread only. */
    Object[] locals() {
        Extras x = extras;
        return x == null ? null : x.locals;
    }

    void setLocal(int index, Object value) {
        Object[] l = locals();
        Object[] now = Stack.withLocal(l, index, value);
        if (now != l) {
            extras().locals = now;
        }
    }

    /**
     * Runs or resumes the body on {@code s}, the current stack. A lambda the agent retargeted goes straight to its
     * twin; any other entry goes through its stub, armed so that the stub knows it is the task's root and not plain
     * code.
     */
    @SuppressWarnings("unchecked")
    T invokeEntry(Stack s) throws Exception {
        Object e = entryOrOutcome;
        if (e instanceof StackCallable) {
            return ((StackCallable<T>) e).call(s);
        }
        if (e instanceof StackRunnable) {
            ((StackRunnable) e).run(s);
            return null;
        }
        s.armed = true;
        try {
            if (e instanceof CoroutineCallable) {
                return ((CoroutineCallable<T>) e).call();
            }
            ((CoroutineRunnable) e).run();
            return null;
        } finally {
            s.armed = false;
        }
    }

    /** On its loop's thread, while it runs: it handed work to another thread (see PatchedThreads). */
    public void handedOff(Handoff h) {
        loop.handedOff(h);
    }

    // ---- Task ----

    @Override
    public T join() {
        Stack s = Stack.current(); // reached from code the agent did not rewrite, or as a task entry
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return join(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    @Override
    public T join(Stack s) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            if (!isDone() && forgetWaker(s.task)) {
                Suspend.checkCancelled(s.task); // a cancel or timeout ended the wait before the end: see forgetWaker
            } else {
                // it finished, with this joiner's waker among its waiters (perhaps only just, while forgetWaker looked)
                try {
                    Suspend.checkCancelled(s.task);
                } catch (RuntimeException e) {
                    if (s.waitingOn == this) {
                        joinerGaveUp(); // but a cancel or timeout came first: the joiner never looks
                    }
                    throw e;
                }
            }
            return report();
        }
        if (isDone()) {
            return report();
        }
        CoTask<?> me = s.task;
        if (me == null) {
            return joinBlocking();
        }
        if (me == this) {
            throw new IllegalStateException("task " + name() + " cannot join itself");
        }
        if (s.pinned > 0) {
            throw Pinning.cannotSuspend("Task.join()");
        }
        Suspend.checkCancelled(me);
        me.loop.suspend(me, this); // described lazily, by stateName(): no string per wait
        boolean foreign = loop != me.loop;
        if (foreign) {
            me.loop.externalWaits++; // only another thread can end this wait: not a deadlock while it lasts
        }
        if (!addWaiter(new TaskWaker(me, me.waitSeq, foreign))) {
            s.waitingOn = null; // it ended on another loop just now, uncounted: the resume must not give up on it
        }
        return null;
    }

    private T joinBlocking() {
        if (loop.isLoopThread()) {
            throw new IllegalStateException("Task.join() from plain code on the loop thread of " + name()
                    + " would block the loop forever; call it from a coroutine (a @Coroutine method or lambda)");
        }
        ThreadWaiter w = new ThreadWaiter(Thread.currentThread());
        addWaiter(w);
        boolean interrupted = false;
        while (!isDone()) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return report();
    }

    T report() {
        if (outcome == CANCELLED) {
            throw new CancellationException("task " + name() + " was cancelled");
        }
        if (outcome == FAILED) {
            Throwable f = (Throwable) entryOrOutcome;
            failureSeen = true;
            CoTask<?> joiner = Carrier.get().current.task;
            if (joiner != null) {
                Extras x = extras();
                synchronized (x) {
                    if (x.failureThrownTo == null) {
                        x.failureThrownTo = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                    }
                    x.failureThrownTo.add(joiner);
                }
            }
            if (f instanceof RuntimeException) {
                throw (RuntimeException) f;
            }
            if (f instanceof Error) {
                throw (Error) f;
            }
            throw new TaskFailedException(name(), f);
        }
        @SuppressWarnings("unchecked")
        T value = (T) entryOrOutcome;
        return value;
    }

    /**
     * Requests cancellation. True if the task had not finished: a task not yet started never runs; a suspended one
     * gets a CancellationException where it waits; a running one at its next suspension point (or loop head). A
     * task that finishes before reaching one ends normally: what it was handed (an item it received, say) is never
     * dropped. {@link #isCancelled()} and {@link #join()} always agree on how it ended.
     */
    @Override
    public boolean cancel() {
        if (isDone()) {
            return false;
        }
        cancelRequested = true;
        loop.cancelFromAnyThread(this);
        return true;
    }

    @Override
    public boolean isDone() {
        return waiters == COMPLETED; // published after the outcome, by complete()
    }

    @Override
    public boolean isCancelled() {
        return isDone() && outcome == CANCELLED;
    }

    /**
     * Its name: given at spawn, or {@code task-N} with N taken from a process-wide counter when first asked for (not
     * at spawn: most tasks are never named, and the counter would be one more shared write per spawn).
     */
    @Override
    public String name() {
        Extras x = extras();
        String n = x.name;
        if (n == null) {
            n = "task-" + TASK_NUMBERS.incrementAndGet();
            String raced = (String) Extras.NAME.compareAndExchange(x, null, n);
            if (raced != null) {
                n = raced; // another thread named it first
            }
        }
        return n;
    }

    @Override
    public void onComplete(java.util.function.Consumer<? super Task<T>> action) {
        java.util.Objects.requireNonNull(action, "action");
        addWaiter(done -> {
            try {
                action.accept(this);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // user code, run by whoever completes the task (often the loop): it must not take that down, nor
                // keep the waiters after it (joiners, a group, a pool's slot) from hearing of the completion
                java.io.StringWriter w = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(w));
                Diagnostics.warn("an onComplete callback of task " + name() + " threw: " + w);
            }
        });
    }

    @Override
    public Throwable exception() {
        return isDone() ? failure() : null;
    }

    @Override
    public java.util.concurrent.CompletableFuture<T> toCompletableFuture() {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        onComplete(t -> {
            if (outcome == CANCELLED) {
                f.cancel(false);
            } else if (outcome == FAILED) {
                f.completeExceptionally((Throwable) entryOrOutcome);
            } else {
                @SuppressWarnings("unchecked")
                T value = (T) entryOrOutcome;
                f.complete(value);
            }
        });
        f.whenComplete((v, e) -> {
            if (f.isCancelled()) {
                cancel(); // as an executor's future does; nothing if the task ended first
            }
        });
        return f;
    }

    @Override
    public String toString() {
        return "Task[" + name() + ", " + stateName() + "]";
    }

    String stateName() {
        switch (state) {
            case NEW: return "new";
            case READY: return "ready";
            case RUNNING: return "running";
            case SUSPENDED: {
                Stack s = stack;
                Object on = s == null ? null : s.waitingOn;
                return "suspended on " + (on instanceof CoTask ? "join " + ((CoTask<?>) on).name() : on);
            }
            default: return outcome == CANCELLED ? "cancelled" : outcome == FAILED ? "failed" : "done";
        }
    }

    // ---- completion, on the loop thread ----

    /** Publishes the outcome and runs the waiters; true if anybody was waiting. */
    boolean complete(T value, Throwable error, boolean wasCancelled) {
        entryOrOutcome = error != null ? error : value; // the body is dropped here
        outcome = wasCancelled ? CANCELLED : error != null ? FAILED : SUCCEEDED;
        state = DONE;
        Extras ended = extras;
        if (ended != null) {
            ended.locals = null; // as a thread that ends drops its ThreadLocals: a kept Task does not keep its values
        }
        Object ws;
        do {
            ws = waiters;
            if (outcome == FAILED && ws != null) {
                countJoiners(ws); // before the end is published: see there
            }
        } while (!WAITERS.compareAndSet(this, ws, COMPLETED)); // a waiter came or left meanwhile: count again
        boolean any = ws != null;
        if (ws instanceof WaiterNode && ((WaiterNode) ws).next instanceof WaiterNode) {
            // pushed newest first: run callbacks and wake joiners in the order they came
            int n = 0;
            for (Object w = ws; w instanceof WaiterNode; w = ((WaiterNode) w).next) {
                n++;
            }
            Waiter[] inOrder = new Waiter[n];
            for (Object w = ws; w instanceof WaiterNode; w = ((WaiterNode) w).next) {
                inOrder[--n] = ((WaiterNode) w).waiter;
            }
            for (Waiter w : inOrder) {
                w.taskDone(this);
            }
        } else if (ws instanceof WaiterNode) {
            ((WaiterNode) ws).waiter.taskDone(this);
        }
        return any;
    }

    /**
     * Of a failure's waiters {@code ws}: callbacks, groups and blocked threads see the failure for sure; a joining task
     * may give up first ({@link #joinerGaveUp}). Counted before the end is published, not after: a joiner on another
     * loop that a cancel or timeout woke gives up as soon as it sees the end, before its waker is ever called.
     */
    private void countJoiners(Object ws) {
        int joiners = 0;
        boolean others = false;
        for (Object n = ws; n instanceof WaiterNode; n = ((WaiterNode) n).next) {
            Waiter w = ((WaiterNode) n).waiter;
            if (w instanceof TaskWaker || w instanceof Suspend.JoinAll) {
                joiners++;
            } else {
                others = true;
            }
        }
        if (others) {
            failureSeen = true; // no waiter that is not a joiner is ever dropped: true whatever a recount finds
        } else {
            Extras x = extras();
            synchronized (x) {
                x.joinersLeft = joiners;
            }
        }
    }

    /** Only while it runs: a finished task has no body any more. */
    String entryDescription() {
        return entryOrOutcome.getClass().getName();
    }

    /** Only while it runs. */
    Class<?> entryClass() {
        return entryOrOutcome.getClass();
    }

    Throwable failure() {
        return outcome == FAILED ? (Throwable) entryOrOutcome : null;
    }

    /** True if a join already threw this task's failure. */
    public boolean failureSeen() {
        return failureSeen;
    }

    /**
     * True if a join in task {@code joiner} threw this task's failure: it may be propagating there right now, where
     * throwing it again (a task group's close in try-with-resources) would make it suppress itself.
     */
    public boolean failureThrownTo(Task<?> joiner) {
        Extras x = extras;
        if (x == null || joiner == null) {
            return false;
        }
        synchronized (x) {
            return x.failureThrownTo != null && x.failureThrownTo.contains(joiner);
        }
    }

    /**
     * Adds {@code w}, to be told of the end; true. False if the task has ended already: {@code w} is told at once, and
     * the end did not count it among its joiners (see {@link #joinerGaveUp}).
     */
    boolean addWaiter(Waiter w) {
        WaiterNode node = null;
        for (;;) {
            Object head = waiters;
            if (head == COMPLETED) {
                w.taskDone(this);
                return false;
            }
            if (node == null) {
                node = new WaiterNode(w);
            }
            node.next = head;
            if (WAITERS.compareAndSet(this, head, node)) {
                return true;
            }
        }
    }

    /** The timer it sleeps on (and waits with a timeout on): one per task, reused. Loop thread only. */
    Extras sleepTimer() {
        return extras();
    }

    void disarmTimer() {
        Extras x = extras;
        if (x != null && x.isScheduled()) {
            loop.timers.remove(x);
        }
    }

    private static final class WaiterNode {
        final Waiter waiter;
        Object next;

        WaiterNode(Waiter waiter) {
            this.waiter = waiter;
        }
    }

    /**
     * A task that joined this one (alone or in a joinAll), woken by its end, was cancelled or timed out before it could
     * look: if every joiner gives up so, nobody saw its failure, which is reported as one nobody joined.
     */
    void joinerGaveUp() {
        if (outcome != FAILED || failureSeen) {
            return;
        }
        Extras x = extras();
        synchronized (x) {
            if (x.joinersLeft <= 0 || --x.joinersLeft > 0 || failureSeen) {
                return; // not a joiner counted when it failed (it was already reported), or not the last one
            }
            failureSeen = true;
        }
        Failures.taskFailed(this, (Throwable) entryOrOutcome);
    }

    /**
     * Drops the waker of {@code joiner}'s join, which a cancel or timeout ended: a task joined again and again with a
     * timeout (a watchdog's poll) would otherwise collect one per try until it ends, and a foreign one would keep its
     * loop counting a wait that another thread can end, so that it never finds a deadlock. Joiner's loop thread.
     * True if it was dropped; false if the task completed first (on another loop, perhaps just now): then the
     * completion counted the joiner among those that may look at a failure.
     */
    private boolean forgetWaker(CoTask<?> joiner) {
        Waiter dropped = dropWaiter(w -> w instanceof TaskWaker && ((TaskWaker) w).task == joiner);
        if (dropped != null && ((TaskWaker) dropped).foreign) {
            joiner.loop.externalWaits--;
        }
        return dropped != null;
    }

    /**
     * Removes the first waiter that {@code which} accepts (a waiter whose wait ended otherwise) and returns it; null if
     * there was none, or the task completed first: then the waiter runs, as if nothing was dropped.
     */
    Waiter dropWaiter(java.util.function.Predicate<Waiter> which) {
        for (;;) {
            Object head = waiters;
            java.util.ArrayList<WaiterNode> kept = new java.util.ArrayList<>();
            Waiter dropped = null;
            for (Object n = head; n instanceof WaiterNode; n = ((WaiterNode) n).next) {
                WaiterNode w = (WaiterNode) n;
                if (dropped == null && which.test(w.waiter)) {
                    dropped = w.waiter;
                } else {
                    kept.add(w);
                }
            }
            if (dropped == null) {
                return null; // none, or completed (not a WaiterNode)
            }
            // published nodes are never changed: a completion may be walking them; rebuild the rest in order
            WaiterNode rest = null;
            for (int i = kept.size() - 1; i >= 0; i--) {
                WaiterNode copy = new WaiterNode(kept.get(i).waiter);
                copy.next = rest;
                rest = copy;
            }
            if (WAITERS.compareAndSet(this, head, rest)) {
                return dropped;
            }
        }
    }

    /** Wakes a joining task on its own loop. */
    static final class TaskWaker implements Waiter, Runnable {
        private final CoTask<?> task;
        private final int seq;
        private final boolean foreign;

        TaskWaker(CoTask<?> task, int seq, boolean foreign) {
            this.task = task;
            this.seq = seq;
            this.foreign = foreign;
        }

        @Override
        public void taskDone(CoTask<?> done) {
            task.loop.execute(this);
        }

        @Override
        public void run() {
            if (foreign) {
                task.loop.externalWaits--;
            }
            task.loop.wake(task, seq);
        }
    }

    private static final class ThreadWaiter implements Waiter {
        private final Thread thread;

        ThreadWaiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        public void taskDone(CoTask<?> done) {
            LockSupport.unpark(thread);
        }
    }
}
