package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain java.net blocking code (ServerSocket, Socket, their streams) inside coroutines: thousands of
 * connections on one thread, with the JDK's results, exceptions and messages.
 */
class SocketPatchTest {

    /** Reads until {@code n} bytes or EOF, with plain InputStream.read calls. */
    @Coroutine
    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return java.util.Arrays.copyOf(b, got);
    }

    @Coroutine
    static void serveEcho(Socket s, long delayMs) throws Exception {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] msg = readFully(in, 16);
            Thread.sleep(delayMs);
            out.write(msg);
        }
    }

    @Coroutine
    static String echoOnce(int port, String text) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            return new String(readFully(s.getInputStream(), 16), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aHundredConnectionsOverlapOnOneThread() {
        long start = System.nanoTime();
        List<String> replies = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            int port = server.getLocalPort();
            Task<Void> acceptor = Coro.spawn(() -> {
                for (int i = 0; i < 100; i++) {
                    Socket s = server.accept();
                    Coro.spawn(() -> serveEcho(s, 100));
                }
            });
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String text = String.format("hello-%010d", i);
                clients.add(Coro.spawn(() -> echoOnce(port, text)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> c : clients) {
                out.add(c.join());
            }
            acceptor.join();
            server.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < 100; i++) {
            assertEquals(String.format("hello-%010d", i), replies.get(i));
        }
        // each handler sleeps 100 ms: 10 s one after another
        assertTrue(ms < 5000, "the connections did not overlap: " + ms + " ms");
    }

    @Coroutine
    static int readOneByte(Socket s) throws IOException {
        return s.getInputStream().read();
    }

    @Test
    void readTimeoutIsTheJdksInAndOutOfCoroutines() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SocketTimeoutException plain;
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 Socket peer = server.accept()) {
                c.setSoTimeout(50);
                plain = assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
            }
            Throwable patched = assertThrows(TaskFailedException.class, () -> Coro.run(() -> {
                Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                c.setSoTimeout(50);
                try {
                    return readOneByte(c);
                } finally {
                    c.close();
                }
            })).getCause();
            assertEquals(SocketTimeoutException.class, patched.getClass());
            assertEquals(plain.getMessage(), patched.getMessage());
        }
    }

    @Test
    void eofAndCloseWhileAnotherTaskReads() throws Exception {
        String r = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket peer = server.accept();
            peer.getOutputStream().write(7);
            peer.close(); // the client sees the byte, then EOF
            int first = readOneByte(c);
            int eof = readOneByte(c);
            Socket c2 = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket peer2 = server.accept();
            Task<String> reader = Coro.spawn(() -> {
                try {
                    readOneByte(c2);
                    return "read";
                } catch (SocketException e) {
                    return e.getMessage();
                }
            });
            Thread.sleep(20);
            c2.close();
            String closed = reader.join();
            peer2.close();
            c.close();
            server.close();
            return first + " " + eof + " " + closed;
        });
        assertEquals("7 -1 Socket closed", r);
    }

    @Test
    void connectionRefusedIsTheJdksException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ConnectException plain = assertThrows(ConnectException.class,
                () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
        Throwable patched = assertThrows(TaskFailedException.class,
                () -> Coro.run(() -> new Socket(InetAddress.getLoopbackAddress(), port))).getCause();
        assertEquals(plain.getClass(), patched.getClass());
        assertEquals(plain.getMessage(), patched.getMessage());
    }

    @Coroutine
    static long sendAll(Socket s, byte[] data) throws IOException {
        OutputStream out = s.getOutputStream();
        for (int off = 0; off < data.length; off += 65536) {
            out.write(data, off, Math.min(65536, data.length - off));
        }
        s.shutdownOutput();
        return data.length;
    }

    @Coroutine
    static long slowChecksum(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        CRC32 crc = new CRC32();
        int n;
        int reads = 0;
        while ((n = in.read(buf)) >= 0) {
            crc.update(buf, 0, n);
            if (++reads % 64 == 0) {
                Thread.sleep(1); // a slow reader: the writer's buffer fills and it must wait
            }
        }
        return crc.getValue();
    }

    @Test
    void aLargeWriteToASlowReaderWaitsWithoutLosingData() {
        byte[] data = new byte[8 << 20];
        new java.util.Random(42).nextBytes(data);
        CRC32 expected = new CRC32();
        expected.update(data);
        long crc = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket peer = server.accept();
            Task<Long> writer = Coro.spawn(() -> sendAll(c, data));
            long sum = slowChecksum(peer);
            assertEquals(data.length, writer.join());
            c.close();
            peer.close();
            server.close();
            return sum;
        });
        assertEquals(expected.getValue(), crc);
    }

    @Coroutine
    static InetAddress[] lookUp(String host) throws IOException {
        return new InetAddress[] {InetAddress.getByName(host), InetAddress.getAllByName(host)[0]};
    }

    @Test
    void nameLookUpsInCoroutinesGiveTheJdksAnswers() throws Exception {
        String host = InetAddress.getLocalHost().getHostName();
        InetAddress[] plain = lookUp(host);
        InetAddress[] patched = Coro.run(() -> lookUp(host));
        assertEquals(InetAddress.getByName(host), plain[0]);
        assertEquals(plain[0], patched[0]);
        assertEquals(plain[1], patched[1]);
        assertEquals(InetAddress.getLoopbackAddress(), Coro.run(() -> lookUp("127.0.0.1"))[0]);
    }

    /**
     * After a read that returned less than asked for, the next read waits for readiness before it reads: it must
     * still see data that arrives later, time out as the JDK does when none comes, and see EOF.
     */
    @Test
    void readsAfterAShortReadSeeLaterDataTimeoutsAndEof() {
        List<String> seen = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Void> peer = Coro.spawn(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write('a');
                    Thread.sleep(150);           // longer than the reader's timeout: it times out once
                    out.write('b');
                    Thread.sleep(20);
                    out.write('c');
                }
            });
            List<String> r = new ArrayList<>();
            try (Socket s = new Socket("127.0.0.1", server.getLocalPort())) {
                s.setSoTimeout(100);
                InputStream in = s.getInputStream();
                byte[] b = new byte[64];
                r.add("read " + in.read(b) + " " + (char) b[0]);          // short read: 1 of 64
                try {
                    r.add("unexpected " + in.read(b));
                } catch (SocketTimeoutException e) {
                    r.add("timeout " + e.getMessage());
                }
                s.setSoTimeout(0);
                int n = in.read(b);
                r.add("read " + n + " " + (char) b[0]);
                n = in.read(b);
                r.add("read " + n + " " + (char) b[0]);
                r.add("read " + in.read(b));
            }
            peer.join();
            server.close();
            return r;
        });
        assertEquals(List.of("read 1 a", "timeout Read timed out", "read 1 b", "read 1 c", "read -1"), seen);
    }

    /**
     * Two tasks reading one socket at once: every byte reaches exactly one of them (which one is unspecified, as
     * with the JDK's non-fair read lock), and a close wakes both, each with the JDK's "Socket closed".
     */
    @Test
    void twoReadersOfOneSocketShareItsDataAndBothSeeTheClose() {
        List<String> seen = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Socket> accepted = Coro.spawn(server::accept);
            Socket client = new Socket("127.0.0.1", server.getLocalPort());
            Socket peer = accepted.join();
            InputStream in = client.getInputStream();
            List<String> got = new ArrayList<>();
            CoroutineReader reader = () -> {
                byte[] b = new byte[1];
                try {
                    for (;;) {
                        int n = in.read(b);
                        got.add(n < 0 ? "eof" : String.valueOf((char) b[0]));
                    }
                } catch (SocketException e) {
                    got.add(e.getMessage());
                }
            };
            Task<Void> r1 = Coro.spawn(reader::read);
            Task<Void> r2 = Coro.spawn(reader::read);
            Thread.sleep(50);                 // both wait in read now
            peer.getOutputStream().write('x');
            Thread.sleep(50);
            peer.getOutputStream().write('y');
            Thread.sleep(50);                 // both wait again
            client.close();
            Coro.joinAll(r1, r2);
            peer.close();
            server.close();
            got.sort(null);
            return got;
        });
        assertEquals(List.of("Socket closed", "Socket closed", "x", "y"), seen);
    }

    @FunctionalInterface
    interface CoroutineReader {
        @Coroutine
        void read() throws IOException;
    }

    /**
     * A task still waiting on a socket when the body returns is cancelled there, and its wait leaves nothing
     * registered on the loop: Coro.run returns instead of waiting on the Selector for what no task awaits any more.
     */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aTaskLeftWaitingOnASilentSocketIsCancelledAndCoroRunReturns() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            String[] seen = new String[1];
            String r = Coro.run(() -> {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Coro.spawn(() -> {
                    try {
                        return s.getInputStream().read(); // the server never writes
                    } catch (java.util.concurrent.CancellationException e) {
                        seen[0] = "cancelled";
                        throw e;
                    }
                });
                Coro.sleep(50);
                return "body done";
            });
            assertEquals("body done", r);
            assertEquals("cancelled", seen[0]);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 10_000, "Coro.run took " + ms + " ms to end");
        }
    }
}
