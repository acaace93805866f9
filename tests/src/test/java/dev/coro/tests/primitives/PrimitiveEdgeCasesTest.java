package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.ChannelClosedException;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.CoroutineLocal;
import dev.coro.Emitter;
import dev.coro.Event;
import dev.coro.Lock;
import dev.coro.Semaphore;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channels, events, semaphores, locks, coroutine-locals and generators at their edges, across loops and threads. */
class PrimitiveEdgeCasesTest extends PrimitiveTest {

    // ---------------------------------------------------------------- select

    /**
     * A channel that is closed (and empty) between select's first look at it and its registration there: select must
     * throw ChannelClosedException, as it does when the channel is closed before or after; it must not wait.
     * Deterministic: {@code a} is owned by the loop (its first look takes no lock), a plain thread holds a's monitor so
     * select stops when it registers on a, after having looked at b; meanwhile the thread closes b.
     */
    @Test
    void selectRegisteringOnAChannelClosedMeanwhileThrows() throws Exception {
        Channel<String> b = Channel.unbounded();
        b.size(); // shared from the start
        Thread loopThread = Thread.currentThread();
        Coro.run(() -> Channel.select(Duration.ZERO, Channel.unbounded(), b)); // load classes
        CountDownLatch holding = new CountDownLatch(1);
        Object[] aBox = new Object[1];
        CountDownLatch aMade = new CountDownLatch(1);
        CompletableFuture<Object> helper = plainThread("holds-a", () -> {
            aMade.await(10, TimeUnit.SECONDS);
            synchronized (aBox[0]) {
                holding.countDown();
                long give = System.nanoTime() + 5_000_000_000L;
                while (loopThread.getState() != Thread.State.BLOCKED && System.nanoTime() < give) {
                    Thread.onSpinWait();
                }
                b.close();
            }
            return null;
        });
        long[] waited = new long[1];
        String outcome = Coro.run(() -> {
            Channel<String> a = Channel.unbounded(); // owned by this loop
            a.size();
            aBox[0] = a;
            aMade.countDown();
            Coro.blocking(() -> holding.await(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            try {
                Channel.Selected s = Channel.select(Duration.ofSeconds(2), a, b);
                waited[0] = msSince(start);
                return "returned " + s;
            } catch (ChannelClosedException e) {
                waited[0] = msSince(start);
                return "closed";
            }
        });
        get(helper);
        assertEquals("closed", outcome, "select waited " + waited[0] + " ms on a closed channel");
    }

    @Test
    void selectOverTheSameChannelTwiceTakesOneItem() {
        Coro.run(() -> {
            Channel<String> a = Channel.unbounded();
            Task<Channel.Selected> t = Coro.spawn(() -> Channel.select(Duration.ofSeconds(10), a, a));
            yields(3);
            a.send("x");
            a.send("y");
            Channel.Selected s = t.join();
            assertEquals("x", s.<String>item());
            assertEquals(1, a.size());
            assertEquals("y", a.tryReceive());
        });
    }

    @Test
    void aPlainThreadsTimedOutSelectLeavesNoReceiverBehind() {
        Channel<String> a = Channel.bounded(0);
        Channel<String> b = Channel.bounded(0);
        assertNull(Channel.select(Duration.ofMillis(30), a, b));
        assertFalse(a.trySend("x"));
        assertFalse(b.trySend("y"));
    }

    // ---------------------------------------------------------------- durations

    @Test
    void hugeDurationsAreSaturatedNotArithmeticErrors() {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        Coro.run(() -> {
            Event e = new Event();
            e.set();
            assertTrue(e.await(forever)); // set already: returns at once
            Channel<String> ch = Channel.unbounded();
            ch.send("x");
            assertEquals("x", ch.receive(forever));
            ch.send("y");
            assertEquals("y", Channel.select(forever, ch).<String>item());
            Semaphore sem = new Semaphore(1);
            assertTrue(sem.tryAcquire(forever));
            Channel<String> later = Channel.unbounded();
            Coro.spawn(() -> {
                Coro.sleep(10);
                later.send("late");
            });
            assertEquals("late", later.receive(forever)); // it waits: the deadline did not wrap into the past
            Coro.spawn(() -> {
                Coro.sleep(10);
                later.send("later");
            });
            assertEquals("later", Channel.select(forever, later).<String>item());
        });
    }

    // ---------------------------------------------------------------- rendezvous

    @Test
    void rendezvousTrySendAndTryReceiveOnlyMeetAWaitingPeer() {
        Coro.run(() -> {
            Channel<String> ch = Channel.bounded(0);
            assertFalse(ch.trySend("nobody"), "trySend on a rendezvous channel with no receiver");
            assertNull(ch.tryReceive());
            Task<String> r = Coro.spawn(() -> ch.receive());
            yields(2);
            assertTrue(ch.trySend("to r"));
            assertEquals("to r", r.join());
            Task<Void> s = Coro.spawn(() -> ch.send("from s"));
            yields(2);
            assertFalse(s.isDone());
            assertEquals("from s", ch.tryReceive());
            yields(2);
            assertTrue(s.isDone());
            s.join();
            assertEquals(0, ch.size());
            // a timed-out receiver leaves nothing behind
            assertNull(ch.receive(Duration.ofMillis(20)));
            assertFalse(ch.trySend("late"));
        });
    }

    @Test
    void aPlainThreadsTimedOutReceiveOnARendezvousLeavesNoReceiverBehind() {
        Channel<String> ch = Channel.bounded(0);
        assertNull(ch.receive(Duration.ofMillis(20)));
        assertFalse(ch.trySend("late"));
        assertNull(ch.tryReceive());
    }

    // ---------------------------------------------------------------- FIFO with plain threads

    private static void awaitState(Thread t, Thread.State st) {
        long give = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != st && System.nanoTime() < give) {
            pause(1);
        }
        assertEquals(st, t.getState());
    }

    @Test
    void plainSendersAndCoroutineSendersAreServedInArrivalOrder() throws Exception {
        Channel<Integer> ch = Channel.bounded(0);
        ch.size();
        List<Thread> threads = new ArrayList<>();
        CompletableFuture<List<Integer>> loop = null;
        for (int i = 0; i < 3; i++) {
            int v = i;
            Thread t = new Thread(() -> ch.send(v));
            t.setDaemon(true);
            t.start();
            awaitState(t, Thread.State.WAITING);
            threads.add(t);
        }
        List<Integer> got = Coro.run(() -> {
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                l.add(ch.receive());
            }
            return l;
        });
        assertEquals(List.of(0, 1, 2), got);
        for (Thread t : threads) {
            t.join(5000);
        }
    }

    @Test
    void plainReceiversAreServedInArrivalOrder() throws Exception {
        Channel<Integer> ch = Channel.unbounded();
        ch.size();
        List<CompletableFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            Thread t = new Thread(() -> f.complete(ch.receive()));
            t.setDaemon(true);
            t.start();
            awaitState(t, Thread.State.WAITING);
            fs.add(f);
        }
        Coro.run(() -> {
            for (int i = 0; i < 3; i++) {
                ch.send(i);
            }
        });
        for (int i = 0; i < 3; i++) {
            assertEquals(i, get(fs.get(i)));
        }
    }

    // ---------------------------------------------------------------- stress: cancellation and timeouts across threads

    /** Receivers on a loop, cancelled at random while plain threads send: every item is received or left, once. */
    @Test
    void cancelledReceiversAcrossThreadsLoseNothing() throws Exception {
        final int n = 3000;
        Channel<Integer> ch = Channel.unbounded();
        ch.size();
        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<Void> sender = plainThread("sender", () -> {
            start.await();
            for (int i = 0; i < n; i++) {
                ch.send(i);
                if ((i & 7) == 0) {
                    Thread.yield();
                }
            }
            return null;
        });
        Coro.run(() -> {
            start.countDown();
            AtomicInteger sentSeen = new AtomicInteger();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!sender.isDone() && System.nanoTime() < deadline) {
                List<Task<Void>> rs = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    rs.add(Coro.spawn(() -> {
                        for (;;) {
                            received.add(ch.receive());
                        }
                    }));
                }
                Coro.sleep(1);
                for (Task<Void> r : rs) {
                    r.cancel();
                }
                for (Task<Void> r : rs) {
                    try {
                        r.join();
                    } catch (CancellationException expected) {
                        // fine
                    }
                }
            }
        });
        get(sender);
        Integer x;
        while ((x = ch.tryReceive()) != null) {
            received.add(x);
        }
        List<Integer> sorted = new ArrayList<>(received);
        Collections.sort(sorted);
        assertEquals(n, sorted.size(), "lost or duplicated items");
        for (int i = 0; i < n; i++) {
            assertEquals(i, sorted.get(i));
        }
    }

    /** Timed receives on a loop racing plain senders: each item received once or left in the channel. */
    @Test
    void timedReceivesRacingPlainSendersLoseNothing() throws Exception {
        final int n = 2000;
        Channel<Integer> ch = Channel.bounded(0);
        ch.size();
        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        AtomicInteger plainSent = new AtomicInteger();
        CompletableFuture<Void> sender = plainThread("sender", () -> {
            for (int i = 0; i < n; i++) {
                ch.send(i); // rendezvous: blocks until a receiver takes it
                plainSent.incrementAndGet();
            }
            return null;
        });
        Coro.run(() -> {
            while (received.size() < n) {
                Integer v = ch.receive(Duration.ofNanos(20_000 + (received.size() % 7) * 10_000));
                if (v != null) {
                    received.add(v);
                }
            }
        });
        get(sender);
        assertEquals(n, new HashSet<>(received).size());
        assertEquals(n, received.size());
    }

    /** close() racing plain-thread senders and coroutine receivers on two loops: accepted == received. */
    @Test
    void closeRacingSendersAndReceiversLosesNothing() throws Exception {
        for (int round = 0; round < 30; round++) {
            Channel<Integer> ch = Channel.bounded(round % 3);
            ch.size();
            ConcurrentLinkedQueue<Integer> accepted = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int base = p * 1_000_000;
                senders.add(plainThread("sender-" + p, () -> {
                    try {
                        for (int i = 0; ; i++) {
                            ch.send(base + i);
                            accepted.add(base + i);
                        }
                    } catch (ChannelClosedException done) {
                        return null;
                    }
                }));
            }
            CompletableFuture<Void> loopB = loopThread("loop-B", () -> consume(ch, received));
            CompletableFuture<Void> loopC = loopThread("loop-C", () -> consume(ch, received));
            pause(5 + round % 5);
            ch.close();
            for (CompletableFuture<Void> s : senders) {
                get(s);
            }
            get(loopB);
            get(loopC);
            List<Integer> a = new ArrayList<>(accepted);
            List<Integer> r = new ArrayList<>(received);
            Collections.sort(a);
            Collections.sort(r);
            assertEquals(a.size(), r.size(), "round " + round + ": accepted vs received counts");
            assertEquals(a, r, "round " + round);
        }
    }

    @Coroutine
    static void consume(Channel<Integer> ch, ConcurrentLinkedQueue<Integer> received) {
        List<Task<Void>> ts = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            ts.add(Coro.spawn(() -> {
                try {
                    for (;;) {
                        received.add(ch.receive());
                    }
                } catch (ChannelClosedException done) {
                    // drained
                }
            }));
        }
        Coro.joinAll(ts);
    }

    /** Semaphore permits handed to timed-out plain threads and cancelled tasks are never lost nor created. */
    @Test
    void semaphorePermitsAreConservedUnderTimeoutsAndCancels() throws Exception {
        Semaphore sem = new Semaphore(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<CompletableFuture<Void>> plains = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            plains.add(plainThread("plain-" + p, () -> {
                for (int i = 0; i < 300; i++) {
                    if (sem.tryAcquire(Duration.ofNanos(50_000))) {
                        int now = inside.incrementAndGet();
                        maxInside.accumulateAndGet(now, Math::max);
                        inside.decrementAndGet();
                        sem.release();
                    }
                }
                return null;
            }));
        }
        Coro.run(() -> {
            for (int round = 0; round < 200; round++) {
                List<Task<Void>> ts = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    ts.add(Coro.spawn(() -> {
                        sem.acquire();
                        int now = inside.incrementAndGet();
                        try {
                            maxInside.accumulateAndGet(now, Math::max);
                            Coro.yield();
                        } finally {
                            inside.decrementAndGet();
                            sem.release();
                        }
                    }));
                }
                Coro.yield();
                ts.get(round % 3).cancel();
                for (Task<Void> t : ts) {
                    try {
                        t.join();
                    } catch (CancellationException expected) {
                        // fine
                    }
                }
            }
        });
        for (CompletableFuture<Void> f : plains) {
            get(f);
        }
        assertEquals(2, sem.availablePermits());
        assertTrue(maxInside.get() <= 2, "max inside " + maxInside.get());
    }

    // ---------------------------------------------------------------- semaphore / lock / event

    @Test
    void boundedSemaphoreRefusesOverReleaseEvenAfterHandOffs() {
        Coro.run(() -> {
            Semaphore s = Semaphore.bounded(1);
            s.acquire();
            Task<Void> w = Coro.spawn(() -> s.acquire());
            yields(2);
            s.release(); // to w
            w.join();
            assertEquals(0, s.availablePermits());
            s.release(); // w's
            assertEquals(1, s.availablePermits());
            thrownBy(IllegalStateException.class, () -> s.release());
            assertEquals(1, s.availablePermits());
            Semaphore zero = Semaphore.bounded(0);
            thrownBy(IllegalStateException.class, () -> zero.release());
        });
    }

    @Test
    void lockReentrancyCountsAndTryLockRespectThem() {
        Coro.run(() -> {
            Lock lock = new Lock();
            lock.lock();
            assertTrue(lock.tryLock());
            lock.lock();
            lock.unlock();
            lock.unlock();
            assertTrue(lock.isHeldByCurrent());
            Task<Boolean> other = Coro.spawn(() -> lock.tryLock());
            assertFalse(other.join());
            lock.unlock();
            assertFalse(lock.isLocked());
            thrownBy(IllegalStateException.class, () -> lock.unlock());
            Task<Boolean> other2 = Coro.spawn(() -> {
                boolean got = lock.tryLock();
                lock.unlock();
                return got;
            });
            assertTrue(other2.join());
        });
    }

    @Test
    void aLockHeldByTheThreadCannotBeUnlockedByATaskOnThatThreadNorViceVersa() {
        Lock lock = new Lock();
        lock.lock(); // the plain test thread
        Coro.run(() -> {
            thrownBy(IllegalStateException.class, () -> lock.unlock());
            assertFalse(lock.tryLock());
            assertFalse(lock.isHeldByCurrent());
        });
        assertTrue(lock.isHeldByCurrent());
        lock.unlock();
        Task<?>[] holder = new Task<?>[1];
        Coro.run(() -> {
            lock.lock();
        });
        assertTrue(lock.isLocked());
        assertThrows(IllegalStateException.class, lock::unlock);
    }

    @Test
    void eventSetThenClearAtOnceStillWakesEveryWaiterOnEveryLoopAndThread() throws Exception {
        for (int round = 0; round < 50; round++) {
            Event e = new Event();
            e.isSet();
            AtomicInteger woke = new AtomicInteger();
            CountDownLatch waiting = new CountDownLatch(1);
            CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
                List<Task<Void>> ts = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    ts.add(Coro.spawn(() -> {
                        e.await();
                        woke.incrementAndGet();
                    }));
                }
                Coro.yield();
                waiting.countDown();
                Coro.joinAll(ts);
            });
            CompletableFuture<Void> plain = new CompletableFuture<>();
            Thread pt = new Thread(() -> {
                e.await();
                woke.incrementAndGet();
                plain.complete(null);
            });
            pt.setDaemon(true);
            pt.start();
            awaitState(pt, Thread.State.WAITING);
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            e.set();
            e.clear();
            get(loopB);
            get(plain);
            assertEquals(6, woke.get());
        }
    }

    // ---------------------------------------------------------------- coroutine locals

    @Test
    void anInheritableLocalSetToNullPassesNullNotTheInitialValue() {
        CoroutineLocal<String> l = CoroutineLocal.inheritable(() -> "initial");
        String r = Coro.run(() -> {
            l.set(null);
            return Coro.spawn(() -> String.valueOf(l.get())).join();
        });
        assertEquals("null", r);
    }

    @Test
    void anInheritableLocalPassesFromThePlainThreadToTheRootTaskAndBackUntouched() {
        CoroutineLocal<String> l = CoroutineLocal.inheritable(() -> "initial");
        l.set("thread");
        String r = Coro.run(() -> {
            String seen = l.get();
            l.set("root");
            return seen;
        });
        assertEquals("thread", r); // documented? spawned task starts with its spawner's value
        assertEquals("thread", l.get());
        l.remove();
    }

    @Test
    void aGeneratorBodyConsumedByATaskSeesThatTasksLocals() {
        CoroutineLocal<String> user = CoroutineLocal.withInitial(() -> "nobody");
        List<String> seen = Coro.run(() -> {
            user.set("alice");
            List<String> l = new ArrayList<>();
            for (String s : Coro.<String>generator(out -> {
                out.emit(user.get());
                out.emit(user.get());
            })) {
                l.add(s);
            }
            return l;
        });
        assertEquals(List.of("alice", "alice"), seen);
    }

    // ---------------------------------------------------------------- generators

    @Test
    void nestedGeneratorsInsideATaskThatSuspends() {
        List<Integer> got = Coro.run(() -> {
            List<Integer> l = new ArrayList<>();
            Iterable<Integer> inner = Coro.generator(out -> {
                for (int i = 0; i < 3; i++) {
                    out.emit(i);
                }
            });
            Iterable<Integer> outer = Coro.generator(out -> {
                for (int round = 0; round < 2; round++) {
                    for (int v : inner) {
                        out.emit(v * 10 + round);
                    }
                }
            });
            for (int v : outer) {
                l.add(v);
                Coro.yield();
            }
            return l;
        });
        assertEquals(List.of(0, 10, 20, 1, 11, 21), got);
    }

    @Test
    void aGeneratorIteratorUsedInsideItsOwnBodyIsRefused() {
        @SuppressWarnings("unchecked")
        Iterator<Integer>[] self = new Iterator[1];
        Iterable<Integer> g = Coro.generator(out -> {
            out.emit(1);
            self[0].hasNext(); // re-entrant: Python raises "generator already executing"
            out.emit(2);
        });
        self[0] = g.iterator();
        List<Object> got = new ArrayList<>();
        try {
            while (self[0].hasNext()) {
                got.add(self[0].next());
                if (got.size() > 10) break;
            }
        } catch (IllegalStateException e) {
            got.add(e.getMessage());
        }
        assertEquals(List.of(1, "the generator is already running: its own body asked for its next item"), got);
    }

    @Test
    void aGeneratorThatThrewStaysFinished() {
        Iterator<Integer> it = Coro.<Integer>generator(out -> {
            out.emit(1);
            throw new IllegalArgumentException("boom");
        }).iterator();
        assertEquals(1, it.next());
        assertThrows(IllegalArgumentException.class, it::hasNext);
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);
    }

    @Test
    void aGeneratorEmitsNullItems() {
        List<String> got = new ArrayList<>();
        for (String s : Coro.<String>generator(out -> {
            out.emit(null);
            out.emit("x");
            out.emit(null);
        })) {
            got.add(s);
        }
        assertEquals(java.util.Arrays.asList(null, "x", null), got);
    }

    @Test
    void aGeneratorConsumedAcrossTwoTasksAndAPlainThread() throws Exception {
        Iterator<Integer> it = Coro.<Integer>generator(out -> {
            for (int i = 0; ; i++) {
                out.emit(i);
            }
        }).iterator();
        assertEquals(0, it.next());
        int[] r = Coro.run(() -> {
            int a = Coro.spawn(() -> it.next()).join();
            int b = Coro.spawn(() -> {
                Coro.yield();
                return it.next();
            }).join();
            return new int[] {a, b};
        });
        assertEquals(1, r[0]);
        assertEquals(2, r[1]);
        assertEquals(3, get(plainThread("p", it::next)));
    }

    // ---------------------------------------------------------------- batch 2

    /** Selects over {@code a} and {@code b} with timeouts of 10 to 90 us until it got {@code count} items. */
    @Coroutine
    static List<Integer> selectWithShortTimeouts(Channel<Integer> a, Channel<Integer> b, int count) {
        List<Integer> l = new ArrayList<>();
        int k = 0;
        while (l.size() < count) {
            Channel.Selected sel = Channel.select(Duration.ofNanos(10_000 + (k++ % 5) * 20_000), a, b);
            if (sel != null) {
                l.add(sel.item());
            }
        }
        return l;
    }

    @Test
    void timedSelectsRacingPlainSendersOnTwoRendezvousChannelsLoseNothing() throws Exception {
        final int n = 1500;
        Channel<Integer> a = Channel.bounded(0);
        Channel<Integer> b = Channel.bounded(0);
        a.size();
        b.size();
        CompletableFuture<Void> sa = plainThread("sa", () -> {
            for (int i = 0; i < n; i++) {
                a.send(i);
            }
            return null;
        });
        CompletableFuture<Void> sb = plainThread("sb", () -> {
            for (int i = 0; i < n; i++) {
                b.send(n + i);
            }
            return null;
        });
        List<Integer> got = Coro.run(() -> selectWithShortTimeouts(a, b, 2 * n));
        get(sa);
        get(sb);
        assertEquals(2 * n, new HashSet<>(got).size());
    }

    @Test
    void timedSelectsOfAPlainThreadRacingLoopSendersLoseNothing() throws Exception {
        final int n = 1500;
        Channel<Integer> a = Channel.bounded(0);
        Channel<Integer> b = Channel.bounded(0);
        a.size();
        b.size();
        CompletableFuture<List<Integer>> rcv = plainThread("rcv", () -> selectWithShortTimeouts(a, b, 2 * n));
        Coro.run(() -> {
            Task<Void> ta = Coro.spawn(() -> {
                for (int i = 0; i < n; i++) {
                    a.send(i);
                }
            });
            Task<Void> tb = Coro.spawn(() -> {
                for (int i = 0; i < n; i++) {
                    b.send(n + i);
                }
            });
            Coro.joinAll(ta, tb);
        });
        assertEquals(2 * n, new HashSet<>(get(rcv)).size());
    }

    @Test
    void lockWaitersMixingPlainThreadsAndTasksAreServedInArrivalOrder() throws Exception {
        Lock lock = new Lock();
        lock.isLocked();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch holderHasIt = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = plainThread("holder", () -> {
            lock.lock();
            holderHasIt.countDown();
            release.await(10, TimeUnit.SECONDS);
            lock.unlock();
            return null;
        });
        assertTrue(holderHasIt.await(10, TimeUnit.SECONDS));
        Thread p1 = new Thread(() -> {
            lock.lock();
            order.add("p1");
            lock.unlock();
        });
        p1.setDaemon(true);
        p1.start();
        awaitState(p1, Thread.State.WAITING);
        CountDownLatch taskWaits = new CountDownLatch(1);
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Task<Void> t = Coro.spawn(() -> {
                lock.lock();
                order.add("t1");
                Coro.sleep(1);
                lock.unlock();
            });
            Coro.yield();
            taskWaits.countDown();
            t.join();
        });
        assertTrue(taskWaits.await(10, TimeUnit.SECONDS));
        pause(20);
        Thread p2 = new Thread(() -> {
            lock.lock();
            order.add("p2");
            lock.unlock();
        });
        p2.setDaemon(true);
        p2.start();
        awaitState(p2, Thread.State.WAITING);
        release.countDown();
        get(holder);
        get(loopB);
        p1.join(5000);
        p2.join(5000);
        assertEquals(List.of("p1", "t1", "p2"), order);
        assertFalse(lock.isLocked());
    }

    /** Lock handed to waiters on loop B that a plain thread cancels at random: the lock never leaks. */
    @Test
    void aLockHandedToWaitersCancelledFromAnotherThreadNeverLeaks() throws Exception {
        Lock lock = new Lock();
        lock.isLocked();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        ConcurrentLinkedQueue<Task<?>> toCancel = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        CompletableFuture<Void> canceller = plainThread("canceller", () -> {
            int i = 0;
            while (done.getCount() > 0) {
                Task<?> t = toCancel.poll();
                if (t != null && (i++ % 2 == 0)) {
                    t.cancel();
                }
                Thread.onSpinWait();
            }
            return null;
        });
        CompletableFuture<Void> plain = plainThread("plain-locker", () -> {
            for (int i = 0; i < 2000; i++) {
                lock.lock();
                try {
                    if (inside.incrementAndGet() != 1) {
                        violations.incrementAndGet();
                    }
                    inside.decrementAndGet();
                } finally {
                    lock.unlock();
                }
            }
            return null;
        });
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            for (int round = 0; round < 500; round++) {
                List<Task<Void>> ts = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    Task<Void> t = Coro.spawn(() -> {
                        lock.lock();
                        try {
                            if (inside.incrementAndGet() != 1) {
                                violations.incrementAndGet();
                            }
                            Coro.yield();
                            inside.decrementAndGet();
                        } finally {
                            lock.unlock();
                        }
                    });
                    ts.add(t);
                    toCancel.add(t);
                }
                for (Task<Void> t : ts) {
                    try {
                        t.join();
                    } catch (CancellationException expected) {
                        // fine
                    }
                }
            }
        });
        try {
            get(loopB);
            get(plain);
        } finally {
            done.countDown();
        }
        get(canceller);
        assertFalse(lock.isLocked(), "the lock leaked");
    }

    @Test
    void aPlainThreadJoinsATaskOfALoopAndALoopJoinsATaskOfAnother() throws Exception {
        CompletableFuture<Task<String>> handed = new CompletableFuture<>();
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<Void> loopA = loopThread("loop-A", () -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.blocking(() -> go.await(10, TimeUnit.SECONDS));
                return "value";
            });
            handed.complete(t);
            t.join();
        });
        Task<String> t = get(handed);
        CompletableFuture<String> plain = plainThread("joiner", t::join);
        CompletableFuture<String> loopB = loopThread("loop-B", () -> t.join());
        pause(20);
        go.countDown();
        assertEquals("value", get(plain));
        assertEquals("value", get(loopB));
        get(loopA);
    }

    @Test
    void aCoroutineLocalSetInsideABlockingCallDoesNotLeakToOtherTasksBlockingCalls() {
        CoroutineLocal<String> l = CoroutineLocal.withInitial(() -> "initial");
        List<String> seen = Coro.run(() -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String me = "task-" + i;
                Task<String> t = Coro.spawn(() -> Coro.blocking(() -> {
                    String before = l.get();
                    l.set(me);
                    return before;
                }));
                out.add(t.join());
            }
            return out;
        });
        for (String s : seen) {
            assertEquals("initial", s, "seen: " + seen);
        }
    }

    @Test
    void cancelFromAPlainThreadOfATaskAwaitingAnEventRunsItsFinally() throws Exception {
        Event e = new Event();
        e.isSet();
        CompletableFuture<Task<Void>> handed = new CompletableFuture<>();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> loopA = loopThread("loop-A", () -> {
            Task<Void> t = Coro.spawn(() -> {
                try {
                    e.await();
                    log.add("woke");
                } finally {
                    log.add("finally");
                }
            });
            handed.complete(t);
            try {
                t.join();
            } catch (CancellationException ex) {
                log.add("cancelled");
            }
        });
        Task<Void> t = get(handed);
        pause(20);
        assertTrue(t.cancel());
        get(loopA);
        assertEquals(List.of("finally", "cancelled"), log);
        assertTrue(t.isCancelled());
    }

    @Test
    void aGeneratorBodyOnAPlainThreadSeesThatThreadsLocals() {
        CoroutineLocal<String> user = CoroutineLocal.withInitial(() -> "nobody");
        user.set("alice");
        try {
            String seen = Coro.<String>generator(out -> out.emit(user.get())).iterator().next();
            assertEquals("alice", seen);
        } finally {
            user.remove();
        }
    }
}
