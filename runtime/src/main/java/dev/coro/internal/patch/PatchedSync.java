package dev.coro.internal.patch;

import dev.coro.internal.CoTask;
import dev.coro.internal.Pinning;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.TaskSync;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

/**
 * The cooperative twins of {@code java.util.concurrent}'s blocking calls (agent patch group {@code sync}): locks,
 * conditions, latches, semaphores, blocking queues. Inside a coroutine they suspend the task, not the loop's thread,
 * and a lock is held by a task (see {@link TaskSync}); on a plain thread they are the JDK calls. The forms without a
 * Stack are what the agent calls where the caller cannot suspend (inside {@code synchronized}).
 */
public final class PatchedSync {
    private PatchedSync() {
    }

    /**
     * The body of every waiting twin: tries {@code attempt} until it succeeds (true) or {@code nanos} (negative:
     * no limit) pass (false), suspending between tries. When it suspends it returns false with the stack
     * suspending; it keeps its deadline on the stack meanwhile.
     */
    private static boolean waitUntil(Stack s, Object on, String what, long nanos, BooleanSupplier attempt) {
        long deadline;
        if (Suspend.isResuming(s)) {
            deadline = s.popJ();
            TaskSync.resumed(s);
        } else {
            deadline = nanos < 0 ? Long.MAX_VALUE : System.nanoTime() + nanos;
        }
        TaskSync.State st = TaskSync.state(on);
        for (;;) {
            int seen = TaskSync.version(st);
            if (attempt.getAsBoolean()) {
                return true;
            }
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TaskSync.await(s, st, seen, what, left);
            if (Suspend.isSuspending(s)) {
                s.pushJ(deadline);
                return false;
            }
        }
    }

    /** A timed wait's limit: a negative time waits not at all, as the JDK's (for waitUntil, negative is none). */
    private static long timed(long time, TimeUnit unit) {
        return Math.max(0, unit.toNanos(time));
    }

    /** A task that cannot unwind waits the blocking way: said once per call site. */
    private static void pinned(Stack s, String what) {
        if (s.task() != null) {
            Pinning.warnPinned(what);
        }
    }

    // ---- Lock ----

    public static void lock(Lock l, Stack s) {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            lock(l);
            return;
        }
        CoTask<?> me = s.task();
        waitUntil(s, l, "Lock.lock", -1, () -> TaskSync.tryLock(l, me));
    }

    public static void lock(Lock l) {
        Stack s = Stack.current();
        CoTask<?> me = s.task();
        if (me == null) {
            l.lock();
            return;
        }
        String holder = TaskSync.heldByAnotherTask(l, me);
        if (holder != null) {
            throw Pinning.cannotSuspend("Lock.lock (held by task " + holder + " of this loop, so waiting would hang"
                    + " the loop)");
        }
        pinned(s, "Lock.lock");
        l.lock();
        // now the thread holds it: record the task, so the others of this loop wait for it
        while (!TaskSync.tryLock(l, me)) {
            Thread.onSpinWait();
        }
        l.unlock();
    }

    public static void lockInterruptibly(Lock l, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            lockInterruptibly(l); // a plain thread's interrupt must still end the wait
            return;
        }
        lock(l, s);
    }

    public static void lockInterruptibly(Lock l) throws InterruptedException {
        if (Stack.current().task() == null) {
            l.lockInterruptibly();
        } else {
            lock(l);
        }
    }

    public static boolean tryLock(Lock l) {
        CoTask<?> me = Stack.current().task();
        return me == null ? l.tryLock() : TaskSync.tryLockBarging(l, me);
    }

    public static boolean tryLock(Lock l, long time, TimeUnit unit, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            return tryLock(l, time, unit);
        }
        CoTask<?> me = s.task();
        return waitUntil(s, l, "Lock.tryLock", timed(time, unit), () -> TaskSync.tryLock(l, me));
    }

    public static boolean tryLock(Lock l, long time, TimeUnit unit) throws InterruptedException {
        CoTask<?> me = Stack.current().task();
        if (me == null) {
            return l.tryLock(time, unit);
        }
        return TaskSync.tryLock(l, me); // cannot wait here: a pinned task takes it only if it is free now
    }

    public static void unlock(Lock l) {
        TaskSync.unlock(l, Stack.current().task());
    }

    public static Condition newCondition(Lock l) {
        Condition c = l.newCondition();
        TaskSync.recordCondition(c, l);
        return c;
    }

    // ---- Condition ----

    private static final int WAITING_FOR_SIGNAL = 0;
    private static final int RELOCKING = 1;
    /** Taking the lock back after a cancel or timeout of the task, which is thrown then. */
    private static final int RELOCKING_TO_THROW = 2;

    /**
     * A condition wait for a task: releases the lock at task level, waits for a signal (or a spurious wake-up, or
     * the deadline), then takes the lock back with as many holds as before. Returns the nanoseconds left
     * ({@code Long.MAX_VALUE} without a deadline), or 0 with the stack suspending.
     */
    private static long conditionWait(Condition c, long nanos, Stack s) throws InterruptedException {
        int phase;
        int holds;
        long deadline;
        Lock l;
        RuntimeException ended = null; // a cancel or timeout of the task, thrown once the lock is back
        CoTask<?> me = s.task();
        if (Suspend.isResuming(s)) {
            phase = s.popI();
            if (phase == RELOCKING_TO_THROW) {
                ended = (RuntimeException) s.popA();
            }
            holds = s.popI();
            deadline = s.popJ();
            l = TaskSync.lockOf(c, me);
            if (phase == RELOCKING_TO_THROW) {
                TaskSync.resumedShielded(s);
            } else {
                try {
                    TaskSync.resumed(s);
                } catch (RuntimeException e) {
                    ended = e; // the JDK takes the lock back before it throws: so the caller's unlock holds
                }
            }
        } else {
            l = me == null ? null : TaskSync.lockOf(c, me);
            if (l == null || TaskSync.mustBlock(s)) {
                if (me != null) {
                    Pinning.warnPinned(l == null ? "Condition.await on a condition whose lock the task does not hold (or holds among several of its kind)"
                            : "Condition.await");
                }
                return nanos < 0 ? blockingAwait(c) : c.awaitNanos(nanos);
            }
            deadline = nanos < 0 ? Long.MAX_VALUE : System.nanoTime() + nanos;
            TaskSync.State cs = TaskSync.state(c);
            int seen = TaskSync.version(cs);
            holds = TaskSync.releaseAll(l, me);
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            try {
                TaskSync.await(s, cs, seen, "Condition.await", left);
            } catch (RuntimeException e) {
                ended = e; // cancelled before it could wait
            }
            if (Suspend.isSuspending(s)) {
                s.pushJ(deadline);
                s.pushI(holds);
                s.pushI(WAITING_FOR_SIGNAL);
                return 0;
            }
        }
        // woken by a signal, the poll (a spurious wake-up), the deadline, a cancel: the lock comes back in every case
        TaskSync.State ls = TaskSync.state(l);
        for (;;) {
            int seen = TaskSync.version(ls);
            if (TaskSync.relock(l, me, holds)) {
                if (ended != null) {
                    throw ended;
                }
                return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            }
            if (ended != null) {
                TaskSync.awaitShielded(s, ls, seen, "Lock.lock after Condition.await");
            } else {
                try {
                    TaskSync.await(s, ls, seen, "Lock.lock after Condition.await", Long.MAX_VALUE);
                } catch (RuntimeException e) {
                    ended = e;
                    continue;
                }
            }
            if (Suspend.isSuspending(s)) {
                s.pushJ(deadline);
                s.pushI(holds);
                if (ended != null) {
                    s.pushA(ended);
                    s.pushI(RELOCKING_TO_THROW);
                } else {
                    s.pushI(RELOCKING);
                }
                return 0;
            }
        }
    }

    private static long blockingAwait(Condition c) throws InterruptedException {
        c.await();
        return Long.MAX_VALUE;
    }

    public static void await(Condition c, Stack s) throws InterruptedException {
        conditionWait(c, -1, s);
    }

    public static void await(Condition c) throws InterruptedException {
        Stack s = Stack.current();
        pinned(s, "Condition.await");
        c.await();
    }

    public static boolean await(Condition c, long time, TimeUnit unit, Stack s) throws InterruptedException {
        return conditionWait(c, Math.max(0, unit.toNanos(time)), s) > 0;
    }

    public static boolean await(Condition c, long time, TimeUnit unit) throws InterruptedException {
        pinned(Stack.current(), "Condition.await");
        return c.await(time, unit);
    }

    public static long awaitNanos(Condition c, long nanos, Stack s) throws InterruptedException {
        return conditionWait(c, Math.max(0, nanos), s);
    }

    public static long awaitNanos(Condition c, long nanos) throws InterruptedException {
        pinned(Stack.current(), "Condition.awaitNanos");
        return c.awaitNanos(nanos);
    }

    public static void awaitUninterruptibly(Condition c, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            awaitUninterruptibly(c); // a plain thread's interrupt must not end the wait
            return;
        }
        conditionWait(c, -1, s);
    }

    public static void awaitUninterruptibly(Condition c) {
        pinned(Stack.current(), "Condition.awaitUninterruptibly");
        c.awaitUninterruptibly();
    }

    public static void signal(Condition c) {
        TaskSync.signal(c, Stack.current().task(), false);
    }

    public static void signalAll(Condition c) {
        TaskSync.signal(c, Stack.current().task(), true);
    }

    // ---- CountDownLatch ----

    public static void await(CountDownLatch latch, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            await(latch);
            return;
        }
        waitUntil(s, latch, "CountDownLatch.await", -1, () -> latch.getCount() == 0);
    }

    public static void await(CountDownLatch latch) throws InterruptedException {
        pinned(Stack.current(), "CountDownLatch.await");
        latch.await();
    }

    public static boolean await(CountDownLatch latch, long time, TimeUnit unit, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            return await(latch, time, unit);
        }
        return waitUntil(s, latch, "CountDownLatch.await", timed(time, unit), () -> latch.getCount() == 0);
    }

    public static boolean await(CountDownLatch latch, long time, TimeUnit unit) throws InterruptedException {
        pinned(Stack.current(), "CountDownLatch.await");
        return latch.await(time, unit);
    }

    public static void countDown(CountDownLatch latch) {
        latch.countDown();
        if (latch.getCount() == 0) {
            TaskSync.notifyAll(latch);
        }
    }

    // ---- Semaphore ----

    public static void acquire(Semaphore sem, Stack s) throws InterruptedException {
        acquire(sem, 1, s);
    }

    public static void acquire(Semaphore sem) throws InterruptedException {
        acquire(sem, 1);
    }

    public static void acquire(Semaphore sem, int permits, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            acquire(sem, permits);
            return;
        }
        waitUntil(s, sem, "Semaphore.acquire", -1, () -> sem.tryAcquire(permits));
    }

    public static void acquire(Semaphore sem, int permits) throws InterruptedException {
        pinned(Stack.current(), "Semaphore.acquire");
        sem.acquire(permits);
    }

    public static void acquireUninterruptibly(Semaphore sem, Stack s) throws InterruptedException {
        acquireUninterruptibly(sem, 1, s);
    }

    public static void acquireUninterruptibly(Semaphore sem) {
        pinned(Stack.current(), "Semaphore.acquireUninterruptibly");
        sem.acquireUninterruptibly();
    }

    public static void acquireUninterruptibly(Semaphore sem, int permits, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            acquireUninterruptibly(sem, permits); // a plain thread's interrupt must not end the wait
            return;
        }
        acquire(sem, permits, s);
    }

    public static void acquireUninterruptibly(Semaphore sem, int permits) {
        pinned(Stack.current(), "Semaphore.acquireUninterruptibly");
        sem.acquireUninterruptibly(permits);
    }

    public static boolean tryAcquire(Semaphore sem, long time, TimeUnit unit, Stack s) throws InterruptedException {
        return tryAcquire(sem, 1, time, unit, s);
    }

    public static boolean tryAcquire(Semaphore sem, long time, TimeUnit unit) throws InterruptedException {
        return tryAcquire(sem, 1, time, unit);
    }

    public static boolean tryAcquire(Semaphore sem, int permits, long time, TimeUnit unit, Stack s)
            throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            return tryAcquire(sem, permits, time, unit);
        }
        return waitUntil(s, sem, "Semaphore.tryAcquire", timed(time, unit), () -> sem.tryAcquire(permits));
    }

    public static boolean tryAcquire(Semaphore sem, int permits, long time, TimeUnit unit)
            throws InterruptedException {
        pinned(Stack.current(), "Semaphore.tryAcquire");
        return sem.tryAcquire(permits, time, unit);
    }

    public static void release(Semaphore sem) {
        sem.release();
        TaskSync.notifyAll(sem);
    }

    public static void release(Semaphore sem, int permits) {
        sem.release(permits);
        TaskSync.notifyAll(sem);
    }

    // ---- BlockingQueue ----

    /**
     * A SynchronousQueue has no room: a put must meet a waiting take. Trying offer and poll by turns, two waiters would
     * never meet, so it blocks the JDK's way, pinned, as the agent leaves it when it is typed as itself.
     */
    private static boolean handOff(BlockingQueue<Object> q) {
        return q instanceof java.util.concurrent.SynchronousQueue;
    }

    /** As {@link #pinned(Stack, String)}, but a hand-off blocks by design: say so, not that a frame is to blame. */
    private static void pinned(Stack s, String what, BlockingQueue<Object> q) {
        if (s.task() != null && handOff(q) && !TaskSync.mustBlock(s)) {
            Pinning.warnBlocked(what, "on a SynchronousQueue, whose hand-off needs a thread waiting on the other side;"
                    + " between coroutines use a dev.coro.Channel.bounded(0)");
        } else {
            pinned(s, what);
        }
    }

    public static void put(BlockingQueue<Object> q, Object item, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (TaskSync.mustBlock(s) || handOff(q))) {
            put(q, item);
            return;
        }
        if (waitUntil(s, q, "BlockingQueue.put", -1, () -> q.offer(item))) {
            TaskSync.notifyAll(q);
        }
    }

    public static void put(BlockingQueue<Object> q, Object item) throws InterruptedException {
        pinned(Stack.current(), "BlockingQueue.put", q);
        q.put(item);
        TaskSync.notifyAll(q);
    }

    public static boolean offer(BlockingQueue<Object> q, Object item, long time, TimeUnit unit, Stack s)
            throws InterruptedException {
        if (!Suspend.isResuming(s) && (TaskSync.mustBlock(s) || handOff(q))) {
            return offer(q, item, time, unit);
        }
        boolean done = waitUntil(s, q, "BlockingQueue.offer", timed(time, unit), () -> q.offer(item));
        if (done) {
            TaskSync.notifyAll(q);
        }
        return done;
    }

    public static boolean offer(BlockingQueue<Object> q, Object item, long time, TimeUnit unit)
            throws InterruptedException {
        pinned(Stack.current(), "BlockingQueue.offer", q);
        boolean done = q.offer(item, time, unit);
        if (done) {
            TaskSync.notifyAll(q);
        }
        return done;
    }

    public static Object take(BlockingQueue<Object> q, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (TaskSync.mustBlock(s) || handOff(q))) {
            return take(q);
        }
        Object[] got = new Object[1];
        if (waitUntil(s, q, "BlockingQueue.take", -1, () -> (got[0] = q.poll()) != null)) {
            TaskSync.notifyAll(q);
        }
        return got[0];
    }

    public static Object take(BlockingQueue<Object> q) throws InterruptedException {
        pinned(Stack.current(), "BlockingQueue.take", q);
        Object item = q.take();
        TaskSync.notifyAll(q);
        return item;
    }

    public static Object poll(BlockingQueue<Object> q, long time, TimeUnit unit, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && (TaskSync.mustBlock(s) || handOff(q))) {
            return poll(q, time, unit);
        }
        Object[] got = new Object[1];
        if (waitUntil(s, q, "BlockingQueue.poll", timed(time, unit), () -> (got[0] = q.poll()) != null)) {
            TaskSync.notifyAll(q);
        }
        return got[0];
    }

    public static Object poll(BlockingQueue<Object> q, long time, TimeUnit unit) throws InterruptedException {
        pinned(Stack.current(), "BlockingQueue.poll", q);
        Object item = q.poll(time, unit);
        if (item != null) {
            TaskSync.notifyAll(q);
        }
        return item;
    }

    /** The non-waiting calls: they change the queue, so the tasks waiting on it try again. */
    public static boolean offer(BlockingQueue<Object> q, Object item) {
        boolean done = q.offer(item);
        if (done) {
            TaskSync.notifyAll(q);
        }
        return done;
    }

    public static boolean add(BlockingQueue<Object> q, Object item) {
        boolean done = q.add(item);
        TaskSync.notifyAll(q);
        return done;
    }

    public static Object poll(BlockingQueue<Object> q) {
        Object item = q.poll();
        if (item != null) {
            TaskSync.notifyAll(q);
        }
        return item;
    }

    // ---- CompletionService: its queue is filled by the executor's threads, so a waiting task polls it ----

    public static java.util.concurrent.Future<?> take(java.util.concurrent.CompletionService<?> cs, Stack s)
            throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            return take(cs);
        }
        java.util.concurrent.Future<?>[] got = new java.util.concurrent.Future<?>[1];
        waitUntil(s, cs, "CompletionService.take", -1, () -> (got[0] = cs.poll()) != null);
        return got[0];
    }

    public static java.util.concurrent.Future<?> take(java.util.concurrent.CompletionService<?> cs)
            throws InterruptedException {
        pinned(Stack.current(), "CompletionService.take");
        return cs.take();
    }

    public static java.util.concurrent.Future<?> poll(java.util.concurrent.CompletionService<?> cs, long time,
            TimeUnit unit, Stack s) throws InterruptedException {
        if (!Suspend.isResuming(s) && TaskSync.mustBlock(s)) {
            return poll(cs, time, unit);
        }
        java.util.concurrent.Future<?>[] got = new java.util.concurrent.Future<?>[1];
        waitUntil(s, cs, "CompletionService.poll", timed(time, unit), () -> (got[0] = cs.poll()) != null);
        return got[0];
    }

    public static java.util.concurrent.Future<?> poll(java.util.concurrent.CompletionService<?> cs, long time,
            TimeUnit unit) throws InterruptedException {
        pinned(Stack.current(), "CompletionService.poll");
        return cs.poll(time, unit);
    }
}
