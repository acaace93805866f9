package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain java.net UDP code (DatagramSocket, DatagramPacket) inside coroutines: receives suspend on the loop's
 * selector, with the JDK's results, timeouts, truncation and messages. The JDK's behaviour is taken from plain
 * (not rewritten) methods of this class, which get the JDK's own DatagramSocket.
 */
class UdpPatchTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String CO = "dev.coro.internal.net.CoDatagramSocket";

    @Coroutine
    static DatagramSocket open() throws IOException {
        return new DatagramSocket(0, LOOPBACK);
    }

    @Coroutine
    static DatagramPacket receive(DatagramSocket s, int size) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[size], size);
        s.receive(p);
        return p;
    }

    @Coroutine
    static void send(DatagramSocket s, String text, SocketAddress to) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length, to));
    }

    /** Answers {@code n} requests, each 100 ms after it came, from a coroutine of its own. */
    @Coroutine
    static void serve(DatagramSocket server, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            DatagramPacket req = receive(server, 64);
            String text = new String(req.getData(), 0, req.getLength(), StandardCharsets.US_ASCII);
            SocketAddress from = req.getSocketAddress();
            Coro.spawn(() -> {
                Thread.sleep(100);
                send(server, "re:" + text, from);
            });
        }
    }

    @Coroutine
    static String ask(SocketAddress server, String text) throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            s.setSoTimeout(20_000);
            send(s, text, server);
            DatagramPacket p = receive(s, 64);
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aHundredReceivesOverlapOnOneLoop() {
        long start = System.nanoTime();
        AtomicReference<String> kind = new AtomicReference<>();
        List<String> replies = Coro.run(() -> {
            DatagramSocket server = open();
            kind.set(server.getClass().getName());
            SocketAddress at = server.getLocalSocketAddress();
            Task<Void> serving = Coro.spawn(() -> serve(server, 100));
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String text = "q" + i;
                clients.add(Coro.spawn(() -> ask(at, text)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> c : clients) {
                out.add(c.join());
            }
            serving.join();
            server.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(CO, kind.get());
        for (int i = 0; i < 100; i++) {
            assertEquals("re:q" + i, replies.get(i));
        }
        // each reply comes 100 ms after its request: 10 s one after another
        assertTrue(ms < 5000, "the receives did not overlap: " + ms + " ms");
    }

    // ---- timeouts ----

    /** The JDK's: a plain method, a plain DatagramSocket. */
    static SocketTimeoutException jdkTimeout() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            assertEquals(DatagramSocket.class, s.getClass());
            s.setSoTimeout(50);
            return assertThrows(SocketTimeoutException.class, () -> s.receive(new DatagramPacket(new byte[8], 8)));
        }
    }

    @Coroutine
    static String receiveWithTimeout(int millis) throws IOException {
        DatagramSocket s = open();
        try {
            s.setSoTimeout(millis);
            receive(s, 8);
            return "received?";
        } finally {
            s.close();
        }
    }

    @Test
    void soTimeoutIsTheJdksInsideAndOutsideCoroutines() throws Exception {
        SocketTimeoutException jdk = jdkTimeout();
        assertEquals("Receive timed out", jdk.getMessage());
        // inside a coroutine, with another one ticking meanwhile: the wait does not hold the loop
        long start = System.nanoTime();
        int[] ticks = {0};
        Throwable inside = assertThrows(TaskFailedException.class, () -> Coro.run(() -> {
            Task<Void> ticker = Coro.spawn(() -> {
                for (int i = 0; i < 10; i++) {
                    Thread.sleep(10);
                    ticks[0]++;
                }
            });
            try {
                return receiveWithTimeout(300);
            } finally {
                ticker.join();
            }
        })).getCause();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(SocketTimeoutException.class, inside.getClass());
        assertEquals(jdk.getMessage(), inside.getMessage());
        assertEquals(10, ticks[0]);
        assertTrue(ms >= 290, "timed out early: " + ms + " ms");
        // outside: the patched code on a plain thread (a CoDatagramSocket, waiting the blocking way)
        SocketTimeoutException outside = assertThrows(SocketTimeoutException.class, () -> receiveWithTimeout(50));
        assertEquals(jdk.getMessage(), outside.getMessage());
        assertEquals(CO, plainThreadSocketKind());
    }

    static String plainThreadSocketKind() throws IOException {
        DatagramSocket s = open();
        try {
            return s.getClass().getName();
        } finally {
            s.close();
        }
    }

    // ---- close while another task receives ----

    static String jdkCloseWhileReceiving() throws Exception {
        DatagramSocket s = new DatagramSocket(0, LOOPBACK);
        AtomicReference<Throwable> got = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                s.receive(new DatagramPacket(new byte[8], 8));
            } catch (Throwable e) {
                got.set(e);
            }
        });
        t.start();
        Thread.sleep(200);
        s.close();
        t.join(10_000);
        return got.get().getClass().getName() + ": " + got.get().getMessage();
    }

    @Test
    void closeWhileAnotherTaskReceivesFailsTheReceiveLikeTheJdk() throws Exception {
        String jdk = jdkCloseWhileReceiving();
        assertEquals(SocketException.class.getName() + ": Socket closed", jdk);
        String inside = Coro.run(() -> {
            DatagramSocket s = open();
            Task<String> waiting = Coro.spawn(() -> {
                try {
                    receive(s, 8);
                    return "received?";
                } catch (IOException e) {
                    return e.getClass().getName() + ": " + e.getMessage();
                }
            });
            Thread.sleep(100);
            s.close();
            return waiting.join();
        });
        assertEquals(jdk, inside);
        // and once closed, both send and receive fail as the JDK's do
        String after = Coro.run(() -> {
            DatagramSocket s = open();
            SocketAddress at = s.getLocalSocketAddress();
            s.close();
            String r = "";
            try {
                receive(s, 8);
            } catch (IOException e) {
                r += e.getMessage();
            }
            try {
                send(s, "x", at);
            } catch (IOException e) {
                r += "/" + e.getMessage();
            }
            return r + "/" + s.isClosed();
        });
        assertEquals("Socket closed/Socket closed/true", after);
    }

    // ---- truncation and packet reuse ----

    /** Sends datagrams of these sizes, then receives them all into one packet of 1024 bytes at offset 10. */
    @Coroutine
    static List<String> coTruncation(int... sizes) throws IOException {
        DatagramSocket r = open();
        DatagramSocket s = new DatagramSocket();
        try {
            List<String> out = new ArrayList<>();
            out.add(r.getClass().getName());
            SocketAddress to = r.getLocalSocketAddress();
            for (int n : sizes) {
                s.send(new DatagramPacket(pattern(n), n, to));
            }
            DatagramPacket p = new DatagramPacket(new byte[1100], 10, 1024);
            for (int n : sizes) {
                r.receive(p);
                out.add(describe(p, n));
            }
            return out;
        } finally {
            r.close();
            s.close();
        }
    }

    static List<String> plainTruncation(int... sizes) throws IOException {
        DatagramSocket r = new DatagramSocket(0, LOOPBACK);
        DatagramSocket s = new DatagramSocket();
        try {
            List<String> out = new ArrayList<>();
            out.add(r.getClass().getName());
            SocketAddress to = r.getLocalSocketAddress();
            for (int n : sizes) {
                s.send(new DatagramPacket(pattern(n), n, to));
            }
            DatagramPacket p = new DatagramPacket(new byte[1100], 10, 1024);
            for (int n : sizes) {
                r.receive(p);
                out.add(describe(p, n));
            }
            return out;
        } finally {
            r.close();
            s.close();
        }
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + n);
        }
        return b;
    }

    /** Length, offset, whether the bytes are the datagram's head, and the sender's port being set. */
    static String describe(DatagramPacket p, int sent) {
        byte[] want = Arrays.copyOf(pattern(sent), p.getLength());
        byte[] got = Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
        return p.getLength() + "@" + p.getOffset() + (Arrays.equals(want, got) ? " intact" : " CORRUPT")
                + (p.getPort() > 0 ? " from" : " nowhere");
    }

    @Test
    void truncationAndPacketReuseMatchTheJdk() throws Exception {
        // 2000 bytes into a 1024-byte packet are cut; the packet then still takes 100, 1024, then 500 bytes
        int[] sizes = {2000, 100, 1024, 10, 500, 0};
        List<String> jdk = plainTruncation(sizes);
        assertEquals(DatagramSocket.class.getName(), jdk.get(0));
        assertEquals(List.of("1024@10 intact from", "100@10 intact from", "1024@10 intact from", "10@10 intact from",
                "500@10 intact from", "0@10 intact from"), jdk.subList(1, jdk.size()));
        List<String> inside = Coro.run(() -> coTruncation(sizes));
        assertEquals(CO, inside.get(0));
        assertEquals(jdk.subList(1, jdk.size()), inside.subList(1, inside.size()));
    }

    // ---- connected sockets ----

    @Coroutine
    static String connectedExchange() throws IOException {
        DatagramSocket a = open();
        DatagramSocket b = open();
        try {
            a.connect(b.getLocalSocketAddress());
            b.connect(a.getLocalSocketAddress());
            String r = a.isConnected() + " " + a.getRemoteSocketAddress().equals(b.getLocalSocketAddress());
            DatagramPacket noAddress = new DatagramPacket("hi".getBytes(StandardCharsets.US_ASCII), 2);
            a.send(noAddress); // the connected address; the packet learns it, as with the JDK
            r += " " + noAddress.getSocketAddress().equals(b.getLocalSocketAddress());
            DatagramPacket p = receive(b, 16);
            r += " " + new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
            try {
                a.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress(LOOPBACK, 9)));
            } catch (IllegalArgumentException e) {
                r += " " + e.getMessage();
            }
            DatagramSocket c = open();
            try {
                c.send(new DatagramPacket(new byte[1], 1));
            } catch (IllegalArgumentException e) {
                r += " / " + e.getMessage();
            } finally {
                c.close();
            }
            return r;
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void connectedSendAndReceiveMatchTheJdk() {
        assertEquals("true true true hi Connected and packet address differ / Address not set",
                Coro.run(UdpPatchTest::connectedExchange));
    }
}
