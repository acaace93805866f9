package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.ChannelClosedException;
import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;

/** {@link Channel}: unbounded, bounded and rendezvous; on one loop, across two loops, and from plain threads. */
class ChannelTest extends PrimitiveTest {

    // ---- FIFO, waiting while full / empty ----

    @Test
    void unboundedChannelKeepsFifoOrderAndItsSendsNeverWait() {
        // one task, nobody else: a send that waited would never be woken (a deadlock, not a result)
        List<Integer> got = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            for (int i = 0; i < 10_000; i++) {
                ch.send(i);
            }
            assertEquals(10_000, ch.size());
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                out.add(ch.receive());
            }
            return out;
        });
        for (int i = 0; i < 10_000; i++) {
            assertEquals(i, got.get(i));
        }
    }

    @Test
    void boundedSendWaitsWhileTheChannelIsFull() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<Integer> ch = Channel.bounded(2);
            Task<Void> producer = Coro.spawn(() -> {
                for (int i = 0; i < 5; i++) {
                    ch.send(i);
                    l.add("sent " + i);
                }
            });
            yields(5);
            assertEquals(List.of("sent 0", "sent 1"), l, "the producer went past a full buffer");
            assertEquals(2, ch.size());
            for (int i = 0; i < 5; i++) {
                l.add("got " + ch.receive());
                yields(3);
            }
            producer.join();
            return l;
        });
        // each receive frees one slot, and only then does the waiting send go through
        assertEquals(List.of("sent 0", "sent 1", "got 0", "sent 2", "got 1", "sent 3", "got 2", "sent 4", "got 3",
                "got 4"), log);
    }

    @Test
    void receiveWaitsWhileTheChannelIsEmpty() {
        long[] waited = new long[1];
        String got = Coro.run(() -> {
            Channel<String> ch = Channel.bounded(4);
            Coro.spawn(() -> {
                Coro.sleep(60);
                ch.send("late");
            });
            long start = System.nanoTime();
            String v = ch.receive();
            waited[0] = msSince(start);
            return v;
        });
        assertEquals("late", got);
        assertTrue(waited[0] >= 50, "receive returned before anything was sent: " + waited[0] + " ms");
    }

    @Test
    void rendezvousSendWaitsForItsReceiverAndReceiveForItsSender() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.bounded(0);
            assertFalse(ch.trySend("nobody receives"), "a rendezvous channel buffered an item");
            Task<Void> sender = Coro.spawn(() -> {
                l.add("sending");
                ch.send("x");
                l.add("sent");
            });
            yields(5);
            assertEquals(List.of("sending"), l, "a rendezvous send completed without a receiver");
            assertEquals(0, ch.size());
            l.add("got " + ch.receive());
            sender.join();
            Task<String> receiver = Coro.spawn(() -> {
                l.add("receiving");
                String v = ch.receive();
                l.add("received " + v);
                return v;
            });
            yields(5);
            assertTrue(ch.trySend("y"), "trySend did not meet the waiting receiver");
            assertEquals("y", receiver.join());
            return l;
        });
        assertEquals(List.of("sending", "got x", "sent", "receiving", "received y"), log);
    }

    @Test
    void trySendAndTryReceiveNeverWait() {
        Coro.run(() -> {
            Channel<String> ch = Channel.bounded(1);
            assertNull(ch.tryReceive());
            assertTrue(ch.trySend("a"));
            assertFalse(ch.trySend("b"), "trySend went past the capacity");
            assertEquals(1, ch.size());
            assertEquals("a", ch.tryReceive());
            assertNull(ch.tryReceive());
            assertEquals(0, ch.size());
        });
    }

    @Test
    void aNullItemIsRefused() {
        Channel<String> ch = Channel.unbounded();
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
        assertThrows(NullPointerException.class, () -> Coro.run(() -> ch.send(null)));
        assertThrows(IllegalArgumentException.class, () -> Channel.bounded(-1));
    }

    // ---- receive(Duration) ----

    @Test
    void receiveWithTimeoutReturnsNullWhenNothingComesInTime() {
        long[] waited = new long[1];
        Object[] got = Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            long start = System.nanoTime();
            String none = ch.receive(Duration.ofMillis(80));
            waited[0] = msSince(start);
            String now = ch.receive(Duration.ZERO); // does not wait
            Coro.spawn(() -> {
                Coro.sleep(20);
                ch.send("in time");
            });
            String inTime = ch.receive(Duration.ofSeconds(10));
            return new Object[] {none, now, inTime};
        });
        assertNull(got[0]);
        assertNull(got[1]);
        assertEquals("in time", got[2]);
        assertTrue(waited[0] >= 70, "receive(80 ms) gave up after " + waited[0] + " ms");
    }

    @Test
    void aReceiveThatTimedOutDoesNotSwallowALaterItem() {
        Coro.run(() -> {
            Channel<String> rendezvous = Channel.bounded(0);
            assertNull(rendezvous.receive(Duration.ofMillis(20)));
            // the timed-out receiver left the queue: nobody is waiting, so a rendezvous trySend must fail
            assertFalse(rendezvous.trySend("ghost"), "a timed-out receiver still took an item");
            Channel<String> buffered = Channel.unbounded();
            assertNull(buffered.receive(Duration.ofMillis(20)));
            buffered.send("kept");
            assertEquals(1, buffered.size(), "the item went to the receiver that had timed out");
            assertEquals("kept", buffered.receive());
        });
    }

    // ---- send(item, Duration) ----

    @Test
    void sendWithTimeoutGivesUpWhenNothingTakesTheItemInTimeAndDeliversNothing() {
        long[] waited = new long[1];
        Object[] got = Coro.run(() -> {
            Channel<String> full = Channel.bounded(1);
            full.send("first");
            long start = System.nanoTime();
            boolean sent = full.send("late", Duration.ofMillis(80));
            waited[0] = msSince(start);
            boolean now = full.send("late", Duration.ZERO); // does not wait
            Channel<String> rendezvous = Channel.bounded(0);
            boolean untaken = rendezvous.send("ghost", Duration.ofMillis(20));
            // the timed-out sender left the queue: its item must not reach a later receiver
            String ghost = rendezvous.tryReceive();
            Task<String> taker = Coro.spawn(() -> {
                Coro.sleep(20);
                return rendezvous.receive();
            });
            boolean inTime = rendezvous.send("in time", Duration.ofSeconds(10));
            return new Object[] {sent, now, full.size(), full.receive(), untaken, ghost, inTime, taker.join()};
        });
        assertEquals(List.of(false, false, 1, "first", false, "null", true, "in time"),
                java.util.Arrays.stream(got).map(o -> o == null ? "null" : o).collect(java.util.stream.Collectors.toList()));
        assertTrue(waited[0] >= 70, "send(80 ms) gave up after " + waited[0] + " ms");
    }

    @Test
    void aTimedSendFromAPlainThreadMeetsALoopsReceiverOrGivesUp() throws Exception {
        Channel<String> ch = Channel.bounded(0);
        assertFalse(ch.send("nobody", Duration.ofMillis(30)));
        CompletableFuture<String> receiver = loopThread("receiver", () -> {
            Coro.sleep(20);
            return ch.receive();
        });
        assertTrue(ch.send("met", Duration.ofSeconds(10)));
        assertEquals("met", get(receiver));
    }

    @Test
    void aTimedSendIsFailedByCloseAndEndedByCancel() {
        Coro.run(() -> {
            Channel<String> ch = Channel.bounded(0);
            Task<Boolean> closedWhileWaiting = Coro.spawn(() -> ch.send("x", Duration.ofSeconds(10)));
            Coro.sleep(10);
            ch.close();
            thrownBy(ChannelClosedException.class, () -> closedWhileWaiting.join());
            thrownBy(ChannelClosedException.class, () -> ch.send("y", Duration.ofSeconds(1)));
            Channel<String> other = Channel.bounded(0);
            Task<Boolean> cancelled = Coro.spawn(() -> other.send("z", Duration.ofSeconds(10)));
            Coro.sleep(10);
            cancelled.cancel();
            thrownBy(CancellationException.class, () -> cancelled.join());
            assertNull(other.tryReceive(), "the cancelled sender's item was delivered");
        });
    }

    // ---- close ----

    @Test
    void sendOnAClosedChannelThrows() {
        Coro.run(() -> {
            Channel<String> ch = Channel.unbounded();
            assertFalse(ch.isClosed());
            ch.close();
            ch.close(); // harmless
            assertTrue(ch.isClosed());
            thrownBy(ChannelClosedException.class, () -> ch.send("x"));
            thrownBy(ChannelClosedException.class, () -> ch.trySend("x"));
        });
    }

    @Test
    void receiversDrainTheBufferThenGetChannelClosedException() {
        List<String> got = Coro.run(() -> {
            Channel<String> ch = Channel.bounded(5);
            ch.send("a");
            ch.send("b");
            ch.send("c");
            ch.close();
            List<String> l = new ArrayList<>();
            try {
                for (;;) {
                    l.add(ch.receive());
                }
            } catch (ChannelClosedException drained) {
                l.add("closed");
            }
            thrownBy(ChannelClosedException.class, () -> ch.tryReceive());
            thrownBy(ChannelClosedException.class, () -> ch.receive(Duration.ofMillis(10)));
            return l;
        });
        assertEquals(List.of("a", "b", "c", "closed"), got);
    }

    @Test
    void closeFailsEveryWaitingReceiver() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.unbounded();
            List<Task<Void>> receivers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int id = i;
                receivers.add(Coro.spawn(() -> {
                    try {
                        l.add(id + " got " + ch.receive());
                    } catch (ChannelClosedException e) {
                        l.add(id + " closed");
                    }
                }));
            }
            yields(3);
            ch.close();
            Coro.joinAll(receivers);
            return l;
        });
        assertEquals(List.of("0 closed", "1 closed", "2 closed"), log);
    }

    @Test
    void closeFailsWaitingSendersAndTheirItemsAreNotDelivered() {
        List<String> log = Coro.run(() -> {
            List<String> l = Collections.synchronizedList(new ArrayList<>());
            Channel<String> ch = Channel.bounded(1);
            ch.send("buffered");
            Task<Void> sender = Coro.spawn(() -> {
                try {
                    ch.send("waiting");
                    l.add("delivered");
                } catch (ChannelClosedException e) {
                    l.add("sender failed");
                }
            });
            yields(3);
            ch.close();
            sender.join();
            try {
                for (;;) {
                    l.add("got " + ch.receive());
                }
            } catch (ChannelClosedException e) {
                l.add("drained");
            }
            return l;
        });
        assertEquals(List.of("sender failed", "got buffered", "drained"), log);
    }

    // ---- fairness ----

    @Test
    void waitingReceiversAreServedInArrivalOrder() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<Integer> ch = Channel.unbounded();
            List<Task<Void>> receivers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                receivers.add(Coro.spawn(() -> {
                    Coro.sleep(5L * id); // arrive in order 0..4
                    l.add("r" + id + " got " + ch.receive());
                }));
            }
            Coro.sleep(60);
            for (int i = 0; i < 5; i++) {
                ch.send(i);
            }
            Coro.joinAll(receivers);
            return l;
        });
        assertEquals(List.of("r0 got 0", "r1 got 1", "r2 got 2", "r3 got 3", "r4 got 4"), log);
    }

    @Test
    void waitingSendersAreServedInArrivalOrder() {
        List<Integer> got = Coro.run(() -> {
            Channel<Integer> ch = Channel.bounded(0);
            List<Task<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                senders.add(Coro.spawn(() -> {
                    Coro.sleep(5L * id);
                    ch.send(id);
                }));
            }
            Coro.sleep(60);
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                l.add(ch.receive());
            }
            Coro.joinAll(senders);
            return l;
        });
        assertEquals(List.of(0, 1, 2, 3, 4), got);
    }

    // ---- cancellation ----

    @Test
    void cancellingAReceiverThrowsCancellationExceptionThereAndTheNextItemGoesToTheNextReceiver() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.unbounded();
            Task<Void> first = Coro.spawn(() -> {
                try {
                    l.add("first got " + ch.receive());
                } catch (CancellationException e) {
                    l.add("first cancelled");
                    throw e;
                } finally {
                    l.add("first finally");
                }
            });
            Task<Void> second = Coro.spawn(() -> {
                Coro.sleep(10); // waits behind the first
                l.add("second got " + ch.receive());
            });
            Coro.sleep(30);
            assertTrue(first.cancel());
            yields(3); // the cancelled receiver leaves the queue
            ch.send("item");
            second.join();
            thrownBy(CancellationException.class, () -> first.join());
            assertTrue(first.isCancelled());
            assertEquals(0, ch.size());
            return l;
        });
        assertEquals(List.of("first cancelled", "first finally", "second got item"), log);
    }

    @Test
    void anItemSentAfterTheOnlyReceiverWasCancelledStaysInTheChannel() {
        Coro.run(() -> {
            Channel<String> rendezvous = Channel.bounded(0);
            Task<String> r = Coro.spawn(() -> rendezvous.receive());
            yields(3);
            r.cancel();
            yields(3);
            assertFalse(rendezvous.trySend("x"), "the item went to a cancelled receiver");
            thrownBy(CancellationException.class, () -> r.join());

            Channel<String> buffered = Channel.unbounded();
            Task<String> r2 = Coro.spawn(() -> buffered.receive());
            yields(3);
            r2.cancel();
            yields(3);
            buffered.send("kept");
            assertEquals(1, buffered.size(), "the item went to a cancelled receiver");
            assertEquals("kept", buffered.tryReceive());
            thrownBy(CancellationException.class, () -> r2.join());
        });
    }

    @Test
    void anItemHandedToAReceiverInTheSameTurnAsItsCancelIsNotLost() {
        // The send completes the receiver's wait, then the cancel comes before the receiver runs again. Either the
        // receiver gets the item, or it stays in the channel: never neither.
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.unbounded();
            Task<Void> r = Coro.spawn(() -> {
                try {
                    l.add("received " + ch.receive());
                } catch (CancellationException e) {
                    l.add("cancelled in receive");
                }
            });
            yields(3);
            ch.send("x");
            r.cancel();
            try {
                r.join();
            } catch (CancellationException e) {
                l.add("join: cancelled");
            }
            String left = ch.tryReceive();
            l.add("left: " + left);
            return l;
        });
        boolean delivered = log.contains("received x") && log.contains("left: null");
        boolean kept = log.contains("cancelled in receive") && log.contains("left: x");
        assertTrue(delivered || kept, "the item was lost: " + log);
    }

    @Test
    void cancellingABlockedSenderThrowsThereAndItsItemIsNotDelivered() {
        List<String> got = Coro.run(() -> {
            Channel<String> ch = Channel.bounded(1);
            ch.send("buffered");
            Task<Void> s = Coro.spawn(() -> ch.send("cancelled item"));
            yields(3);
            s.cancel();
            thrownBy(CancellationException.class, () -> s.join());
            ch.close();
            List<String> l = new ArrayList<>();
            try {
                for (;;) {
                    l.add(ch.receive());
                }
            } catch (ChannelClosedException e) {
                return l;
            }
        });
        assertEquals(List.of("buffered"), got);
    }

    // ---- plain threads ----

    @Test
    void aPlainThreadBlocksInReceiveUntilACoroutineSends() throws Exception {
        Channel<String> ch = Channel.bounded(0);
        CompletableFuture<String> receiver = plainThread("plain-receiver", ch::receive);
        pause(50);
        assertFalse(receiver.isDone(), "a plain receive returned on an empty channel");
        Coro.run(() -> ch.send("from a coroutine")); // rendezvous: the plain receiver is already waiting
        assertEquals("from a coroutine", get(receiver));
    }

    @Test
    void aPlainThreadBlocksInSendWhileTheChannelIsFull() throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> sender = plainThread("plain-sender", () -> {
            for (int i = 0; i < 3; i++) {
                ch.send(i);
                sent.incrementAndGet();
            }
            return null;
        });
        pause(50);
        assertEquals(1, sent.get(), "a plain send went past a full buffer");
        List<Integer> got = Coro.run(() -> {
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                l.add(ch.receive(Duration.ofSeconds(10)));
            }
            return l;
        });
        get(sender);
        assertEquals(List.of(0, 1, 2), got);
        assertEquals(3, sent.get());
    }

    @Test
    void aPlainThreadsTimedReceiveReturnsNullAndCloseFailsABlockedPlainReceiver() throws Exception {
        Channel<String> ch = Channel.unbounded();
        long start = System.nanoTime();
        assertNull(ch.receive(Duration.ofMillis(50)));
        assertTrue(msSince(start) >= 45);
        CompletableFuture<String> receiver = plainThread("plain-receiver", ch::receive);
        pause(30);
        ch.close();
        failureOf(ChannelClosedException.class, receiver);
    }

    // ---- two loops ----

    @Test
    void aCoroutineOnOneLoopReceivesWhatACoroutineOnAnotherLoopSends() throws Exception {
        Channel<String> ch = Channel.bounded(0);
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Coro.sleep(50); // the receiver on loop A waits meanwhile, with nothing else to do on its loop
            ch.send("from B");
        });
        String got = Coro.run(() -> ch.receive());
        get(loopB);
        assertEquals("from B", got);
    }

    @Test
    void aCoroutineOnOneLoopWaitsToSendUntilACoroutineOnAnotherLoopReceives() throws Exception {
        Channel<String> ch = Channel.bounded(1);
        CountDownLatch aIsBlocked = new CountDownLatch(1);
        CompletableFuture<String> loopB = loopThread("loop-B", () -> {
            Coro.blocking(() -> aIsBlocked.await(10, TimeUnit.SECONDS));
            Coro.sleep(30);
            return ch.receive() + ch.receive();
        });
        long[] waited = new long[1];
        Coro.run(() -> {
            ch.send("1");
            aIsBlocked.countDown();
            long start = System.nanoTime();
            ch.send("2"); // full until loop B receives
            waited[0] = msSince(start);
        });
        assertEquals("12", get(loopB));
        assertTrue(waited[0] >= 20, "the send on a full channel did not wait: " + waited[0] + " ms");
    }

    // ---- select ----

    @Test
    void selectTakesAnItemThatIsThereAtOnceTryingTheChannelsInArgumentOrder() {
        Coro.run(() -> {
            Channel<String> a = Channel.unbounded();
            Channel<String> b = Channel.unbounded();
            b.send("b1");
            Channel.Selected s = Channel.select(Duration.ofSeconds(5), a, b);
            assertEquals(1, s.index());
            assertEquals("b1", s.<String>item());
            a.send("a1");
            b.send("b2");
            s = Channel.select(Duration.ofSeconds(5), a, b);
            assertEquals(0, s.index());
            assertEquals("a1", s.<String>item());
            assertEquals(1, b.size(), "select took from two channels at once");
            assertNull(Channel.select(Duration.ZERO, a), "select(ZERO) on an empty channel");
        });
    }

    @Test
    void selectWaitsForTheFirstItemOnAnyChannelAndLeavesTheOthersAlone() {
        Coro.run(() -> {
            Channel<String> a = Channel.bounded(0);
            Channel<String> b = Channel.unbounded();
            Coro.spawn(() -> {
                Coro.sleep(20);
                b.send("from b");
                a.trySend("too late for the select"); // rendezvous: nobody waits on a any more
                b.send("second b");
            });
            long start = System.nanoTime();
            Channel.Selected s = Channel.select(Duration.ofSeconds(10), a, b);
            assertTrue(msSince(start) >= 15);
            assertEquals(1, s.index());
            assertEquals("from b", s.<String>item());
            yields(3);
            assertEquals(1, b.size(), "the second item went to a select that had already returned");
            assertEquals("second b", b.tryReceive());
            assertNull(a.tryReceive());
        });
    }

    @Test
    void selectReturnsNullAfterItsTimeoutAndLeavesNoReceiverBehind() {
        long[] waited = new long[1];
        Coro.run(() -> {
            Channel<String> a = Channel.bounded(0);
            Channel<String> b = Channel.bounded(0);
            long start = System.nanoTime();
            assertNull(Channel.select(Duration.ofMillis(40), a, b));
            waited[0] = msSince(start);
            assertFalse(a.trySend("x"), "a timed-out select still receives on a");
            assertFalse(b.trySend("x"), "a timed-out select still receives on b");
        });
        assertTrue(waited[0] >= 35, "select(40 ms) gave up after " + waited[0] + " ms");
    }

    @Test
    void selectOnAClosedAndDrainedChannelThrows() {
        Coro.run(() -> {
            Channel<String> open = Channel.unbounded();
            Channel<String> closed = Channel.unbounded();
            closed.send("last");
            closed.close();
            assertEquals("last", Channel.select(Duration.ofSeconds(1), open, closed).<String>item());
            thrownBy(ChannelClosedException.class, () -> Channel.select(Duration.ofSeconds(1), open, closed));
        });
    }

    @Test
    void cancellingATaskBlockedInSelectThrowsThereAndLaterItemsStayInTheChannels() {
        Coro.run(() -> {
            Channel<String> a = Channel.unbounded();
            Channel<String> b = Channel.unbounded();
            Task<Channel.Selected> t = Coro.spawn(() -> Channel.select(Duration.ofSeconds(10), a, b));
            yields(3);
            t.cancel();
            thrownBy(CancellationException.class, () -> t.join());
            a.send("a");
            b.send("b");
            assertEquals(1, a.size());
            assertEquals(1, b.size());
        });
    }

    @Test
    void aPlainThreadBlocksInSelectUntilACoroutineSends() throws Exception {
        Channel<String> a = Channel.unbounded();
        Channel<String> b = Channel.unbounded();
        CompletableFuture<String> plain = plainThread("plain-select", () -> {
            Channel.Selected s = Channel.select(Duration.ofSeconds(10), a, b);
            return s.index() + ":" + s.item();
        });
        pause(30);
        assertFalse(plain.isDone());
        Coro.run(() -> b.send("hello"));
        assertEquals("1:hello", get(plain));
    }

    @Test
    void aSelectThatFindsAnItemWhileItRegistersLeavesNoTimerBehind() throws Exception {
        // An item arrives on a after select has looked at a and before it registers there: select then completes
        // itself at once. The task must be able to sleep right after (it has one sleep timer, and the select's
        // timeout must not keep it). To make the moment deterministic, a plain thread holds b's monitor (Channel
        // locks itself), so select stops at its first look at b; meanwhile the thread sends to a, then lets go.
        Channel<String> a = Channel.unbounded();
        Channel<String> b = Channel.unbounded();
        Thread loopThread = Thread.currentThread();
        Coro.run(() -> Channel.select(Duration.ZERO, a, b)); // loads what select needs, so nothing else blocks below
        CountDownLatch holding = new CountDownLatch(1);
        CompletableFuture<Object> helper = plainThread("holds-b", () -> {
            synchronized (b) {
                holding.countDown();
                long give = System.nanoTime() + 5_000_000_000L;
                while (loopThread.getState() != Thread.State.BLOCKED && System.nanoTime() < give) {
                    Thread.onSpinWait(); // until select waits for b's monitor
                }
                a.trySend("arrived meanwhile");
            }
            return null;
        });
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Coro.blocking(() -> holding.await(10, TimeUnit.SECONDS));
            Channel.Selected s = Channel.select(Duration.ofSeconds(5), a, b);
            l.add(s.index() + " " + s.item());
            Coro.sleep(1);
            l.add("slept");
            return l;
        });
        get(helper);
        assertEquals(List.of("0 arrived meanwhile", "slept"), log);
    }

    @Test
    void aCoroutineSelectsOverChannelsThatCoroutinesOfAnotherLoopSendTo() throws Exception {
        Channel<String> a = Channel.unbounded();
        Channel<String> b = Channel.unbounded();
        CompletableFuture<Void> loopB = loopThread("loop-B", () -> {
            Coro.sleep(30);
            b.send("b from loop B");
            Coro.sleep(10);
            a.send("a from loop B");
        });
        List<String> got = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Channel.Selected s = Channel.select(Duration.ofSeconds(10), a, b);
                l.add(s.index() + " " + s.item());
            }
            return l;
        });
        get(loopB);
        assertEquals(List.of("1 b from loop B", "0 a from loop B"), got);
    }

    // ---- many producers and consumers: two loops and plain threads ----

    @Test
    void manyProducersAndConsumersOnTwoLoopsAndPlainThreadsLoseAndDuplicateNothing() throws Exception {
        final int perProducer = 2_000;
        final int coroutineProducersPerLoop = 4;
        final int plainProducers = 2;
        final int producers = 2 * coroutineProducersPerLoop + plainProducers;
        Channel<Integer> ch = Channel.bounded(8);
        AtomicInteger producersLeft = new AtomicInteger(producers);
        // the last producer to finish closes the channel: consumers then drain it and stop
        Runnable producerDone = () -> {
            if (producersLeft.decrementAndGet() == 0) {
                ch.close();
            }
        };
        List<List<Integer>> consumed = Collections.synchronizedList(new ArrayList<>());

        java.util.function.IntFunction<CompletableFuture<Void>> loop = loopId -> loopThread("loop-" + loopId, () -> {
            List<Task<?>> tasks = new ArrayList<>();
            for (int p = 0; p < coroutineProducersPerLoop; p++) {
                int base = (loopId * coroutineProducersPerLoop + p) * perProducer;
                tasks.add(Coro.spawn(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        ch.send(base + i);
                        if (i % 97 == 0) {
                            Coro.yield();
                        }
                    }
                    producerDone.run();
                }));
            }
            for (int c = 0; c < 3; c++) {
                tasks.add(Coro.spawn(() -> {
                    List<Integer> mine = new ArrayList<>();
                    try {
                        for (;;) {
                            mine.add(ch.receive());
                        }
                    } catch (ChannelClosedException done) {
                        consumed.add(mine);
                    }
                }));
            }
            Coro.joinAll(tasks);
        });
        CompletableFuture<Void> a = loop.apply(0);
        CompletableFuture<Void> b = loop.apply(1);
        List<CompletableFuture<?>> plain = new ArrayList<>();
        for (int p = 0; p < plainProducers; p++) {
            int base = (2 * coroutineProducersPerLoop + p) * perProducer;
            plain.add(plainThread("plain-producer-" + p, () -> {
                for (int i = 0; i < perProducer; i++) {
                    ch.send(base + i);
                }
                producerDone.run();
                return null;
            }));
        }
        for (int c = 0; c < 2; c++) {
            plain.add(plainThread("plain-consumer-" + c, () -> {
                List<Integer> mine = new ArrayList<>();
                try {
                    for (;;) {
                        mine.add(ch.receive());
                    }
                } catch (ChannelClosedException done) {
                    consumed.add(mine);
                }
                return null;
            }));
        }
        try {
            get(a);
            get(b);
            for (CompletableFuture<?> f : plain) {
                get(f);
            }
        } finally {
            ch.close(); // if a loop failed, no plain thread stays blocked on the channel
        }

        int total = producers * perProducer;
        assertEquals(3 + 3 + 2, consumed.size(), "not every consumer finished");
        boolean[] seen = new boolean[total];
        long count = 0;
        long sum = 0;
        for (List<Integer> mine : consumed) {
            for (int v : mine) {
                assertFalse(seen[v], "item " + v + " was received twice");
                seen[v] = true;
                count++;
                sum += v;
            }
        }
        assertEquals(total, count, "items were lost");
        assertEquals((long) total * (total - 1) / 2, sum);
        // each producer's items arrive in its order at every single consumer (a FIFO per producer)
        for (List<Integer> mine : consumed) {
            int[] last = new int[producers];
            java.util.Arrays.fill(last, -1);
            for (int v : mine) {
                int p = v / perProducer;
                assertTrue(v > last[p], "items of producer " + p + " overtook each other: " + last[p] + ", " + v);
                last[p] = v;
            }
        }
    }

    // ---- a channel made inside a loop: lock-free until another thread uses it ----

    @Test
    void aChannelMadeInALoopLosesNothingWhenOtherThreadsJoinInMidStream() throws Exception {
        final int perProducer = 20_000;
        for (int round = 0; round < 5; round++) {
            CompletableFuture<Channel<Integer>> handedOut = new CompletableFuture<>();
            CountDownLatch joinNow = new CountDownLatch(1);
            AtomicInteger producersLeft = new AtomicInteger(2);
            List<List<Integer>> consumed = Collections.synchronizedList(new ArrayList<>());
            // loop A makes the channel (A owns it) and runs a producer and a consumer on it, unlocked at first
            CompletableFuture<Void> loopA = loopThread("owner", () -> {
                Channel<Integer> ch = Channel.bounded(4);
                handedOut.complete(ch);
                Task<Void> producer = Coro.spawn(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        ch.send(i);
                        if (i == perProducer / 10) {
                            joinNow.countDown(); // the others join while this one is still sending
                        }
                        if (i % 200 == 0) {
                            Coro.sleep(1); // so that it is still sending, about 100 ms long, when they do
                        }
                    }
                    if (producersLeft.decrementAndGet() == 0) {
                        ch.close();
                    }
                });
                Task<Void> consumer = Coro.spawn(() -> {
                    List<Integer> mine = new ArrayList<>();
                    try {
                        for (;;) {
                            mine.add(ch.receive());
                            if (mine.size() % 64 == 0) {
                                Coro.yield();
                            }
                        }
                    } catch (ChannelClosedException done) {
                        consumed.add(mine);
                    }
                });
                Coro.joinAll(producer, consumer);
            });
            Channel<Integer> ch = get(handedOut);
            // a second loop sends, a plain thread receives: the first use of each ends A's ownership
            CompletableFuture<Void> loopB = loopThread("sender", () -> {
                Coro.blocking(() -> joinNow.await(10, TimeUnit.SECONDS));
                for (int i = 0; i < perProducer; i++) {
                    ch.send(perProducer + i);
                }
                if (producersLeft.decrementAndGet() == 0) {
                    ch.close();
                }
            });
            CompletableFuture<Void> plain = plainThread("receiver", () -> {
                joinNow.await(10, TimeUnit.SECONDS);
                List<Integer> mine = new ArrayList<>();
                try {
                    for (;;) {
                        mine.add(ch.receive());
                    }
                } catch (ChannelClosedException done) {
                    consumed.add(mine);
                }
                return null;
            });
            try {
                get(loopA);
                get(loopB);
                get(plain);
            } finally {
                ch.close();
            }
            boolean[] seen = new boolean[2 * perProducer];
            int count = 0;
            for (List<Integer> mine : consumed) {
                int[] last = {-1, -1};
                for (int v : mine) {
                    assertFalse(seen[v], "round " + round + ": item " + v + " was received twice");
                    seen[v] = true;
                    count++;
                    int p = v / perProducer;
                    assertTrue(v > last[p], "round " + round + ": items of producer " + p + " overtook each other");
                    last[p] = v;
                }
            }
            assertEquals(2 * perProducer, count, "round " + round + ": items were lost");
        }
    }

    @Test
    void aChannelOutlivesTheLoopThatMadeItAndServesPlainThreadsAfterwards() throws Exception {
        Channel<String> ch = Coro.run(() -> {
            Channel<String> c = Channel.unbounded();
            c.send("left by the loop");
            return c;
        });
        assertEquals("left by the loop", ch.tryReceive()); // the same thread, its loop over
        CompletableFuture<String> other = plainThread("after", () -> {
            ch.send("from another thread");
            return ch.receive();
        });
        assertEquals("from another thread", get(other));
        assertEquals(0, ch.size());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void twoLoopsThatStartUsingEachOthersChannelsAtOnceDoNotWaitOnEachOther() throws Exception {
        final int rounds = 300;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.atomic.AtomicReferenceArray<Channel<Integer>> made =
                new java.util.concurrent.atomic.AtomicReferenceArray<>(2);
        java.util.function.IntFunction<CompletableFuture<Integer>> side = me -> loopThread("side-" + me, () -> {
            int got = 0;
            for (int r = 0; r < rounds; r++) {
                Channel<Integer> mine = Channel.unbounded(); // owned by this loop
                int round = r;
                Coro.blocking(() -> {
                    made.set(me, mine);
                    together.await(10, TimeUnit.SECONDS);
                    return null;
                });
                Channel<Integer> theirs = made.get(1 - me);
                Coro.blocking(() -> together.await(10, TimeUnit.SECONDS)); // both have read the other's channel
                theirs.trySend(round); // both loops revoke the other's ownership at about the same time
                if (mine.receive(java.time.Duration.ofSeconds(10)) == round) {
                    got++;
                }
            }
            return got;
        });
        CompletableFuture<Integer> a = side.apply(0);
        CompletableFuture<Integer> b = side.apply(1);
        assertEquals(rounds, get(a));
        assertEquals(rounds, get(b));
    }

    @Test
    void aChannelMadeBeforeCoroRunIsUsedWithoutItsLockByTheFirstLoopThatUsesIt() throws Exception {
        Channel<Integer> ch = Channel.bounded(0); // made on a plain thread, outside any loop
        long sum = runWhileItsMonitorIsHeld(ch, () -> {
            Coro.spawn(() -> {
                for (int i = 1; i <= 1000; i++) {
                    ch.send(i);
                }
            });
            long total = 0;
            for (int i = 1; i <= 1000; i++) {
                total += ch.receive();
            }
            return total;
        });
        assertEquals(500_500, sum);
    }

    @Test
    void aChannelClaimedByALoopServesPlainThreadsAndAnotherLoopAfterwards() throws Exception {
        Channel<String> ch = Channel.unbounded();
        Coro.run(() -> {
            ch.send("first"); // this loop claims the channel
            return null;
        });
        CompletableFuture<String> plain = plainThread("plain", () -> {
            String first = ch.receive(); // the claiming loop has ended: the plain thread locks
            ch.send("second");
            return first;
        });
        assertEquals("first", get(plain));
        CompletableFuture<String> other = loopThread("other", () -> ch.receive());
        assertEquals("second", get(other));
        assertEquals(0, ch.size());
    }

    /** A send that times out on a rendezvous channel leaves nothing behind: no item, no stale sender. */
    @Test
    void aRendezvousSendThatTimesOutLeavesNoItemAndNoSenderBehind() {
        Coro.run(() -> {
            Channel<String> ch = Channel.bounded(0);
            thrownBy(TimeoutExpiredException.class, () -> {
                try (Timeout t = Timeout.after(Duration.ofMillis(15))) {
                    ch.send("x");
                }
            });
            assertNull(ch.tryReceive(), "the timed-out send delivered its item");
            Task<String> receiver = Coro.spawn(() -> ch.receive());
            yields(2);
            ch.send("z");
            assertEquals("z", receiver.join());
        });
    }

    /** A select waiting on a channel that closes throws, and leaves no receiver behind on the other channels. */
    @Test
    void aSelectWaitingOnAChannelThatClosesThrowsAndLeavesNoReceiverOnTheOthers() {
        Coro.run(() -> {
            Channel<String> a = Channel.bounded(0);
            Channel<String> b = Channel.bounded(0);
            Task<Channel.Selected> selecting = Coro.spawn(() -> Channel.select(Duration.ofSeconds(10), a, b));
            yields(2);
            a.close();
            thrownBy(ChannelClosedException.class, () -> selecting.join());
            assertFalse(b.trySend("x"), "a send found the select's receiver still waiting on b");
            assertEquals(0, b.size());
        });
    }

    /**
     * A select over two rendezvous channels while a plain thread sends on each, many rounds: it takes exactly one
     * item, and the other sender stays blocked until that item is received. (A select that took a waiting sender's
     * item after the other channel's sender had already completed it used to put the item back into the buffer of a
     * channel of capacity 0, releasing its sender unreceived; with a 50 us pause widened into that window, 11 rounds
     * in 5,000 did so, none since the select holds its node while it polls.)
     */
    @Test
    void aSelectRacingASenderOnEachChannelTakesOneItemAndLeavesTheOtherSenderWaiting() throws Exception {
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 2_000; round++) {
                Channel<Integer> a = Channel.bounded(0);
                Channel<Integer> b = Channel.bounded(0);
                a.size(); // used by a plain thread first: both lock from the start, as when the senders come first
                b.size();
                java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(3);
                java.util.concurrent.Future<?> sentA = senders.submit(() -> {
                    go.await();
                    a.send(1);
                    return null;
                });
                java.util.concurrent.Future<?> sentB = senders.submit(() -> {
                    go.await();
                    b.send(2);
                    return null;
                });
                go.await();
                int[] r = Coro.run(() -> {
                    Channel.Selected s = Channel.select(Duration.ofSeconds(10), a, b);
                    Channel<Integer> other = s.index() == 0 ? b : a;
                    int buffered = other.size();
                    Integer rest = other.receive(Duration.ofSeconds(10));
                    return new int[] {s.item(), buffered, rest == null ? 0 : rest};
                });
                sentA.get(10, TimeUnit.SECONDS);
                sentB.get(10, TimeUnit.SECONDS);
                assertEquals(0, r[1], "round " + round + ": the other sender's item was buffered in a rendezvous channel");
                assertEquals(3, r[0] + r[2], "round " + round + ": items " + r[0] + " and " + r[2]);
            }
        } finally {
            senders.shutdownNow();
        }
    }
}
