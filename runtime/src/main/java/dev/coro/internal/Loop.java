package dev.coro.internal;

import dev.coro.DeadlockException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One event loop, run by the thread that called {@code Coro.run}: a FIFO ready queue, a timer heap, and one
 * door for work from other threads (a lock-free queue plus a wake-up that cannot be lost).
 *
 * <p>Everything but {@link #execute} and {@link #cancelFromAnyThread} runs on the loop thread only.
 */
public final class Loop {

    /** Parking states of the loop thread; the door's wake-up protocol. */
    private static final int AWAKE = 0;
    private static final int PARKED = 1;
    /**
     * Woken by another thread, and not yet running again: to the watchdog as idle as parked, since on a busy machine
     * the thread may wait a while for a core, and that is not a task blocking the loop.
     */
    private static final int KNOCKED = 2;

    /** Tasks resumed per turn at most, so a crowd of yielding tasks cannot starve timers or the door. */
    private static final int MAX_BATCH = 1024;

    final Thread thread;
    /** Set by the loop thread once it runs no more tasks; see {@link Affinity}. */
    volatile boolean ended;
    final TimerHeap timers = new TimerHeap();
    private final ReadyQueue ready = new ReadyQueue();
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger parkState = new AtomicInteger(AWAKE);
    private final Carrier carrier;
    /** A preempted task asked the current batch of {@link #turn} to end. */
    private boolean batchOver;
    /**
     * The watchdog saw the current batch run a whole time slice: tasks that each run briefly between yields would
     * otherwise hold timers and IO back for MAX_BATCH of their runs, however long those take.
     */
    private volatile boolean batchTooLong;
    /** Counts batches (turns), for the watchdog. Loop thread writes. */
    private int batches;

    /** Counts resumes and turns; the watchdog sees the loop is stuck when it stops moving. Loop thread writes. */
    int turns;
    /** Watchdog bookkeeping, watchdog thread only; -1 so its first look only takes note. */
    int watchedTurns = -1;
    long stuckSince;
    boolean reportedStuck;
    private int watchedBatch = -1;
    private long batchSince;

    /** Opened on the first IO wait; until then the loop parks instead of selecting. */
    private volatile java.nio.channels.Selector selector;
    /** IO waits registered and not yet ended. */
    private int ioWaits;

    private CoTask<?> root;
    /** The stack a task runs on until it first suspends; then it keeps it, and the loop makes a new spare. */
    private Stack spare = new Stack(null);
    /** A wait node a hand-off on this loop finished with, for the next wait (a ping-pong then allocates none). */
    WaitNode spareNode;
    private CoTask<?> liveHead;
    /**
     * {@link #liveHead} as another thread's dump reads it: a task is published at the head with a release store, once
     * its link to the rest is in place, so a dump that reads the head with acquire never finds the list cut short.
     */
    private static final java.lang.invoke.VarHandle LIVE_HEAD;

    static {
        try {
            LIVE_HEAD = java.lang.invoke.MethodHandles.lookup().findVarHandle(Loop.class, "liveHead", CoTask.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private int liveCount;
    /** Waits that only another thread can end (a join on a task of another loop, a blocked offload...). */
    int externalWaits;

    /** Every running loop, for dumps. */
    private static final java.util.Set<Loop> ALL = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Loop(Carrier carrier) {
        this.thread = Thread.currentThread();
        this.carrier = carrier;
    }

    /** The loop of the calling thread, or null. */
    public static Loop current() {
        return Carrier.get().loop;
    }

    /** Runs {@code entry} as the first task of a new loop on this thread until it finishes. */
    public static <T> T run(Object entry, String name) {
        AgentSupport.requireAgent("Coro.run");
        Carrier c = Carrier.get();
        if (c.loop != null) {
            throw new IllegalStateException("Coro.run called on a thread that already runs a loop; "
                    + "inside a coroutine use Coro.spawn(...).join() instead");
        }
        Loop loop = new Loop(c);
        c.loop = loop;
        Watchdog.register(loop);
        ALL.add(loop);
        try {
            @SuppressWarnings("unchecked")
            CoTask<T> root = (CoTask<T>) loop.spawn(entry, name);
            loop.root = root;
            return loop.runUntilDone(root);
        } finally {
            if (loop.interruptPending) {
                Thread.currentThread().interrupt();
            }
            Watchdog.unregister(loop);
            ALL.remove(loop);
            loop.ended = true;
            loop.closeSelector();
            c.loop = null;
            c.current = c.plain;
        }
    }

    /**
     * Starts a loop on a new daemon thread that serves the runtime's own tasks until {@link #endDaemon} (their
     * entries are {@link StackRunnable}s written as twins by hand, so no agent is needed). Hand it work with
     * {@link #execute}; {@link #spawn} there.
     */
    public static Loop startDaemon(String threadName) {
        java.util.concurrent.CompletableFuture<Loop> started = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            Carrier c = Carrier.get();
            Loop loop = new Loop(c);
            c.loop = loop;
            Watchdog.register(loop);
            ALL.add(loop);
            try {
                StackRunnable serve = s -> {
                    if (Suspend.isResuming(s)) {
                        Suspend.resumeWait(s, null); // endDaemon: what is left is cancelled, and the loop ends
                        return;
                    }
                    WaitNode n = Suspend.prepareWait(s, "work from other threads");
                    n.markExternal();
                    loop.daemonEnd = n;
                };
                loop.root = loop.spawn(serve, threadName);
                started.complete(loop);
                loop.runUntilDone(loop.root);
            } finally {
                Watchdog.unregister(loop);
                ALL.remove(loop);
                loop.ended = true;
                loop.closeSelector();
                c.loop = null;
                c.current = c.plain;
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return started.join();
    }

    /** The root's wait of a loop made by {@link #startDaemon}; loop thread only. */
    private WaitNode daemonEnd;

    /**
     * Ends a loop made by {@link #startDaemon}: its tasks are cancelled and run to their end, then its thread
     * exits; any thread.
     */
    public void endDaemon() {
        execute(() -> {
            if (daemonEnd != null) {
                daemonEnd.complete(null);
            }
        });
    }

    /** Waits at most {@code millis} for this loop's thread to end. */
    public void awaitEnd(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the caller runs on this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    public <T> CoTask<T> spawn(Object entry, String name) {
        CoTask<T> t = newTask(entry, name);
        t.state = CoTask.READY;
        ready.addLast(t);
        return t;
    }

    /** A task that becomes ready after {@code nanos}; cancelled before, it never runs. */
    public <T> CoTask<T> spawnLater(long nanos, Object entry, String name) {
        CoTask<T> t = newTask(entry, name);
        t.state = CoTask.SUSPENDED;
        Stack s = new Stack(t); // suspended before it starts: it waits on a stack of its own
        t.stack = s;
        s.waitingOn = "its start time";
        CoTask.Extras timer = t.sleepTimer();
        timer.seq = t.waitSeq;
        timers.add(timer, System.nanoTime() + nanos);
        if (ending) {
            cancelOnLoop(t);
        }
        return t;
    }

    private <T> CoTask<T> newTask(Object entry, String name) {
        CoTask<T> t = new CoTask<>(this, entry, name, carrier.current.inheritedLocals());
        link(t);
        if (ending) {
            t.cancelRequested = true;
        }
        return t;
    }

    boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    private <T> T runUntilDone(CoTask<T> root) {
        while (root.state != CoTask.DONE) {
            if (!turn(root)) {
                DeadlockException e = deadlock();
                endAll();
                throw e;
            }
        }
        endAll();
        return root.join(carrier.plain);
    }

    private boolean ending;
    private boolean interruptPending;

    /** How long the end of {@code Coro.run} waits for its cancelled tasks before it says which are still there. */
    private static final long SLOW_END_NANOS = TimeUnit.SECONDS.toNanos(1);

    private void endAll() {
        ending = true;
        for (CoTask<?> t = liveHead; t != null; t = t.nextLive) {
            t.cancelRequested = true;
            cancelOnLoop(t);
        }
        long since = System.nanoTime();
        boolean told = false;
        while (liveHead != null) {
            if (!turn(null)) {
                if (liveHead != null) {
                    warnLive("ended with %d cancelled tasks still waiting where nothing can wake them; they were"
                            + " abandoned:");
                }
                abandonWaits();
                while (liveHead != null) {
                    finish(liveHead, null, null, true);
                }
                break;
            }
            if (!told && liveHead != null && System.nanoTime() - since >= SLOW_END_NANOS) {
                told = true; // a cleanup that waits for something that may never come holds Coro.run: say where
                warnLive("has waited " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since)
                        + " ms at the end of Coro.run for %d cancelled tasks, whose cleanup still waits:");
            }
        }
    }

    /** The live tasks, each with where it waits, after a headline ({@code %d}: how many). */
    private void warnLive(String headline) {
        StringBuilder b = new StringBuilder("the loop on thread ").append(thread.getName()).append(' ')
                .append(String.format(headline, liveCount));
        for (CoTask<?> t = liveHead; t != null; t = t.nextLive) {
            b.append("\n  ").append(describe(t));
        }
        Diagnostics.warn(b.toString());
    }

    /** One turn of the loop; false if nothing is ready and nothing could ever make anything ready. */
    private boolean turn(CoTask<?> root) {
        // Tasks readied during the batch run in it too (still FIFO): a yield costs no housekeeping of its own, and
        // the budget still lets timers, IO and the door in after at most MAX_BATCH resumes.
        if (quiet && !ready.isEmpty()) {
            quiet = false; // something moved: a deadlock's grace starts again
        }
        CoTask<?> t;
        for (int budget = MAX_BATCH; budget > 0 && (t = ready.pollFirst()) != null; budget--) {
            resume(t);
            if (batchOver) {
                batchOver = false;
                break;
            }
            if (batchTooLong) {
                batchTooLong = false;
                break;
            }
        }
        batches++;
        carrier.current = carrier.plain;
        drainInbox();
        turns++;
        if (ioWaits > 0 && ((turns & 63) == 0 || ready.isEmpty())) {
            pollIo(-1); // even a crowd of ready tasks does not keep sockets waiting long
        }
        long now = timers.isEmpty() ? 0 : System.nanoTime();
        fireTimers(now);
        if (ready.isEmpty() && (root == null || root.state != CoTask.DONE)) {
            return idle(now);
        }
        return true;
    }

    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.nextDeadline() - now <= 0) {
            timers.poll().fire(this);
        }
    }

    private void drainInbox() {
        runRevocations();
        Runnable r;
        while ((r = inbox.poll()) != null) {
            r.run();
        }
    }

    /**
     * Other threads asking to end this loop's ownership of a primitive ({@link Affinity}). Kept apart from the door
     * so that this loop's thread can also grant them while it waits for another loop to grant its own.
     */
    private final ConcurrentLinkedQueue<Runnable> revocations = new ConcurrentLinkedQueue<>();

    /** Any thread: {@code r} ends an ownership; it runs on this loop's thread between two tasks. */
    void requestRevocation(Runnable r) {
        revocations.offer(r);
        knock();
    }

    /** Loop thread only, between tasks or while one of its tasks waits in {@link Affinity#share}. */
    void runRevocations() {
        Runnable r;
        while ((r = revocations.poll()) != null) {
            r.run();
        }
    }

    /**
     * How long the loop waits, with nothing of its own that could wake a task, for another thread to act before it
     * declares a deadlock: a channel or event made in a task and handed to a thread is not known to be shared until
     * that thread first touches it, which takes it a while (starting a thread alone takes tens of microseconds).
     */
    private static final long DEADLOCK_GRACE_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Settings.number("coro.deadlock.grace", 1_000, 0, Settings.MAX_MILLIS));
    /** How often a loop waiting only on work its tasks handed to other threads looks whether it is still pending. */
    private static final long HANDOFF_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Work this loop's tasks handed to other threads (patch group threads); while some is pending, it may wake one. */
    private java.util.ArrayList<Handoff> handoffs;
    /** The size at which the next hand-off first drops those that are over: a task handing off much keeps it small. */
    private int handoffsPruneAt = 64;
    /** Whether the last look found nothing here that could wake a task, and since when. */
    private boolean quiet;
    private long quietSince;

    /** Loop thread only: a task handed work to another thread, which may end the waits of tasks on what it got. */
    void handedOff(Handoff h) {
        if (handoffs == null) {
            handoffs = new java.util.ArrayList<>();
        } else if (handoffs.size() >= handoffsPruneAt) {
            handoffs.removeIf(Handoff::over);
            handoffsPruneAt = Math.max(64, 2 * handoffs.size());
        }
        handoffs.add(h);
    }

    /**
     * Nothing of the loop's own can wake a task: how long to wait for another thread before looking again, or 0 if
     * the grace is over and none acted, a deadlock.
     */
    private long graceLeft() {
        if (handoffs != null) {
            handoffs.removeIf(Handoff::over);
            if (!handoffs.isEmpty()) {
                quiet = false; // the grace starts once the last of them is over
                return HANDOFF_POLL_NANOS;
            }
        }
        long now = System.nanoTime();
        if (!quiet) {
            quiet = true;
            quietSince = now;
        }
        return Math.max(0, quietSince + DEADLOCK_GRACE_NANOS - now);
    }

    /** Nothing is ready: sleep until the next timer or until another thread knocks; false if neither can come. */
    private boolean idle(long now) {
        long graceLeft = 0;
        if (timers.isEmpty() && externalWaits == 0 && ioWaits == 0 && inbox.isEmpty() && revocations.isEmpty()
                && !countWaitsOnSharedPrimitives()) {
            graceLeft = liveHead == null ? 0 : graceLeft(); // no task left to wake: the end of Coro.run
            if (graceLeft == 0) {
                quiet = false;
                return false;
            }
        }
        if (Thread.interrupted()) {
            interruptPending = true; // parking with the flag set returns at once: keep it for the end of Coro.run
        }
        parkState.set(PARKED);
        // re-check after publishing PARKED: a submitter that saw AWAKE has already enqueued, so we see its work
        if (inbox.isEmpty() && revocations.isEmpty() && ready.isEmpty()) {
            long wait = graceLeft > 0 ? graceLeft : timers.isEmpty() ? 0 : Math.max(1, timers.nextDeadline() - now);
            if (ioWaits > 0) {
                pollIo(wait == 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
            } else if (wait == 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, wait);
            }
        }
        parkState.set(AWAKE);
        return true;
    }

    /**
     * Before a deadlock is declared: a wait that began on a primitive before another thread first touched it was not
     * counted as one another thread can end (its queue marks a wait only as it begins); it counts from now on. True
     * if there was one. Only on the way to a deadlock: nothing is scanned while the loop has work.
     */
    private boolean countWaitsOnSharedPrimitives() {
        boolean any = false;
        for (CoTask<?> t = liveHead; t != null; t = t.nextLive) {
            Stack s = t.stack;
            WaitNode n = t.state == CoTask.SUSPENDED && s != null ? s.waitNode : null;
            if (n != null && n.waitsOnShared()) {
                n.markExternal();
                any = true;
            }
        }
        return any;
    }

    private void closeSelector() {
        java.nio.channels.Selector sel = selector;
        if (sel != null) {
            try {
                sel.close();
            } catch (java.io.IOException ignored) {
                // the loop is over; nothing waits on it any more
            }
        }
        java.util.Map<Object, java.util.function.Consumer<Object>> ends = atEnd;
        if (ends != null) {
            atEnd = null;
            for (java.util.Map.Entry<Object, java.util.function.Consumer<Object>> e0 : ends.entrySet()) {
                try {
                    e0.getValue().accept(e0.getKey());
                } catch (RuntimeException e) {
                    Diagnostics.warn("an action at the end of a loop failed: " + e);
                }
            }
        }
    }

    /**
     * Actions to run on their keys once the loop's selector is closed (its channels deregistered); loop thread
     * only. The keys are held weakly: an action for a key nobody uses any more is dropped with it.
     */
    private java.util.Map<Object, java.util.function.Consumer<Object>> atEnd;

    void atEnd(Object key, java.util.function.Consumer<Object> action) {
        if (atEnd == null) {
            atEnd = new java.util.WeakHashMap<>();
        }
        atEnd.putIfAbsent(key, action);
    }

    /** Runs work on this loop's thread; callable from any thread. The wake-up is never lost. */
    public void execute(Runnable r) {
        if (Thread.currentThread() == thread) {
            r.run();
            return;
        }
        inbox.offer(r);
        knock();
    }

    /** Wakes the loop thread if it is parked or selecting; the caller has enqueued its work first. */
    private void knock() {
        if (parkState.get() == PARKED && parkState.compareAndSet(PARKED, KNOCKED)) {
            LockSupport.unpark(thread);
            java.nio.channels.Selector sel = selector;
            if (sel != null) {
                sel.wakeup();
            }
        }
    }

    // ---- the task life cycle; every state change of a task happens in these methods ----

    private void resume(CoTask<?> t) {
        if (t.state != CoTask.READY) {
            return;
        }
        Stack s = t.stack;
        if (s == null) {
            s = lend(t);
            if (s == null) {
                return;
            }
        } else if (t.cancelRequested && s.isEmpty() && s.mode == Stack.RUNNING) {
            finish(t, null, null, true); // never started (a spawnLater task): never runs
            return;
        }
        turns++;
        t.state = CoTask.RUNNING;
        if (carrier.current != s) {
            carrier.current = s; // written only on a switch: a store into the long-lived carrier costs a GC barrier
        }
        Object value = null;
        Throwable error = null;
        try {
            value = t.invokeEntry(s);
        } catch (Throwable e) {
            error = e;
        }
        if (error == null && s.mode == Stack.SUSPENDING) {
            s.mode = Stack.RESUMING; // the leaf already arranged the wake-up and set the state
            return; // the batch in turn() puts the plain stack back once it ends
        }
        ended(t, s, value, error);
    }

    /**
     * The spare stack, lent to {@code t} until it first suspends (see {@link #own}); null if {@code t} was cancelled
     * before it started, and so has finished without running.
     */
    private Stack lend(CoTask<?> t) {
        if (t.cancelRequested) {
            finish(t, null, null, true);
            return null;
        }
        Stack s = spare;
        s.task = t;
        if (s.preempt) {
            s.preempt = false; // raised for the task that ran on it before
        }
        return s;
    }

    /** {@code t}'s body on {@code s} returned or threw. */
    private void ended(CoTask<?> t, Stack s, Object value, Throwable error) {
        carrier.current = carrier.plain; // completion callbacks run outside the finished task
        if (error == null && s.mode == Stack.RESUMING) {
            error = new IllegalStateException("task " + t.name() + " could not be resumed: its entry point "
                    + t.entryDescription() + " returned without restoring its frames; is its class instrumented? "
                    + "(check the agent's include/exclude options)");
        }
        s.clear();
        if (s == spare) {
            s.task = null; // back to the loop, empty, for the next task
        }
        finish(t, value, error, t.cancelRequested && Failures.signal(error, CancellationException.class) != null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void finish(CoTask t, Object value, Throwable error, boolean cancelled) {
        unlink(t);
        t.stack = null; // a stale wake-up sees DONE first and never looks for it
        t.disarmTimer();
        boolean observed = t.complete(cancelled ? null : value, cancelled ? null : error, cancelled);
        if (error != null && !cancelled && !observed && t != root) {
            Failures.taskFailed(t, error);
        }
        if (t == root) {
            batchOver = true; // Coro.run's body is done: the tasks readied after it are cancelled, never started
        }
    }

    /** Called by a leaf on the loop thread: the running task is about to unwind and wait for {@code what}. */
    void suspend(CoTask<?> t, Object what) {
        Stack s = own(t);
        if (!s.entryChecked) {
            EntryCheck.verify(t, s);
        }
        t.state = CoTask.SUSPENDED;
        t.waitSeq++;
        if (s.waitingOn != what) {
            s.waitingOn = what; // a task often waits on the same thing again: skip the store and its GC barrier
        }
        s.mode = Stack.SUSPENDING;
    }

    /**
     * The stack of the running task {@code t}, which is about to suspend: on its first suspension, the spare it runs
     * on becomes its own and the loop makes a new spare.
     */
    private Stack own(CoTask<?> t) {
        Stack s = t.stack;
        return s != null ? s : ownSpare(t);
    }

    private Stack ownSpare(CoTask<?> t) {
        Stack s = spare;
        if (s.task != t) {
            throw new IllegalStateException("coro: task " + t.name() + " suspends but is not the running task");
        }
        t.stack = s;
        spare = new Stack(null);
        return s;
    }

    static int loopCount() {
        return ALL.size();
    }

    /**
     * Cancels every live task of every running loop, each through its loop's door; returns how many tasks were
     * live. Any thread (the shutdown hook).
     */
    static int cancelEverywhere() {
        int n = 0;
        for (Loop l : ALL) {
            n += l.liveCount;
            l.execute(() -> {
                PreemptSwitch.armAll();
                for (CoTask<?> t = l.liveHead; t != null; t = t.nextLive) {
                    t.cancelRequested = true;
                    Stack s = t.stack;
                    if (s != null) {
                        s.preempt = true;
                    }
                    l.cancelOnLoop(t);
                }
            });
        }
        return n;
    }

    /** See {@code Coro.dump()}. */
    public static String dumpAll() {
        StringBuilder b = new StringBuilder();
        for (Loop l : ALL) {
            b.append(l.dump());
        }
        if (b.length() == 0) {
            b.append("no coro loop is running\n");
        }
        return b.append(PreemptSwitch.describe()).toString();
    }

    /**
     * How many tasks a dump from another thread steps over, in live tasks, while it walks their list again and
     * again before it settles for less: tasks that keep coming and going must not make it walk a million for good.
     */
    private static final int DUMP_STEPS_PER_TASK = 16;

    /**
     * Reads task fields racily from another thread: good enough for a diagnostic snapshot. The list of live tasks
     * changes meanwhile: new tasks come in at its head, and a task that ends leaves it pointing to itself. A walk
     * that steps onto such a task starts again, so every task live during the whole walk is listed; tasks found
     * ended by the time they are described are left out.
     */
    String dump() {
        List<CoTask<?>> live = new ArrayList<>();
        boolean whole = false;
        long steps = (long) DUMP_STEPS_PER_TASK * Math.max(1_024, liveCount);
        while (!whole && steps > 0) {
            live.clear();
            whole = true;
            for (CoTask<?> t = (CoTask<?>) LIVE_HEAD.getAcquire(this); t != null; ) {
                if (--steps < 0) {
                    whole = false;
                    break;
                }
                live.add(t);
                CoTask<?> next = t.nextLive;
                if (next == t) {
                    whole = false; // it ended while we were at it: its successor is gone with it
                    break;
                }
                t = next;
            }
        }
        StringBuilder tasks = new StringBuilder();
        int n = 0;
        for (CoTask<?> t : live) {
            String d = describe(t);
            if (t.state == CoTask.DONE) {
                continue; // ended since the walk (checked after describing it: DONE is for good)
            }
            tasks.append("  ").append(d).append('\n');
            n++;
        }
        StringBuilder b = new StringBuilder("loop on thread ").append(thread.getName()).append(": ")
                .append(n).append(" live tasks\n").append(tasks);
        if (!whole) {
            b.append("  (tasks came and went too fast to list them all)\n");
        }
        return b.toString();
    }

    /**
     * A task preempted after a whole time slice goes to the back of the ready queue and ends the batch: timers,
     * IO and the door (a cancel, perhaps) have waited long enough.
     */
    void suspendPreempted(CoTask<?> t) {
        suspendReady(t);
        batchOver = true;
    }

    /** The running task goes to the back of the ready queue. */
    void suspendReady(CoTask<?> t) {
        Stack s = own(t);
        if (!s.entryChecked) {
            EntryCheck.verify(t, s);
        }
        t.waitSeq++;
        if (s.waitingOn != "yield") {
            s.waitingOn = "yield"; // as in suspend: no store, and no GC barrier, when it yields again
        }
        t.state = CoTask.READY;
        s.mode = Stack.SUSPENDING;
        ready.addLast(t);
    }

    void sleep(CoTask<?> t, long nanos) {
        suspend(t, "sleep");
        CoTask.Extras timer = t.sleepTimer();
        timer.seq = t.waitSeq;
        timers.add(timer, System.nanoTime() + nanos);
    }

    /** Ends the wait {@code seq} of {@code t}, if it is still the current one. Loop thread only. */
    void wake(CoTask<?> t, int seq) {
        if (t.state == CoTask.SUSPENDED && t.waitSeq == seq) {
            t.state = CoTask.READY;
            t.disarmTimer();
            ready.addLast(t);
        }
    }

    void cancelFromAnyThread(CoTask<?> t) {
        Stack running = carrier.current;
        // On the loop's own thread, only the caller runs: another task hears of the cancel where it waits, and only a
        // task cancelling itself needs its next loop head to check. From another thread, it may be computing now.
        if (Thread.currentThread() != thread || running.task == t) {
            // Reaches it even if it computes without suspending. Racy when it runs on the spare: at worst another
            // task, started on the spare meanwhile, yields once for nothing.
            Stack s = t.stack;
            if (s == null && running.task == t) {
                s = running;
            }
            if (s != null) {
                if (!Watchdog.ENABLED) {
                    PreemptSwitch.armAll(); // it may compute anywhere, and no watchdog follows it there (see watch)
                }
                s.preempt = true;
            }
        }
        execute(() -> cancelOnLoop(t));
    }

    /** Called by the watchdog thread after the whole process stood still: that time does not count against the loop. */
    void restartWatch(long now) {
        stuckSince = now;
        batchSince = now;
    }

    /** Called by the watchdog thread: raises preemption, reports a blocked loop once per incident. */
    void watch(long now, long sliceNanos, long blockedNanos) {
        int batch = batches; // racy reads are enough: they only have to notice that nothing moves
        int parked = parkState.get();
        if (batch != watchedBatch || parked != AWAKE) {
            watchedBatch = batch;
            batchSince = now;
        } else if (sliceNanos > 0 && now - batchSince >= sliceNanos && !batchTooLong) {
            batchTooLong = true;
        }
        int seen = turns;
        if (seen != watchedTurns || parked != AWAKE) {
            watchedTurns = seen;
            stuckSince = now;
            reportedStuck = false;
            return;
        }
        long stuck = now - stuckSince;
        Stack running = carrier.current;
        if (running != carrier.plain) {
            CoTask<?> t = running.task;
            // An overdue timeout stops it too: with no time slice, nothing else would let the loop turn and fire it.
            boolean overrun = sliceNanos > 0 && stuck >= sliceNanos || t != null && TimeoutTimer.anyOverdue(t, now);
            if (overrun && !running.preempt) {
                running.preempt = true; // enough where the running methods' checks already read it
            } else if (running.preempt && (overrun || t != null && t.cancelRequested)
                    && thread.getState() == Thread.State.RUNNABLE) {
                // Asked to stop, by its slice or a cancel, and still running a tick later: the checks of the methods
                // it runs are folded away (PreemptSwitch), so switch them on. Not while it only loads classes on
                // first use, which is over soon, nor while its thread waits in a pinned call: neither reaches a loop
                // head meanwhile.
                StackTraceElement[] trace = thread.getStackTrace();
                if (!loadingClasses(trace)) {
                    PreemptSwitch.arm(trace);
                }
            }
        }
        if (blockedNanos > 0 && stuck >= blockedNanos && !reportedStuck) {
            StackTraceElement[] trace = thread.getStackTrace();
            if (turns != seen || parkState.get() != AWAKE) {
                // it turned, or went to sleep, while the trace was taken: the trace shows what came after the stall
                // (a report showed a loop "blocked" in its own idle select), not its cause; the next stall is seen anew
                return;
            }
            if (loadingClasses(trace)) {
                return; // loading (and rewriting) classes on first use: a one-time cost; look again later
            }
            reportedStuck = true;
            StringBuilder b = new StringBuilder("the loop on thread ").append(thread.getName())
                    .append(" has not turned for ").append(stuck / 1_000_000).append(" ms, so none of its ")
                    .append(liveCount).append(" tasks could run");
            CoTask<?> t = running.task;
            if (t != null) {
                b.append("; task ").append(t.name()).append(" is running");
            }
            b.append(". The loop thread is at:");
            for (StackTraceElement e : trace) {
                b.append("\n    at ").append(e);
            }
            Diagnostics.warn(b.toString());
        }
    }

    /**
     * Looking up, loading, rewriting or initialising a class, or linking an invokedynamic call site or dynamic constant
     * (a lambda, a string concatenation: the JDK spins classes for it), on first use: a one-time cost, not a call that
     * blocks the loop. Every load, the JVM's own on first use included, passes through ClassLoader.loadClass or
     * defineClass, and every such link through MethodHandleNatives.link*.
     */
    static boolean loadingClasses(StackTraceElement[] trace) {
        for (StackTraceElement e : trace) {
            String m = e.getMethodName();
            String c = e.getClassName();
            if (c.equals("java.lang.ClassLoader") && (m.startsWith("defineClass") || m.startsWith("loadClass"))
                    || c.equals("java.lang.invoke.MethodHandleNatives") && m.startsWith("link")
                    || m.equals("<clinit>")) {
                return true;
            }
        }
        return false;
    }

    private void cancelOnLoop(CoTask<?> t) {
        interrupt(t);
    }

    /**
     * Ends the current wait of {@code t} early so it sees a cancellation or an expired timeout at once. A wait whose
     * node was already completed is left alone: its value must not be lost, and its wake-up is on the way. NEW and
     * READY tasks see the interrupt when they next reach a suspension point; a RUNNING one likewise.
     */
    void interrupt(CoTask<?> t) {
        if (t.state != CoTask.SUSPENDED) {
            return;
        }
        Stack s = t.stack;
        WaitNode n = s.waitNode;
        if (n != null && !n.abandon()) {
            return;
        }
        t.waitSeq++; // whatever it waited on may still fire: ignore it
        t.state = CoTask.READY;
        t.disarmTimer();
        ready.addLast(t);
    }

    private void link(CoTask<?> t) {
        t.nextLive = liveHead;
        if (liveHead != null) {
            liveHead.prevLive = t;
        }
        LIVE_HEAD.setRelease(this, t); // a plain store on x86: see LIVE_HEAD
        liveCount++;
    }

    private void unlink(CoTask<?> t) {
        if (t.prevLive != null) {
            t.prevLive.nextLive = t.nextLive;
        } else if (liveHead == t) {
            liveHead = t.nextLive;
        }
        if (t.nextLive != null) {
            t.nextLive.prevLive = t.prevLive;
        }
        t.prevLive = null;
        t.nextLive = t; // not null, the end of the list: a dump walking it from another thread sees it left (see dump)
        liveCount--;
    }

    /** The loop is ending with tasks still waiting: take them out of the queues, so no hand-over goes to them. */
    private void abandonWaits() {
        for (CoTask<?> t = liveHead; t != null; t = t.nextLive) {
            Stack s = t.stack;
            WaitNode n = s == null ? null : s.waitNode;
            if (n != null) {
                n.abandon();
            }
        }
    }

    /**
     * Its name and state and, unless it is running (its frames are live on the thread then, not saved), the frames it
     * is suspended in, one per line below.
     */
    private static String describe(CoTask<?> t) {
        StringBuilder b = new StringBuilder(t.name()).append(": ").append(t.stateName());
        Stack s = t.stack;
        if (s != null && t.state != CoTask.RUNNING) {
            for (String f : s.savedFrames()) {
                b.append(f.startsWith("...") ? "\n      " : "\n      at ").append(f);
            }
        }
        return b.toString();
    }

    private DeadlockException deadlock() {
        List<String> lines = new ArrayList<>();
        for (CoTask<?> t = liveHead; t != null; t = t.nextLive) {
            lines.add(describe(t));
        }
        return new DeadlockException(lines);
    }

    // ---- IO readiness ----

    void registerIo(java.nio.channels.SelectableChannel ch, int ops, WaitNode node) throws java.io.IOException {
        java.nio.channels.Selector sel = selector;
        if (sel == null) {
            sel = java.nio.channels.Selector.open();
            selector = sel;
        }
        java.nio.channels.SelectionKey key = ch.keyFor(sel);
        IoWait.Registration reg;
        if (key == null || !key.isValid()) {
            if (key != null) {
                sel.selectNow(); // let the selector forget a cancelled key before registering again
            }
            reg = new IoWait.Registration();
            key = ch.register(sel, ops, reg);
        } else {
            reg = (IoWait.Registration) key.attachment();
            key.interestOps(key.interestOps() | ops);
        }
        // several tasks may wait on one channel (two readers of a socket): each wait is kept, newest first
        if ((ops & (java.nio.channels.SelectionKey.OP_READ | java.nio.channels.SelectionKey.OP_ACCEPT)) != 0) {
            node.nextIo = reg.reader;
            reg.reader = node;
        } else {
            node.nextIo = reg.writer;
            reg.writer = node;
        }
        node.source = key;
        ioWaits++;
    }

    /** A wait that ended without readiness (timeout, cancel): drop its interest. */
    void forgetIo(WaitNode node) {
        if (!(node.source instanceof java.nio.channels.SelectionKey)) {
            return;
        }
        java.nio.channels.SelectionKey key = (java.nio.channels.SelectionKey) node.source;
        IoWait.Registration reg = (IoWait.Registration) key.attachment();
        if (reg.reader == node) {
            reg.reader = node.nextIo;
        } else if (reg.writer == node) {
            reg.writer = node.nextIo;
        } else if (!unlinkAfterHead(reg.reader, node) && !unlinkAfterHead(reg.writer, node)) {
            return; // no longer waiting here
        }
        node.nextIo = null;
        ioWaits--;
        updateInterest(key, reg);
    }

    private static boolean unlinkAfterHead(WaitNode head, WaitNode node) {
        for (WaitNode n = head; n != null; n = n.nextIo) {
            if (n.nextIo == node) {
                n.nextIo = node.nextIo;
                return true;
            }
        }
        return false;
    }

    /** The channel of {@code key} was closed: every task of this loop waiting on it retries (and finds it closed). */
    void channelClosed(java.nio.channels.SelectionKey key) {
        if (key.attachment() instanceof IoWait.Registration) {
            IoWait.Registration reg = (IoWait.Registration) key.attachment();
            WaitNode readers = reg.reader;
            WaitNode writers = reg.writer;
            reg.reader = null;
            reg.writer = null;
            wakeChain(readers);
            wakeChain(writers);
            updateInterest(key, reg);
        }
    }

    /** Completes a chain of waiters, oldest first, as they started waiting. */
    private void wakeChain(WaitNode newestFirst) {
        WaitNode oldestFirst = null;
        while (newestFirst != null) {
            WaitNode next = newestFirst.nextIo;
            newestFirst.nextIo = oldestFirst;
            oldestFirst = newestFirst;
            newestFirst = next;
        }
        while (oldestFirst != null) {
            WaitNode next = oldestFirst.nextIo;
            oldestFirst.nextIo = null;
            ioWaits--;
            oldestFirst.complete(Boolean.TRUE);
            oldestFirst = next;
        }
    }

    private static void updateInterest(java.nio.channels.SelectionKey key, IoWait.Registration reg) {
        if (!key.isValid()) {
            return;
        }
        int ops = key.interestOps();
        if (reg.reader == null) {
            ops &= ~(java.nio.channels.SelectionKey.OP_READ | java.nio.channels.SelectionKey.OP_ACCEPT);
        }
        if (reg.writer == null) {
            ops &= ~(java.nio.channels.SelectionKey.OP_WRITE | java.nio.channels.SelectionKey.OP_CONNECT);
        }
        key.interestOps(ops);
    }

    /** Selects (-1: without waiting, 0: until woken, else up to that many ms) and wakes the ready waiters. */
    private void pollIo(long millis) {
        java.nio.channels.Selector sel = selector;
        try {
            java.util.function.Consumer<java.nio.channels.SelectionKey> onReady = this::ioReady;
            if (millis < 0) {
                sel.selectNow(onReady);
            } else {
                sel.select(onReady, millis);
            }
        } catch (java.io.IOException e) {
            Diagnostics.warn("the loop's selector failed: " + e);
        }
    }

    private void ioReady(java.nio.channels.SelectionKey key) {
        IoWait.Registration reg = (IoWait.Registration) key.attachment();
        int ready = key.isValid() ? key.readyOps() : -1;
        if (reg.reader != null && (ready & (java.nio.channels.SelectionKey.OP_READ
                | java.nio.channels.SelectionKey.OP_ACCEPT)) != 0) {
            WaitNode n = reg.reader;
            reg.reader = null;
            wakeChain(n); // every one retries, oldest first; those that find nothing wait again
        }
        if (reg.writer != null && (ready & (java.nio.channels.SelectionKey.OP_WRITE
                | java.nio.channels.SelectionKey.OP_CONNECT)) != 0) {
            WaitNode n = reg.writer;
            reg.writer = null;
            wakeChain(n);
        }
        updateInterest(key, reg);
    }

    int liveCount() {
        return liveCount;
    }

    static long toNanos(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
    }
}
