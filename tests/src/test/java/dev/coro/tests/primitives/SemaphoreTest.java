package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Semaphore;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Semaphore}: permits, waiting, FIFO hand-off, timeouts, bounded releases; loops and plain threads. */
class SemaphoreTest extends PrimitiveTest {

    @Test
    void acquireTakesFreePermitsAtOnceAndWaitsWhenNoneIsLeft() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Semaphore sem = new Semaphore(2);
            sem.acquire();
            sem.acquire();
            assertEquals(0, sem.availablePermits());
            Task<Void> third = Coro.spawn(() -> {
                sem.acquire();
                l.add("third acquired");
            });
            yields(3);
            l.add("third waiting: " + !third.isDone());
            sem.release();
            third.join();
            assertEquals(0, sem.availablePermits(), "the released permit went to the waiter, not to the pool");
            sem.release();
            sem.release();
            assertEquals(2, sem.availablePermits());
            return l;
        });
        assertEquals(List.of("third waiting: true", "third acquired"), log);
    }

    @Test
    void tryAcquireNeverWaits() {
        Coro.run(() -> {
            Semaphore sem = new Semaphore(1);
            assertTrue(sem.tryAcquire());
            assertFalse(sem.tryAcquire());
            assertFalse(sem.tryAcquire(Duration.ZERO));
            sem.release();
            assertTrue(sem.tryAcquire(Duration.ZERO));
            assertEquals(0, sem.availablePermits());
        });
    }

    @Test
    void tryAcquireWithTimeoutIsFalseAfterTheTimeoutAndTrueWhenAPermitComesInTime() {
        long[] waited = new long[1];
        List<Boolean> r = Coro.run(() -> {
            Semaphore sem = new Semaphore(0);
            List<Boolean> l = new ArrayList<>();
            long start = System.nanoTime();
            l.add(sem.tryAcquire(Duration.ofMillis(60)));
            waited[0] = msSince(start);
            Coro.spawn(() -> {
                Coro.sleep(20);
                sem.release();
            });
            l.add(sem.tryAcquire(Duration.ofSeconds(10)));
            assertEquals(0, sem.availablePermits());
            // the one that timed out left the queue: a release now is a free permit
            sem.release();
            assertEquals(1, sem.availablePermits(), "a release went to a waiter that had timed out");
            return l;
        });
        assertEquals(List.of(false, true), r);
        assertTrue(waited[0] >= 50, "tryAcquire(60 ms) gave up after " + waited[0] + " ms");
    }

    @Test
    void waitersGetPermitsInArrivalOrderAndNewcomersDoNotBarge() {
        List<Integer> order = Coro.run(() -> {
            List<Integer> l = new ArrayList<>();
            Semaphore sem = new Semaphore(0);
            List<Task<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                waiters.add(Coro.spawn(() -> {
                    Coro.sleep(5L * id); // arrive in order
                    sem.acquire();
                    l.add(id);
                }));
            }
            Coro.sleep(60);
            for (int i = 0; i < 5; i++) {
                sem.release();
                // the permit is handed to the longest waiter even before it runs again
                assertFalse(sem.tryAcquire(), "tryAcquire barged ahead of a waiter");
                assertEquals(0, sem.availablePermits());
            }
            Coro.joinAll(waiters);
            return l;
        });
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void boundedSemaphoreRefusesAReleaseBeyondItsPermits() {
        Coro.run(() -> {
            Semaphore sem = Semaphore.bounded(2);
            IllegalStateException e = assertThrows(IllegalStateException.class, sem::release);
            assertTrue(e.getMessage().contains("released more often than acquired"), e.getMessage());
            assertEquals(2, sem.availablePermits());
            sem.acquire();
            sem.release();
            assertThrows(IllegalStateException.class, sem::release);
            Semaphore unbounded = new Semaphore(1);
            unbounded.release();
            assertEquals(2, unbounded.availablePermits());
        });
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
    }

    @Test
    void cancellingAWaiterThrowsThereAndThePermitGoesToTheNextWaiter() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Semaphore sem = new Semaphore(0);
            Task<Void> first = Coro.spawn(() -> {
                sem.acquire();
                l.add("first acquired");
            });
            Task<Void> second = Coro.spawn(() -> {
                Coro.yield();
                sem.acquire();
                l.add("second acquired");
            });
            yields(3);
            first.cancel();
            thrownBy(CancellationException.class, () -> first.join());
            sem.release();
            second.join();
            assertEquals(0, sem.availablePermits());
            sem.release();
            assertEquals(1, sem.availablePermits(), "the cancelled waiter still held a place in the queue");
            return l;
        });
        assertEquals(List.of("second acquired"), log);
    }

    @Test
    void limitsConcurrencyOfTasksOnOneLoop() {
        int max = Coro.run(() -> {
            Semaphore sem = new Semaphore(3);
            AtomicInteger active = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            List<Task<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                tasks.add(Coro.spawn(() -> {
                    sem.acquire();
                    try {
                        peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                        Coro.sleep(10);
                    } finally {
                        active.decrementAndGet();
                        sem.release();
                    }
                }));
            }
            Coro.joinAll(tasks);
            assertEquals(3, sem.availablePermits());
            return peak.get();
        });
        assertEquals(3, max);
    }

    @Test
    void aCoroutineOnOneLoopWaitsForAPermitACoroutineOnAnotherLoopReleases() throws Exception {
        Semaphore sem = new Semaphore(0);
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Coro.sleep(50);
            sem.release();
        });
        long[] waited = new long[1];
        Coro.run(() -> {
            long start = System.nanoTime();
            sem.acquire(); // nothing else on this loop: only loop B can end the wait
            waited[0] = msSince(start);
        });
        get(loopB);
        assertTrue(waited[0] >= 30, "acquire returned before loop B released: " + waited[0] + " ms");
    }

    @Test
    void limitsConcurrencyAcrossTwoLoopsAndPlainThreads() throws Exception {
        Semaphore sem = new Semaphore(2);
        AtomicInteger active = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Runnable enter = () -> peak.accumulateAndGet(active.incrementAndGet(), Math::max);
        dev.coro.CoroutineRunnable loopBody = () -> {
            List<Task<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                tasks.add(Coro.spawn(() -> {
                    for (int round = 0; round < 3; round++) {
                        sem.acquire();
                        try {
                            enter.run();
                            Coro.sleep(5);
                        } finally {
                            active.decrementAndGet();
                            sem.release();
                        }
                        done.incrementAndGet();
                    }
                }));
            }
            Coro.joinAll(tasks);
        };
        CompletableFuture<Void> a = loopThread("loop-A", loopBody);
        CompletableFuture<Void> b = loopThread("loop-B", loopBody);
        List<CompletableFuture<Object>> plain = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            plain.add(plainThread("plain-" + p, () -> {
                for (int round = 0; round < 3; round++) {
                    sem.acquire();
                    try {
                        enter.run();
                        Thread.sleep(5);
                    } finally {
                        active.decrementAndGet();
                        sem.release();
                    }
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        get(a);
        get(b);
        for (CompletableFuture<Object> f : plain) {
            get(f);
        }
        assertEquals(2 * 4 * 3 + 2 * 3, done.get());
        assertTrue(peak.get() <= 2, "more holders than permits at once: " + peak.get());
        assertEquals(2, sem.availablePermits());
    }

    /** The permit handed to a waiter whose cancel comes before it runs is not lost: its finally gives it back. */
    @Test
    void aWaiterCancelledJustAfterAPermitWasHandedToItDoesNotLoseIt() {
        Coro.run(() -> {
            Semaphore sem = new Semaphore(0);
            Task<Void> waiter = Coro.spawn(() -> {
                sem.acquire();
                try {
                    Coro.sleep(5);
                } finally {
                    sem.release();
                }
            });
            yields(2);
            sem.release();
            waiter.cancel();
            thrownBy(CancellationException.class, () -> waiter.join());
            assertEquals(1, sem.availablePermits());
        });
    }
}
