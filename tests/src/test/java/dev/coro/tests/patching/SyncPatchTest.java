package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * java.util.concurrent's blocking calls inside coroutines (patch group sync): a lock excludes the other tasks of the
 * same loop although they share its thread, and every wait suspends the task, never the loop.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK wait hangs
class SyncPatchTest {

    /** Enters the lock, stays inside across a suspension, leaves; logs both. */
    @Coroutine
    static void critical(Lock lock, List<String> log, String who, long insideMillis) throws InterruptedException {
        lock.lock();
        try {
            log.add(who + " in");
            Thread.sleep(insideMillis);
            log.add(who + " out");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void aReentrantLockExcludesOtherTasksOfTheSameLoop() {
        ReentrantLock lock = new ReentrantLock();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ticks = new AtomicInteger();
        Coro.run(() -> {
            Task<Void> ticker = Coro.spawn(() -> {
                for (int i = 0; i < 10; i++) {
                    Thread.sleep(5);
                    ticks.incrementAndGet();
                }
            });
            Task<Void> a = Coro.spawn(() -> critical(lock, log, "a", 60));
            Task<Void> b = Coro.spawn(() -> critical(lock, log, "b", 10));
            Task<Void> c = Coro.spawn(() -> critical(lock, log, "c", 10));
            Coro.joinAll(a, b, c, ticker);
        });
        assertEquals(List.of("a in", "a out", "b in", "b out", "c in", "c out"), log);
        assertEquals(10, ticks.get(), "the loop ran the ticker while tasks waited for the lock");
        assertFalse(lock.isLocked(), "released");
    }

    @Coroutine
    static int reenter(ReentrantLock lock, int depth) throws InterruptedException {
        lock.lock();
        try {
            Thread.sleep(1);
            return depth == 0 ? lock.getHoldCount() : reenter(lock, depth - 1);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void aTaskReentersItsOwnLock() {
        ReentrantLock lock = new ReentrantLock();
        int holds = Coro.run(() -> {
            Task<Integer> other = Coro.spawn(() -> reenter(lock, 2));
            return reenter(lock, 3) + 100 * other.join();
        });
        assertEquals(4 + 300, holds);
        assertFalse(lock.isLocked());
    }

    @Coroutine
    static boolean tryFor(Lock lock, long millis) throws InterruptedException {
        if (lock.tryLock(millis, TimeUnit.MILLISECONDS)) {
            lock.unlock();
            return true;
        }
        return false;
    }

    @Test
    void tryLockGivesUpAfterItsTimeoutAndSucceedsOnceFree() {
        ReentrantLock lock = new ReentrantLock();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Void> holder = Coro.spawn(() -> critical(lock, log, "a", 150));
            Thread.sleep(5);
            assertFalse(lock.tryLock(), "another task of this loop holds it");
            assertFalse(tryFor(lock, 30), "timed out while held");
            assertTrue(tryFor(lock, 2_000), "taken once released");
            holder.join();
        });
    }

    @Test
    void aTaskWaitingForALockCanBeCancelled() {
        ReentrantLock lock = new ReentrantLock();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Void> a = Coro.spawn(() -> critical(lock, log, "a", 80));
            Task<Void> b = Coro.spawn(() -> critical(lock, log, "b", 10));
            Thread.sleep(10);
            b.cancel();
            boolean cancelled = false;
            try {
                b.join();
            } catch (CancellationException expected) {
                cancelled = true;
            }
            assertTrue(cancelled, "b ended by its cancellation");
            a.join();
            Task<Void> c = Coro.spawn(() -> critical(lock, log, "c", 1));
            c.join();
        });
        assertEquals(List.of("a in", "a out", "c in", "c out"), log);
        assertFalse(lock.isLocked());
    }

    @Test
    void aPlainThreadWaitsForTheTaskHoldingTheLock() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch taken = new CountDownLatch(1);
        Thread plain = new Thread(() -> {
            try {
                taken.await();
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            log.add("thread in");
            lock.unlock();
        });
        plain.start();
        Coro.run(() -> {
            lock.lock();
            try {
                log.add("task in");
                taken.countDown();
                Thread.sleep(50);
                log.add("task out");
            } finally {
                lock.unlock();
            }
        });
        plain.join(5_000);
        assertEquals(List.of("task in", "task out", "thread in"), log);
    }

    /** The textbook bounded buffer: one lock, two conditions. */
    static final class BoundedBuffer {
        final ReentrantLock lock = new ReentrantLock();
        final Condition notFull = lock.newCondition();
        final Condition notEmpty = lock.newCondition();
        final int[] items = new int[4];
        int putAt;
        int takeAt;
        int count;

        @Coroutine
        void put(int x) throws InterruptedException {
            lock.lock();
            try {
                while (count == items.length) {
                    notFull.await();
                }
                items[putAt] = x;
                putAt = (putAt + 1) % items.length;
                count++;
                notEmpty.signal();
            } finally {
                lock.unlock();
            }
        }

        @Coroutine
        int take() throws InterruptedException {
            lock.lock();
            try {
                while (count == 0) {
                    notEmpty.await();
                }
                int x = items[takeAt];
                takeAt = (takeAt + 1) % items.length;
                count--;
                notFull.signal();
                return x;
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void conditionsHandItemsBetweenTasksOfOneLoop() {
        BoundedBuffer buffer = new BoundedBuffer();
        long sum = Coro.run(() -> {
            List<Task<Void>> producers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int base = p * 1000;
                producers.add(Coro.spawn(() -> {
                    for (int i = 1; i <= 500; i++) {
                        buffer.put(base + i);
                    }
                }));
            }
            List<Task<Long>> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(Coro.spawn(() -> {
                    long s = 0;
                    for (int i = 0; i < 750; i++) {
                        s += buffer.take();
                    }
                    return s;
                }));
            }
            Coro.joinAll(producers);
            return consumers.get(0).join() + consumers.get(1).join();
        });
        long expected = 0;
        for (int p = 0; p < 3; p++) {
            for (int i = 1; i <= 500; i++) {
                expected += p * 1000 + i;
            }
        }
        assertEquals(expected, sum);
        assertFalse(buffer.lock.isLocked());
    }

    /** Waits out the whole time as the Condition contract says callers must: wake-ups may be spurious. */
    @Coroutine
    static long awaitCondition(ReentrantLock lock, Condition c, long millis) throws InterruptedException {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(millis);
            int wakeUps = 0;
            while (left > 0) {
                left = c.awaitNanos(left);
                wakeUps++;
            }
            return wakeUps;
        } finally {
            assertTrue(lock.isHeldByCurrentThread(), "the lock is back when await returns");
            lock.unlock();
        }
    }

    @Test
    void aTimedConditionWaitReturnsWithTheLockHeld() {
        ReentrantLock lock = new ReentrantLock();
        Condition never = lock.newCondition();
        long t0 = System.nanoTime();
        Coro.run(() -> {
            awaitCondition(lock, never, 40);
        });
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(40));
        assertFalse(lock.isLocked());
    }

    @Test
    void aLatchCountedDownByTasksAndByAPlainThreadWakesItsWaiters() {
        CountDownLatch latch = new CountDownLatch(4);
        AtomicInteger ticks = new AtomicInteger();
        Coro.run(() -> {
            List<Task<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiters.add(Coro.spawn(() -> latch.await()));
            }
            for (int i = 0; i < 3; i++) {
                long ms = 10L * (i + 1);
                Coro.spawn(() -> {
                    Thread.sleep(ms);
                    latch.countDown();
                });
            }
            Coro.spawn(() -> {
                while (latch.getCount() > 0) {
                    Thread.sleep(2);
                    ticks.incrementAndGet();
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ticks.get() < 10 && System.nanoTime() < deadline) { // five tasks wait on the latch meanwhile
                Thread.sleep(2);
            }
            new Thread(latch::countDown).start(); // not instrumented: noticed by the waiters' poll
            Coro.joinAll(waiters);
            assertTrue(latch.await(1, TimeUnit.MILLISECONDS));
        });
        assertTrue(ticks.get() >= 10, "the loop kept running while tasks waited: " + ticks.get());
    }

    @Test
    void aSemaphoreBoundsConcurrencyAmongTasks() {
        Semaphore permits = new Semaphore(3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Coro.run(() -> {
            List<Task<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                tasks.add(Coro.spawn(() -> {
                    permits.acquire();
                    try {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.sleep(10);
                        inside.decrementAndGet();
                    } finally {
                        permits.release();
                    }
                }));
            }
            Coro.joinAll(tasks);
            assertFalse(permits.tryAcquire(4, 20, TimeUnit.MILLISECONDS), "only 3 permits exist");
        });
        assertEquals(3, most.get());
        assertEquals(3, permits.availablePermits());
    }

    @Test
    void aBoundedBlockingQueueCarriesItemsInOrderBetweenTasks() {
        BlockingQueue<Integer> q = new ArrayBlockingQueue<>(2);
        List<Integer> got = new ArrayList<>();
        Coro.run(() -> {
            Task<Void> consumer = Coro.spawn(() -> {
                for (int i = 0; i < 200; i++) {
                    got.add(q.take());
                }
            });
            for (int i = 0; i < 200; i++) {
                q.put(i);
            }
            consumer.join();
            assertNull(q.poll(20, TimeUnit.MILLISECONDS), "empty: the timed poll gives up");
            assertTrue(q.offer(1, 10, TimeUnit.MILLISECONDS));
            assertTrue(q.offer(2, 10, TimeUnit.MILLISECONDS));
            assertFalse(q.offer(3, 20, TimeUnit.MILLISECONDS), "full: the timed offer gives up");
        });
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add(i);
        }
        assertEquals(expected, got);
    }

    @Test
    void aTaskTakesWhatAPlainThreadPuts() {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        List<String> got = Coro.run(() -> {
            new Thread(() -> {
                for (int i = 0; i < 5; i++) {
                    q.add("m" + i);
                    try {
                        Thread.sleep(3);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }).start();
            List<String> l = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                l.add(q.take());
            }
            return l;
        });
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), got);
    }

    // ---- CyclicBarrier, Phaser: parties that are tasks of one loop ----

    @Coroutine
    static String meet(CyclicBarrier barrier, List<String> log, String who, long beforeMs) throws Exception {
        Thread.sleep(beforeMs);
        log.add(who + " arrives");
        int index = barrier.await(5, TimeUnit.SECONDS);
        log.add(who + " passes");
        return who + " " + index;
    }

    @Test
    void tasksOfOneLoopMeetAtACyclicBarrier() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<String> actions = Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier barrier = new CyclicBarrier(3, () -> actions.add("tripped"));
        List<String> results = Coro.run(() -> {
            Task<String> a = Coro.spawn(() -> meet(barrier, log, "a", 0));
            Task<String> b = Coro.spawn(() -> meet(barrier, log, "b", 30));
            Task<String> c = Coro.spawn(() -> meet(barrier, log, "c", 60));
            return List.of(a.join(), b.join(), c.join());
        });
        // a task waiting at the barrier would otherwise hold the loop's thread: the others could never arrive
        assertEquals(List.of("a arrives", "b arrives", "c arrives"), log.subList(0, 3));
        assertEquals(List.of("a 2", "b 1", "c 0"), results); // arrival indexes, as the JDK counts them
        assertEquals(List.of("tripped"), actions);
        assertEquals(6, log.size());
    }

    @Test
    void aTaskCancelledAtABarrierBreaksItAsAnInterruptedThreadWould() {
        CyclicBarrier barrier = new CyclicBarrier(2);
        String r = Coro.run(() -> {
            Task<Integer> waiting = Coro.spawn(() -> barrier.await());
            Thread.sleep(50);
            waiting.cancel();
            try {
                waiting.join();
                return "passed";
            } catch (CancellationException e) {
                return "cancelled";
            }
        });
        assertEquals("cancelled", r);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!barrier.isBroken() && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertTrue(barrier.isBroken(), "the party that gave up broke the barrier, so the others do not wait for ever");
    }

    @Coroutine
    static void phases(Phaser phaser, List<String> log, String who) {
        for (int round = 0; round < 3; round++) {
            log.add(who + " in " + round);
            int next = phaser.arriveAndAwaitAdvance();
            log.add(who + " next " + next);
        }
        phaser.arriveAndDeregister();
    }

    @Test
    void tasksOfOneLoopAdvanceAPhaserTogether() {
        Phaser phaser = new Phaser(3);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Void> a = Coro.spawn(() -> phases(phaser, log, "a"));
            Task<Void> b = Coro.spawn(() -> phases(phaser, log, "b"));
            Task<Void> c = Coro.spawn(() -> {
                Thread.sleep(20);
                phases(phaser, log, "c");
            });
            Coro.joinAll(a, b, c);
        });
        for (int round = 0; round < 3; round++) {
            int lastIn = Math.max(log.indexOf("a in " + round), Math.max(log.indexOf("b in " + round),
                    log.indexOf("c in " + round)));
            for (String who : List.of("a", "b", "c")) {
                assertTrue(log.indexOf(who + " next " + (round + 1)) > lastIn, "round " + round + ": " + log);
            }
        }
        assertTrue(phaser.isTerminated(), "every party deregistered");
    }

    @Test
    void aPhasersTimedWaitTimesOutInATaskAsTheJdks() throws Exception {
        Phaser phaser = new Phaser(2);
        String r = Coro.run(() -> {
            int phase = phaser.arrive();
            try {
                phaser.awaitAdvanceInterruptibly(phase, 50, TimeUnit.MILLISECONDS);
                return "advanced";
            } catch (java.util.concurrent.TimeoutException e) {
                return "timed out in phase " + phaser.getPhase();
            }
        });
        assertEquals("timed out in phase 0", r);
    }
}
