package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocking-mode {@link DatagramChannel} code inside coroutines: {@code receive}, {@code send}, and a connected
 * channel's {@code read}/{@code write} suspend the task instead of blocking the loop, with the JDK's results.
 */
@Timeout(60)
class DatagramChannelPatchTest {
    static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static String text(ByteBuffer b) {
        return StandardCharsets.US_ASCII.decode(b.flip()).toString();
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Answers each datagram 100 ms later, from its own task, with the text upper-cased. */
    @Coroutine
    static void slowUpperCaseServer(DatagramChannel server, int datagrams, Set<Thread> threads) throws Exception {
        for (int i = 0; i < datagrams; i++) {
            ByteBuffer in = ByteBuffer.allocate(64);
            SocketAddress from = server.receive(in);
            threads.add(Thread.currentThread());
            String msg = text(in);
            Coro.spawn(() -> {
                Thread.sleep(100);
                server.send(ascii(msg.toUpperCase()), from);
            });
        }
    }

    @Coroutine
    static String ask(SocketAddress server, String text, Set<Thread> threads) throws Exception {
        try (DatagramChannel c = DatagramChannel.open()) {
            c.bind(ANY_LOOPBACK);
            c.send(ascii(text), server);
            ByteBuffer in = ByteBuffer.allocate(64);
            c.receive(in);
            threads.add(Thread.currentThread());
            return text(in);
        }
    }

    @Test
    void fiftyReceiversWaitingForSlowRepliesOverlapOnOneLoop() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        long start = System.nanoTime();
        List<String> replies = Coro.run(() -> {
            DatagramChannel server = DatagramChannel.open().bind(ANY_LOOPBACK);
            SocketAddress at = server.getLocalAddress();
            Task<Void> s = Coro.spawn(() -> slowUpperCaseServer(server, 50, threads));
            List<Task<String>> asks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String t = String.format("ask-%02d", i);
                asks.add(Coro.spawn(() -> ask(at, t, threads)));
            }
            List<String> r = new ArrayList<>();
            for (Task<String> t : asks) {
                r.add(t.join());
            }
            s.join();
            server.close();
            return r;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < 50; i++) {
            assertEquals(String.format("ASK-%02d", i), replies.get(i));
        }
        assertEquals(Set.of(Thread.currentThread()), threads, "everything ran on the test's thread");
        assertTrue(ms < 2_500, "50 waits of 100 ms took " + ms + " ms: they did not overlap (one after another: 5 s)");
    }

    @Test
    void aConnectedChannelReadsAndWritesCooperatively() {
        List<String> got = Coro.run(() -> {
            DatagramChannel server = DatagramChannel.open().bind(ANY_LOOPBACK);
            DatagramChannel client = DatagramChannel.open().bind(ANY_LOOPBACK);
            client.connect(server.getLocalAddress());
            Task<Void> echo = Coro.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    ByteBuffer in = ByteBuffer.allocate(64);
                    SocketAddress from = server.receive(in);
                    Thread.sleep(30);
                    server.send(in.flip(), from);
                }
            });
            List<String> r = new ArrayList<>();
            for (String t : new String[] {"one", "two", "three"}) {
                assertEquals(t.length(), client.write(ascii(t)));
                ByteBuffer in = ByteBuffer.allocate(64);
                int n = client.read(in);
                r.add(n + ":" + text(in));
            }
            echo.join();
            client.close();
            server.close();
            return r;
        });
        assertEquals(List.of("3:one", "3:two", "5:three"), got);
    }

    @Test
    void aCloseWakesATaskWaitingInReceiveAsTheJdkDoes() {
        Class<?> thrown = Coro.run(() -> {
            DatagramChannel c = DatagramChannel.open().bind(ANY_LOOPBACK);
            Task<Class<?>> waiter = Coro.spawn(() -> {
                try {
                    c.receive(ByteBuffer.allocate(16));
                    return null;
                } catch (IOException e) {
                    return e.getClass();
                }
            });
            Thread.sleep(50);
            c.close();
            return waiter.join();
        });
        assertEquals(AsynchronousCloseException.class, thrown);
    }

    @Test
    void afterTheLoopTheChannelBlocksForAPlainThreadAgain() throws Exception {
        DatagramChannel c = DatagramChannel.open().bind(ANY_LOOPBACK);
        SocketAddress at = c.getLocalAddress();
        Coro.run(() -> {
            try (DatagramChannel peer = DatagramChannel.open()) {
                peer.send(ascii("in-loop"), at);
            }
            ByteBuffer in = ByteBuffer.allocate(16);
            c.receive(in); // adopts the channel for the loop
            assertEquals("in-loop", text(in));
        });
        assertTrue(c.isBlocking(), "the channel is blocking again once the loop has ended");
        Thread sender = new Thread(() -> {
            try (DatagramChannel peer = DatagramChannel.open()) {
                Thread.sleep(100);
                peer.send(ascii("later"), at);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        sender.start();
        ByteBuffer in = ByteBuffer.allocate(16);
        assertTrue(c.receive(in) != null, "a blocking receive returns the sender");
        assertEquals("later", text(in));
        sender.join();
        c.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> c.receive(ByteBuffer.allocate(1)));
    }
}
