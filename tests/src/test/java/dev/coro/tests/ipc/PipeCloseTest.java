package dev.coro.tests.ipc;

import dev.coro.ChannelClosedException;
import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Pipe;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Closing one end of a pipe is seen by the other end, in this process and across processes, losing nothing sent. */
@Timeout(90)
class PipeCloseTest {
    private static final String OTHER_END_CLOSED = "the other end of the pipe was closed";

    /** Receives until the other end's close is seen; fails if a receive waits 20 s for nothing. */
    @Coroutine
    static List<String> receiveUntilClosed(Pipe.End<String> end, StringBuilder why) {
        List<String> got = new ArrayList<>();
        try {
            for (;;) {
                String m = end.receive(Duration.ofSeconds(20));
                if (m == null) {
                    fail("no message and no close within 20 s; got " + got);
                }
                got.add(m);
            }
        } catch (ChannelClosedException e) {
            why.append(e.getMessage());
        }
        return got;
    }

    private static List<String> expected(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add("m" + i);
        }
        return l;
    }

    @Test
    void inProcessCoroutinesReceiveEverythingThenTheClose() {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Pipe.End<String> a = pipe.first();
        Pipe.End<String> b = pipe.second();
        String outcome = Coro.run(() -> {
            a.send("first");
            // a receive already waiting when the close comes
            Task<String> waiting = Coro.spawn(() -> {
                String got = b.receive();
                try {
                    return got + ", then got " + b.receive();
                } catch (ChannelClosedException e) {
                    return got + ", then closed: " + e.getMessage();
                }
            });
            Coro.sleep(Duration.ofMillis(50));
            a.close();
            return waiting.join();
        });
        assertTrue(outcome.startsWith("first, then closed: ") && outcome.contains(OTHER_END_CLOSED), outcome);
        assertTrue(outcome.contains("pipe '"), "names the pipe: " + outcome);

        Pipe<String> p2 = Pipe.create(Codec.strings());
        Pipe.End<String> x = p2.first();
        Pipe.End<String> y = p2.second();
        List<String> got = Coro.run(() -> {
            for (int i = 0; i < 100; i++) {
                x.send("m" + i);
            }
            x.close();
            StringBuilder why = new StringBuilder();
            List<String> l = receiveUntilClosed(y, why);
            assertTrue(why.toString().contains(OTHER_END_CLOSED), why.toString());
            // and again: a later receive fails the same way
            ChannelClosedException again = assertThrows(ChannelClosedException.class, y::receive);
            assertTrue(again.getMessage().contains(OTHER_END_CLOSED), again.getMessage());
            return l;
        });
        assertEquals(expected(100), got, "everything sent before the close, in order");
        // sending to a closed end fails: nothing could ever receive it
        ChannelClosedException send = assertThrows(ChannelClosedException.class, () -> y.send("late"));
        assertTrue(send.getMessage().contains(OTHER_END_CLOSED), send.getMessage());
        // the closed end itself refuses to be used
        ChannelClosedException own = assertThrows(ChannelClosedException.class, () -> x.send("after close"));
        assertTrue(own.getMessage().contains("this end of the pipe was closed"), own.getMessage());
        y.close();
    }

    @Test
    void closingAnEndThisProcessNeverUsedDoesNotCloseIt() {
        // the parent's copy of an end it handed to a child: closing it must not close the child's end
        Pipe<String> pipe = Pipe.create(Codec.strings());
        pipe.second().close();
        @SuppressWarnings("unchecked")
        Pipe.End<String> childs = (Pipe.End<String>) dev.coro.internal.ipc.Handover.restore(pipe.second().handover());
        childs.send("still open");
        assertEquals("still open", pipe.first().receive(Duration.ofSeconds(5)));
        childs.close();
        assertThrows(ChannelClosedException.class, () -> pipe.first().receive(Duration.ofSeconds(5)));
        pipe.first().close();
    }

    @Test
    void aPlainThreadWaitingInReceiveSeesTheClose() throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Pipe.End<String> a = pipe.first();
        Pipe.End<String> b = pipe.second();
        a.send("one");
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            StringBuilder why = new StringBuilder();
            List<String> got = receiveUntilClosed(b, why);
            outcome.complete(got + " " + why);
        });
        t.start();
        Thread.sleep(100);
        a.close();
        String o = outcome.get(20, TimeUnit.SECONDS);
        assertTrue(o.startsWith("[one] ") && o.contains(OTHER_END_CLOSED), o);
        t.join(5_000);
        b.close();
    }

    @Test
    void anEndHeldTwiceClosesWhenBothLetGo() {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        @SuppressWarnings("unchecked")
        Pipe.End<String> a2 = (Pipe.End<String>) dev.coro.internal.ipc.Handover.restore(pipe.first().handover());
        Pipe.End<String> a = pipe.first();
        Pipe.End<String> b = pipe.second();
        a.send("from a");
        a.close();
        a2.send("from a2"); // still held by a2
        assertEquals("from a", b.receive(Duration.ofSeconds(5)));
        assertEquals("from a2", b.receive(Duration.ofSeconds(5)));
        assertEquals(null, b.receive(Duration.ofMillis(50)), "not closed while a2 holds the end");
        a2.close();
        ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> b.receive(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(OTHER_END_CLOSED), e.getMessage());
        // a closed end stays closed: restoring it again fails, naming it
        ChannelClosedException restore = assertThrows(ChannelClosedException.class,
                () -> dev.coro.internal.ipc.Handover.restore(pipe.first().handover()));
        assertTrue(restore.getMessage().contains("the first end of the pipe was closed"), restore.getMessage());
        b.close();
    }

    private static String expectLine(BufferedReader r, String prefix) throws Exception {
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        fail("child ended before printing '" + prefix + "'");
        return null;
    }

    @Test
    void aChildThatClosesItsEndIsSeenAfterEverythingItSent() throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Process child = Children.start("pipe-send-then", pipe.second().handover(), "500", "close");
        try {
            Pipe.End<String> mine = pipe.first();
            StringBuilder why = new StringBuilder();
            List<String> got = Coro.run(() -> receiveUntilClosed(mine, why));
            assertEquals(expected(500), got);
            assertTrue(why.toString().contains(OTHER_END_CLOSED) && why.toString().contains("closed by its holder"),
                    why.toString());
            assertTrue(child.isAlive(), "seen from the close, not from the child's exit");
            mine.close();
        } finally {
            child.getOutputStream().close();
            Children.finish(child, 20);
        }
    }

    @Test
    void aChildThatExitsWithoutClosingClosesItsEnd() throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Process child = Children.start("pipe-send-then", pipe.second().handover(), "300", "exit");
        Pipe.End<String> mine = pipe.first();
        StringBuilder why = new StringBuilder();
        List<String> got = receiveUntilClosed(mine, why); // a plain thread
        assertEquals(expected(300), got);
        assertTrue(why.toString().contains(OTHER_END_CLOSED) && why.toString().contains("exited"), why.toString());
        Children.finish(child, 20);
        mine.close();
    }

    @Test
    void aKilledChildClosesItsEndAndWhatItSentIsStillReceived() throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Process child = Children.start("pipe-send-then", pipe.second().handover(), "50", "hang");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            expectLine(r, "sent");
            Pipe.End<String> mine = pipe.first();
            String outcome = Coro.run(() -> {
                // receive everything, then wait in a receive when the child dies
                Task<String> receiver = Coro.spawn(() -> {
                    StringBuilder why = new StringBuilder();
                    List<String> got = receiveUntilClosed(mine, why);
                    return got.size() + " " + why;
                });
                Coro.sleep(Duration.ofMillis(200));
                child.destroyForcibly(); // kill -9
                return receiver.join();
            });
            assertTrue(outcome.startsWith("50 ") && outcome.contains(OTHER_END_CLOSED), outcome);
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            // and this end's sends fail: nothing could ever receive them
            ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> mine.send("late"));
            assertTrue(e.getMessage().contains(OTHER_END_CLOSED), e.getMessage());
            mine.close();
        } finally {
            child.destroyForcibly();
        }
    }

    private static void parentClosesAndChildSeesIt(String mode) throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Process child = Children.start("pipe-receive-all", pipe.second().handover(), mode);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            expectLine(r, "ready");
            Pipe.End<String> mine = pipe.first();
            for (int i = 0; i < 200; i++) {
                mine.send("m" + i);
            }
            mine.close();
            String outcome = expectLine(r, "outcome ");
            StringBuilder want = new StringBuilder("outcome ");
            for (String m : expected(200)) {
                want.append(m).append(' ');
            }
            assertTrue(outcome.startsWith(want + "| closed: "), outcome);
            assertTrue(outcome.contains(OTHER_END_CLOSED), outcome);
            // the child's send after the close fails too
            assertTrue(outcome.contains("| send: ") && outcome.lastIndexOf(OTHER_END_CLOSED)
                    > outcome.indexOf("| send: "), outcome);
            assertTrue(child.waitFor(20, TimeUnit.SECONDS), "child did not exit");
            assertEquals(0, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void theParentsCloseIsSeenByAChildCoroutine() throws Exception {
        parentClosesAndChildSeesIt("coroutine");
    }

    @Test
    void theParentsCloseIsSeenByAChildPlainThread() throws Exception {
        parentClosesAndChildSeesIt("thread");
    }
}
