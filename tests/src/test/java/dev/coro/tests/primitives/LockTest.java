package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Lock;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Lock}: owned by a task, held across suspensions, reentrant, fair; loops and plain threads. */
class LockTest extends PrimitiveTest {

    /** Read, suspend, write: without mutual exclusion the tasks overwrite each other's increments. */
    private static int incrementConcurrently(Lock lock, int tasks, int rounds) {
        return Coro.run(() -> {
            int[] counter = {0};
            List<Task<Void>> all = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                all.add(Coro.spawn(() -> {
                    for (int i = 0; i < rounds; i++) {
                        if (lock != null) {
                            lock.lock();
                        }
                        try {
                            int v = counter[0];
                            Coro.sleep(1);
                            counter[0] = v + 1;
                        } finally {
                            if (lock != null) {
                                lock.unlock();
                            }
                        }
                    }
                }));
            }
            Coro.joinAll(all);
            return counter[0];
        });
    }

    @Test
    void aCounterIncrementedWithASleepInsideTheCriticalSectionStaysExact() {
        assertEquals(8 * 10, incrementConcurrently(new Lock(), 8, 10));
    }

    @Test
    void withoutTheLockTheSameCounterLosesIncrements() {
        // the control for the test above: it shows the sleep does interleave the tasks
        assertTrue(incrementConcurrently(null, 8, 10) < 8 * 10);
    }

    @Test
    void theSameTaskMayLockAgainAndMustUnlockAsOftenBeforeOthersGetIt() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Lock lock = new Lock();
            lock.lock();
            lock.lock(); // reentrant: a lone task that waited here would deadlock
            assertTrue(lock.tryLock());
            assertTrue(lock.isHeldByCurrent());
            Task<Void> other = Coro.spawn(() -> {
                assertFalse(lock.isHeldByCurrent());
                assertFalse(lock.tryLock());
                lock.lock();
                l.add("other got it");
                lock.unlock();
            });
            Coro.sleep(10);
            lock.unlock();
            lock.unlock();
            Coro.sleep(10);
            l.add("after two unlocks: other done " + other.isDone());
            assertTrue(lock.isLocked());
            lock.unlock();
            other.join();
            assertFalse(lock.isLocked());
            assertFalse(lock.isHeldByCurrent());
            return l;
        });
        assertEquals(List.of("after two unlocks: other done false", "other got it"), log);
    }

    @Test
    void unlockByATaskThatDoesNotHoldItThrowsNamingBoth() {
        String[] messages = Coro.run(() -> {
            Lock lock = new Lock();
            String notHeld = thrownBy(IllegalStateException.class, () -> lock.unlock()).getMessage();
            Task<Void> owner = Coro.spawn("owner-task", () -> {
                lock.lock();
                Coro.sleep(50);
                lock.unlock();
            });
            Task<String> intruder = Coro.spawn("intruder-task", () -> {
                Coro.sleep(10);
                return thrownBy(IllegalStateException.class, () -> lock.unlock()).getMessage();
            });
            String m = intruder.join();
            assertTrue(lock.isLocked(), "the failed unlock released the owner's lock");
            owner.join();
            return new String[] {notHeld, m};
        });
        assertTrue(messages[0].contains("held by nobody"), messages[0]);
        assertTrue(messages[1].contains("intruder-task") && messages[1].contains("owner-task"), messages[1]);
    }

    @Test
    void waitersGetTheLockInArrivalOrderAndItIsHandedOverNotGrabbed() {
        List<Integer> order = Coro.run(() -> {
            List<Integer> l = new ArrayList<>();
            Lock lock = new Lock();
            lock.lock();
            List<Task<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                waiters.add(Coro.spawn(() -> {
                    Coro.sleep(5L * id);
                    lock.lock();
                    try {
                        l.add(id);
                        Coro.yield();
                    } finally {
                        lock.unlock();
                    }
                }));
            }
            Coro.sleep(60);
            lock.unlock();
            // handed to the first waiter already, though it has not run yet: the unlocking task cannot take it back
            assertTrue(lock.isLocked());
            assertFalse(lock.tryLock(), "tryLock barged ahead of the waiters");
            Coro.joinAll(waiters);
            return l;
        });
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void cancellingAWaiterThrowsThereAndTheLockGoesToTheNextWaiter() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Lock lock = new Lock();
            lock.lock();
            Task<Void> first = Coro.spawn(() -> {
                lock.lock();
                l.add("first got it");
                lock.unlock();
            });
            Task<Void> second = Coro.spawn(() -> {
                Coro.yield();
                lock.lock();
                l.add("second got it");
                lock.unlock();
            });
            yields(3);
            first.cancel();
            thrownBy(CancellationException.class, () -> first.join());
            lock.unlock();
            second.join();
            assertFalse(lock.isLocked(), "the lock stayed with a cancelled task");
            return l;
        });
        assertEquals(List.of("second got it"), log);
    }

    @Test
    void plainThreadsAreOwnersToo() throws Exception {
        Lock lock = new Lock();
        lock.lock();
        lock.lock();
        assertTrue(lock.isHeldByCurrent());
        CompletableFuture<String> other = plainThread("plain-other", () -> {
            String r = "tryLock " + lock.tryLock();
            IllegalStateException e = assertThrows(IllegalStateException.class, lock::unlock);
            assertTrue(e.getMessage().contains("plain-other"), e.getMessage());
            lock.lock(); // blocks until the test thread unlocks twice
            r += ", then locked";
            lock.unlock();
            return r;
        });
        pause(50);
        lock.unlock();
        pause(20);
        assertFalse(other.isDone(), "one unlock of two released a reentrant lock");
        lock.unlock();
        assertEquals("tryLock false, then locked", get(other));
        assertFalse(lock.isLocked());
    }

    @Test
    void aCoroutineWaitsWhileAPlainThreadHoldsTheLock() throws Exception {
        Lock lock = new Lock();
        CompletableFuture<Object> holder = plainThread("plain-holder", () -> {
            lock.lock();
            Thread.sleep(60);
            lock.unlock();
            return null;
        });
        pause(20);
        long[] waited = new long[1];
        Coro.run(() -> {
            long start = System.nanoTime();
            lock.lock(); // nothing else on this loop: only the plain thread can end the wait
            waited[0] = msSince(start);
            assertTrue(lock.isHeldByCurrent());
            lock.unlock();
        });
        get(holder);
        assertTrue(waited[0] >= 20, "lock returned while a plain thread held it: " + waited[0] + " ms");
    }

    @Test
    void tasksOnTwoLoopsExcludeEachOther() throws Exception {
        Lock lock = new Lock();
        int[] counter = {0};
        dev.coro.CoroutineRunnable body = () -> {
            List<Task<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                tasks.add(Coro.spawn(() -> {
                    for (int i = 0; i < 10; i++) {
                        lock.lock();
                        try {
                            int v = counter[0];
                            Coro.sleep(1);
                            counter[0] = v + 1;
                        } finally {
                            lock.unlock();
                        }
                    }
                }));
            }
            Coro.joinAll(tasks);
        };
        CompletableFuture<Void> b = loopThread("loop-B", body);
        CompletableFuture<Void> a = loopThread("loop-A", body);
        get(a);
        get(b);
        assertEquals(2 * 3 * 10, counter[0]); // the loops' writes happened-before their futures completed
    }

    /** The unlock hands the lock to the waiter, whose cancel comes before it runs: it holds it, and its finally frees it. */
    @Test
    void aWaiterCancelledJustAfterTheLockWasHandedToItStillReleasesIt() {
        Coro.run(() -> {
            Lock lock = new Lock();
            lock.lock();
            Task<Void> waiter = Coro.spawn(() -> {
                lock.lock();
                try {
                    Coro.sleep(5);
                } finally {
                    lock.unlock();
                }
            });
            yields(2);
            lock.unlock();
            waiter.cancel();
            thrownBy(CancellationException.class, () -> waiter.join());
            assertFalse(lock.isLocked(), "the lock stayed with the cancelled task");
            assertTrue(lock.tryLock());
            lock.unlock();
        });
    }
}
