package dev.coro.tests.diagnostics;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A suspension inside {@code synchronized} cannot give up the monitor: it runs pinned. Sleep and yield complete by
 * blocking the loop thread (with a warning about the monitor); join cannot, and fails mentioning the monitor. The
 * monitor is held throughout and released exactly when the block or method ends.
 */
class SynchronizedTest extends WarningCapture {

    static boolean mentionsMonitor(String s) {
        String l = s.toLowerCase();
        return l.contains("monitor") || l.contains("synchronized");
    }

    // ---- sleep inside a synchronized block ----

    @Coroutine
    static void sleepInSynchronizedBlock(List<String> log, Object lock) {
        synchronized (lock) {
            log.add("locked " + Thread.holdsLock(lock));
            Coro.sleep(40);
            log.add("slept holding " + Thread.holdsLock(lock));
        }
        log.add("released " + !Thread.holdsLock(lock));
        Coro.yield(); // outside the block: a real suspension again
        log.add("after yield");
    }

    @Test
    void sleepInsideSynchronizedBlockRunsPinnedHoldingTheMonitorAndWarns() {
        Object lock = new Object();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Coro.run(() -> {
            Task<Void> other = Coro.spawn(() -> {
                for (int k = 0; k < 3; k++) {
                    log.add("other" + k);
                    Coro.yield();
                }
            });
            sleepInSynchronizedBlock(log, lock);
            other.join();
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 38, "the pinned sleep did not block: " + ms + " ms");
        assertEquals(List.of("locked true", "slept holding true", "released true", "other0", "after yield", "other1",
                "other2"), log);
        assertFalse(Thread.holdsLock(lock));
        assertTrue(allWarnings().stream().anyMatch(SynchronizedTest::mentionsMonitor),
                "no warning about the monitor: " + allWarnings());
    }

    @Coroutine
    static void sleepBelowSynchronizedBlock(List<String> log, Object lock) {
        synchronized (lock) {
            leafSleep(log); // a coroutine called with the monitor held: pinned as well
        }
    }

    @Coroutine
    static void leafSleep(List<String> log) {
        Coro.sleep(40);
        log.add("leaf slept");
    }

    @Test
    void coroutineCalledInsideSynchronizedBlockRunsPinnedAndTheWarningNamesTheMethodHoldingTheMonitor() {
        Object lock = new Object();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> {
            Task<Void> other = Coro.spawn(() -> {
                log.add("other");
            });
            sleepBelowSynchronizedBlock(log, lock);
            log.add("main");
            other.join();
        });
        assertEquals(List.of("leaf slept", "main", "other"), log);
        List<String> w = warningsContaining("sleepBelowSynchronizedBlock");
        assertEquals(1, w.size(), "warnings: " + allWarnings());
        assertTrue(mentionsMonitor(w.get(0)), w.get(0));
    }

    @Test
    void warningForSleepDirectlyInsideSynchronizedNamesTheMethodHoldingTheMonitor() {
        Object lock = new Object();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Coro.run(() -> directSleepInSynchronized(log, lock));
        assertEquals(List.of("slept"), log);
        List<String> w = warningsContaining("directSleepInSynchronized");
        assertEquals(1, w.size(), "warnings: " + allWarnings());
        assertTrue(mentionsMonitor(w.get(0)), w.get(0));
    }

    @Coroutine
    static void directSleepInSynchronized(List<String> log, Object lock) {
        synchronized (lock) {
            Coro.sleep(5);
            log.add("slept");
        }
    }

    // ---- synchronized methods ----

    static final class Account {
        int balance;

        @Coroutine
        synchronized int deposit(int amount) {
            int before = balance;
            Coro.sleep(30); // pinned: no other task of this loop can interleave here
            balance = before + amount;
            return balance;
        }
    }

    @Test
    void sleepInsideSynchronizedMethodRunsPinnedSoNoUpdateIsLost() {
        Account account = new Account();
        long start = System.nanoTime();
        List<?> r = Coro.run(() -> {
            Task<Integer> a = Coro.spawn(() -> account.deposit(10));
            Task<Integer> b = Coro.spawn(() -> account.deposit(5));
            return List.of(a.join(), b.join());
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // had the first deposit really suspended, the second (same thread, reentrant monitor) would have read 0 too
        assertEquals(List.of(10, 15), r);
        assertEquals(15, account.balance);
        assertTrue(ms >= 58, "two pinned 30 ms sleeps took " + ms + " ms");
        assertFalse(Thread.holdsLock(account));
        assertTrue(allWarnings().stream().anyMatch(SynchronizedTest::mentionsMonitor),
                "no warning about the monitor: " + allWarnings());
    }

    // ---- join inside synchronized ----

    @Coroutine
    static Object joinInSynchronizedBlock(Task<?> t, Object lock) {
        synchronized (lock) {
            return t.join();
        }
    }

    static final class Joiner {
        @Coroutine
        synchronized Object joinHoldingThis(Task<?> t) {
            return t.join();
        }
    }

    @Test
    void joinInsideSynchronizedBlockThrowsMentioningTheMonitorAndReleasesIt() {
        Object lock = new Object();
        List<?> r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(20);
                return "value";
            });
            Object failure;
            try {
                failure = "returned " + joinInSynchronizedBlock(t, lock);
            } catch (IllegalStateException e) {
                failure = e;
            }
            boolean held = Thread.holdsLock(lock);
            return List.of(failure, held, t.join()); // and a join outside the block suspends as usual
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r.get(0));
        assertTrue(e.getMessage().toLowerCase().contains("monitor"), e.getMessage());
        assertEquals(false, r.get(1), "monitor still held after the exception");
        assertEquals("value", r.get(2));
    }

    @Test
    void joinInsideSynchronizedMethodThrowsMentioningTheMonitor() {
        Joiner joiner = new Joiner();
        List<?> r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(20);
                return "value";
            });
            Object failure;
            try {
                failure = "returned " + joiner.joinHoldingThis(t);
            } catch (IllegalStateException e) {
                failure = e;
            }
            return List.of(failure, Thread.holdsLock(joiner), t.join());
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r.get(0));
        assertTrue(e.getMessage().toLowerCase().contains("monitor"), e.getMessage());
        assertEquals(false, r.get(1));
        assertEquals("value", r.get(2));
    }
}
