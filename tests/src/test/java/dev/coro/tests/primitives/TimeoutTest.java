package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Event;
import dev.coro.Lock;
import dev.coro.Semaphore;
import dev.coro.Task;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Timeout} (try-with-resources) and {@link Coro#withTimeout}: where they fire, which one, and never late. */
class TimeoutTest extends PrimitiveTest {

    // ---- Timeout ----

    @Test
    void anExpiredTimeoutThrowsAtTheSuspensionPointAndFinallyBlocksRun() {
        List<String> log = new ArrayList<>();
        long start = System.nanoTime();
        Coro.run(() -> {
            Timeout[] mine = new Timeout[1];
            try (Timeout t = Timeout.after(Duration.ofMillis(50))) {
                mine[0] = t;
                try {
                    log.add("sleeping");
                    Coro.sleep(10_000);
                    log.add("woke up");
                } finally {
                    log.add("inner finally");
                }
            } catch (TimeoutExpiredException e) {
                assertSame(mine[0], e.timeout());
                assertEquals(Duration.ofMillis(50), e.duration());
                assertTrue(mine[0].expired());
                log.add("timed out");
            }
            Coro.sleep(20); // the task goes on normally afterwards
            log.add("after");
        });
        long ms = msSince(start);
        assertEquals(List.of("sleeping", "inner finally", "timed out", "after"), log);
        assertTrue(ms >= 60 && ms < 5_000, "took " + ms + " ms");
    }

    @Test
    void aTimeoutClosedBeforeItExpiresNeverFires() {
        boolean[] expired = new boolean[1];
        String r = Coro.run(() -> {
            Timeout kept;
            try (Timeout t = Timeout.after(Duration.ofMillis(30))) {
                kept = t;
                Coro.sleep(1);
            }
            Coro.sleep(80); // well past its deadline
            Channel<String> ch = Channel.unbounded();
            Coro.spawn(() -> {
                Coro.sleep(20);
                ch.send("done");
            });
            String v = ch.receive();
            expired[0] = kept.expired();
            return v;
        });
        assertEquals("done", r);
        assertFalse(expired[0]);
    }

    @Test
    void aTimeoutThatExpiresWhileTheTaskComputesThrowsAtItsNextSuspensionPoint() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                Coro.yield();
                spin(40); // computes past the deadline, in plain code: no preemption point in there
                l.add("computed");
                Coro.sleep(10_000);
                l.add("slept");
            } catch (TimeoutExpiredException e) {
                l.add("timed out");
            }
            return l;
        });
        assertEquals(List.of("computed", "timed out"), log);
    }

    /** Busy for {@code ms}: plain code, so the agent puts no preemption check in its loop. */
    private static void spin(long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void nestedTimeoutsInnerShorterFiresTheInnerOneAndTheOuterKeepsRunning() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout outer = Timeout.after(Duration.ofSeconds(10))) {
                Timeout[] in = new Timeout[1];
                try (Timeout inner = Timeout.after(Duration.ofMillis(30))) {
                    in[0] = inner;
                    Coro.sleep(5_000);
                    l.add("inner body finished");
                } catch (TimeoutExpiredException e) {
                    l.add(e.timeout() == in[0] ? "inner fired" : e.timeout() == outer ? "outer fired" : "unknown");
                }
                Coro.sleep(20);
                l.add("outer body continues, outer expired: " + outer.expired());
            }
            return l;
        });
        assertEquals(List.of("inner fired", "outer body continues, outer expired: false"), log);
    }

    @Test
    void nestedTimeoutsOuterShorterFiresTheOuterOneThroughTheInner() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Timeout[] out = new Timeout[1];
            try (Timeout outer = Timeout.after(Duration.ofMillis(30))) {
                out[0] = outer;
                try (Timeout inner = Timeout.after(Duration.ofSeconds(10))) {
                    try {
                        Coro.sleep(5_000);
                        l.add("body finished");
                    } catch (TimeoutExpiredException e) {
                        if (e.timeout() != inner) {
                            l.add("inner sees another's timeout");
                            throw e;
                        }
                        l.add("inner caught its own");
                    } finally {
                        l.add("inner finally");
                    }
                }
                l.add("outer body continued");
            } catch (TimeoutExpiredException e) {
                l.add(e.timeout() == out[0] ? "outer fired" : "wrong timeout");
            }
            return l;
        });
        assertEquals(List.of("inner sees another's timeout", "inner finally", "outer fired"), log);
    }

    @Test
    void aTimeoutOfOneTaskDoesNotTouchAnother() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<Void> other = Coro.spawn(() -> {
                Coro.sleep(60);
                l.add("other slept in peace");
            });
            try (Timeout t = Timeout.after(Duration.ofMillis(20))) {
                other.join();
                l.add("joined");
            } catch (TimeoutExpiredException e) {
                l.add("join timed out");
            }
            other.join();
            return l;
        });
        assertEquals(List.of("join timed out", "other slept in peace"), log);
    }

    @Test
    void aTimeoutEndsWaitsOnEveryPrimitiveAndLeavesNothingBehindInTheirQueues() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.unbounded();
            Event ev = new Event();
            Semaphore sem = new Semaphore(0);
            Lock lock = new Lock();
            Task<Void> holder = Coro.spawn(() -> {
                lock.lock();
                Coro.sleep(1_000); // far beyond the five 15 ms timeouts below, even on a loaded machine
                lock.unlock();
            });
            Coro.yield();
            l.add(timesOut(() -> ch.receive()));
            l.add(timesOut(() -> ev.await()));
            l.add(timesOut(() -> sem.acquire()));
            l.add(timesOut(() -> lock.lock()));
            l.add(timesOut(() -> Coro.blocking(() -> {
                Thread.sleep(150);
                return null;
            })));
            // nothing the timed-out waits left in the queues takes what comes next
            ch.send("kept");
            assertEquals("kept", ch.tryReceive());
            sem.release();
            assertEquals(1, sem.availablePermits());
            holder.join();
            assertFalse(lock.isLocked(), "the lock went to a waiter that had timed out");
            return l;
        });
        assertEquals(List.of("timed out", "timed out", "timed out", "timed out", "timed out"), log);
    }

    @Coroutine
    private static String timesOut(dev.coro.CoroutineRunnable wait) throws Exception {
        try (Timeout t = Timeout.after(Duration.ofMillis(15))) {
            wait.run();
            return "returned";
        } catch (TimeoutExpiredException e) {
            return "timed out";
        }
    }

    @Test
    void aTimeoutNeedsACoroutineAndANonNegativeDuration() {
        assertThrows(IllegalStateException.class, () -> Timeout.after(Duration.ofSeconds(1)));
        Coro.run(() -> {
            assertThrows(IllegalArgumentException.class, () -> Timeout.after(Duration.ofMillis(-1)));
        });
    }

    // ---- Coro.withTimeout ----

    @Test
    void withTimeoutReturnsTheBodysValueWhenInTime() {
        long start = System.nanoTime();
        String r = Coro.run(() -> Coro.withTimeout(Duration.ofSeconds(5), () -> {
            Coro.sleep(10);
            return "in time";
        }));
        assertEquals("in time", r);
        assertTrue(msSince(start) < 4_000);
    }

    @Test
    void withTimeoutThrowsWhenLateAfterTheBodysFinallyBlocks() {
        List<String> log = new ArrayList<>();
        long start = System.nanoTime();
        Coro.run(() -> {
            try {
                Coro.withTimeout(Duration.ofMillis(40), () -> {
                    try {
                        Coro.sleep(10_000);
                        return "late";
                    } finally {
                        log.add("body finally");
                    }
                });
                log.add("returned");
            } catch (TimeoutExpiredException e) {
                assertEquals(Duration.ofMillis(40), e.duration());
                log.add("timed out");
            }
        });
        assertEquals(List.of("body finally", "timed out"), log);
        assertTrue(msSince(start) < 5_000);
    }

    @Test
    void withTimeoutThatReturnedNeverFiresLater() {
        String r = Coro.run(() -> {
            String v = Coro.withTimeout(Duration.ofMillis(30), () -> {
                Coro.yield();
                return "quick";
            });
            Coro.sleep(80); // past the deadline
            Event e = new Event();
            Coro.spawn(() -> {
                Coro.sleep(10);
                e.set();
            });
            e.await();
            return v;
        });
        assertEquals("quick", r);
    }

    @Test
    void nestedWithTimeoutInnerShorterFiresTheInnerOne() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            String outer = Coro.withTimeout(Duration.ofSeconds(10), () -> {
                try {
                    Coro.withTimeout(Duration.ofMillis(30), () -> {
                        Coro.sleep(5_000);
                        return "inner finished";
                    });
                } catch (TimeoutExpiredException e) {
                    l.add("caught " + e.duration().toMillis() + " ms");
                }
                Coro.sleep(20);
                return "outer finished";
            });
            l.add(outer);
            return l;
        });
        assertEquals(List.of("caught 30 ms", "outer finished"), log);
    }

    @Test
    void nestedWithTimeoutOuterShorterFiresTheOuterOne() {
        List<String> log = new ArrayList<>();
        Coro.run(() -> {
            try {
                Coro.withTimeout(Duration.ofMillis(30), () -> Coro.withTimeout(Duration.ofSeconds(10), () -> {
                    try {
                        Coro.sleep(5_000);
                        return "inner finished";
                    } finally {
                        log.add("inner finally");
                    }
                }));
                log.add("returned");
            } catch (TimeoutExpiredException e) {
                log.add("caught " + e.duration().toMillis() + " ms");
            }
        });
        assertEquals(List.of("inner finally", "caught 30 ms"), log);
    }

    private static final long[] DEADLINES = {10, 30, 250, 400};

    @Test
    void timeoutsOfSeveralTasksFireEachInItsOwnTask() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                tasks.add(Coro.spawn(() -> {
                    try {
                        return Coro.withTimeout(Duration.ofMillis(DEADLINES[id]), () -> {
                            Coro.sleep(60);
                            return id + " in time";
                        });
                    } catch (TimeoutExpiredException e) {
                        return id + " timed out";
                    }
                }));
            }
            for (Task<String> t : tasks) {
                l.add(t.join());
            }
            return l;
        });
        // deadlines 10 and 30 ms come before the 60 ms sleep ends (the timer heap fires them first, however late the
        // loop is); 250 and 400 ms leave the sleep a wide margin
        assertEquals(List.of("0 timed out", "1 timed out", "2 in time", "3 in time"), log);
    }

    @Test
    void differentTimeoutObjectsAreDistinguishable() {
        Coro.run(() -> {
            Timeout a = Timeout.after(Duration.ofSeconds(10));
            Timeout b = Timeout.after(Duration.ofSeconds(10));
            assertNotSame(a, b);
            a.close();
            b.close();
            a.close(); // closing twice is harmless
        });
    }
}
