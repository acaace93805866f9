package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Event;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Event}: set, clear, await, await(Duration); on one loop, across two loops, and from plain threads. */
class EventTest extends PrimitiveTest {

    @Test
    void setWakesEveryWaiterAndOnlyThen() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Event e = new Event();
            List<Task<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                waiters.add(Coro.spawn(() -> {
                    e.await();
                    l.add("woke " + id);
                }));
            }
            Coro.sleep(30);
            assertEquals(List.of(), l, "a waiter went past an event that was not set");
            assertFalse(e.isSet());
            l.add("set");
            e.set();
            Coro.joinAll(waiters);
            return l;
        });
        assertEquals("set", log.get(0));
        assertEquals(List.of("woke 0", "woke 1", "woke 2", "woke 3"),
                log.subList(1, 5).stream().sorted().collect(java.util.stream.Collectors.toList()));
    }

    @Test
    void awaitOnASetEventReturnsAtOnceUntilCleared() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Event e = new Event();
            e.set();
            assertTrue(e.isSet());
            e.await(); // returns at once: a lone task that waited here would deadlock
            assertTrue(e.await(Duration.ZERO));
            e.set(); // setting twice is harmless
            e.await();
            l.add("passed while set");
            e.clear();
            assertFalse(e.isSet());
            Task<Void> waiter = Coro.spawn(() -> {
                e.await();
                l.add("passed after the second set");
            });
            Coro.sleep(20);
            l.add("still waiting: " + !waiter.isDone());
            e.set();
            waiter.join();
            return l;
        });
        assertEquals(List.of("passed while set", "still waiting: true", "passed after the second set"), log);
    }

    @Test
    void awaitWithTimeoutIsFalseIfNotSetInTimeAndTrueIfSet() {
        long[] waited = new long[1];
        List<Boolean> results = Coro.run(() -> {
            Event e = new Event();
            List<Boolean> r = new ArrayList<>();
            long start = System.nanoTime();
            r.add(e.await(Duration.ofMillis(60)));
            waited[0] = msSince(start);
            r.add(e.await(Duration.ZERO));
            Coro.spawn(() -> {
                Coro.sleep(20);
                e.set();
            });
            r.add(e.await(Duration.ofSeconds(10)));
            return r;
        });
        assertEquals(List.of(false, false, true), results);
        assertTrue(waited[0] >= 50, "await(60 ms) gave up after " + waited[0] + " ms");
    }

    @Test
    void aTimedOutWaiterIsNotWokenLaterAndOtherWaitersStillAre() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Event e = new Event();
            Task<Void> impatient = Coro.spawn(() -> {
                l.add("impatient " + e.await(Duration.ofMillis(10)));
                Coro.sleep(40);
                l.add("impatient done");
            });
            Task<Void> patient = Coro.spawn(() -> {
                e.await();
                l.add("patient woke");
            });
            Coro.sleep(25);
            e.set();
            Coro.joinAll(impatient, patient);
            return l;
        });
        assertEquals(List.of("impatient false", "patient woke", "impatient done"), log);
    }

    @Test
    void cancellingAWaiterThrowsCancellationExceptionAndTheOthersStillWake() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Event e = new Event();
            Task<Void> cancelled = Coro.spawn(() -> {
                try {
                    e.await();
                    l.add("cancelled one woke");
                } finally {
                    l.add("finally");
                }
            });
            Task<Void> other = Coro.spawn(() -> {
                e.await();
                l.add("other woke");
            });
            Coro.yield();
            cancelled.cancel();
            thrownBy(CancellationException.class, () -> cancelled.join());
            e.set();
            other.join();
            return l;
        });
        assertEquals(List.of("finally", "other woke"), log);
    }

    @Test
    void setFromAPlainThreadWakesCoroutinesAndPlainThreadsBlockInAwait() throws Exception {
        Event fromCoroutine = new Event();
        Event fromThread = new Event();
        CompletableFuture<String> plain = plainThread("plain-waiter", () -> {
            fromCoroutine.await();
            boolean timedOut = !new Event().await(Duration.ofMillis(20));
            fromThread.set();
            return "plain woke, timed wait false: " + timedOut;
        });
        String r = Coro.run(() -> {
            Coro.sleep(30);
            assertFalse(plain.isDone(), "a plain thread went past an event that was not set");
            fromCoroutine.set();
            // only the plain thread sets this one; give the wait a deadline so the loop has a timer meanwhile
            return fromThread.await(Duration.ofSeconds(10)) ? "coroutine woke" : "not set in 10 s";
        });
        assertEquals("coroutine woke", r);
        assertEquals("plain woke, timed wait false: true", get(plain));
    }

    @Test
    void aCoroutineOnOneLoopAwaitsAnEventACoroutineOnAnotherLoopSets() throws Exception {
        Event e = new Event();
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Coro.sleep(50);
            e.set();
        });
        long[] waited = new long[1];
        Coro.run(() -> {
            long start = System.nanoTime();
            e.await(); // nothing else on this loop: only loop B can end the wait
            waited[0] = msSince(start);
        });
        get(loopB);
        assertTrue(waited[0] >= 30, "await returned before loop B set the event: " + waited[0] + " ms");
    }

    @Test
    void waitersOnTwoLoopsAndAPlainThreadAllWakeOnOneSet() throws Exception {
        Event go = new Event();
        List<String> woke = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Task<Void> a = Coro.spawn(() -> {
                go.await(Duration.ofSeconds(10));
                woke.add("B1");
            });
            Task<Void> b = Coro.spawn(() -> {
                go.await(Duration.ofSeconds(10));
                woke.add("B2");
            });
            Coro.joinAll(a, b);
        });
        CompletableFuture<Object> plain = plainThread("plain", () -> {
            go.await(Duration.ofSeconds(10));
            woke.add("plain");
            return null;
        });
        Coro.run(() -> {
            Task<Void> a = Coro.spawn(() -> {
                go.await(Duration.ofSeconds(10));
                woke.add("A");
            });
            Coro.sleep(50);
            assertEquals(List.of(), woke);
            go.set();
            a.join();
        });
        get(loopB);
        get(plain);
        assertEquals(List.of("A", "B1", "B2", "plain"), woke.stream().sorted().collect(java.util.stream.Collectors.toList()));
    }
}
