package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import dev.coro.tests.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS in coroutines: plain {@code SSLSocket} code (factories from an {@code SSLContext}, {@code startHandshake},
 * the sockets' streams) runs on coro's TLS sockets, so handshakes, reads and writes suspend the task instead of
 * blocking the loop; and it gives the JDK's results, on plain threads too, and the JDK's handshake failure.
 */
class TlsPatchTest {
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void keys() throws Exception {
        KeyStore keys = TestKeys.localhost();
        serverContext = TestKeys.serving(keys);
        clientContext = TestKeys.trusting(keys, "server");
    }

    // ---- the code under test: ordinary blocking TLS code, rewritten because it is @Coroutine ----

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
    static ServerSocket tlsServer(SSLContext context) throws IOException {
        SSLServerSocketFactory f = context.getServerSocketFactory();
        return f.createServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    /** Reads a 16-byte message, waits, echoes it. */
    @Coroutine
    static void serveEcho(Socket s, long delayMs) throws Exception {
        try (s) {
            byte[] msg = readFully(s.getInputStream(), 16);
            Thread.sleep(delayMs);
            s.getOutputStream().write(msg);
        } catch (SSLHandshakeException e) {
            // a client that does not trust us
        }
    }

    @Coroutine
    static void acceptLoop(ServerSocket server, int connections, long delayMs) throws Exception {
        List<Task<Void>> handlers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Socket s = server.accept();
            handlers.add(Coro.spawn(() -> serveEcho(s, delayMs)));
        }
        for (Task<Void> h : handlers) {
            h.join(); // the loop ends when its first task does: it waits for the connections it serves
        }
    }

    @Coroutine
    static String tlsEcho(SSLContext context, int port, String text) throws Exception {
        SSLSocketFactory f = context.getSocketFactory();
        try (Socket s = f.createSocket("localhost", port)) {
            s.setSoTimeout(30_000); // a server gone wrong fails the test instead of hanging it
            ((SSLSocket) s).startHandshake();
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            String reply = new String(readFully(s.getInputStream(), 16), StandardCharsets.US_ASCII);
            return reply + "/" + s.getClass().getSimpleName();
        }
    }

    /** Echoes every chunk back until the client's length is done: the server side of the bulk transfer. */
    @Coroutine
    static void serveBulk(Socket s) throws Exception {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] len = readFully(in, 8);
            long total = java.nio.ByteBuffer.wrap(len).getLong();
            byte[] buf = new byte[16384];
            long seen = 0;
            while (seen < total) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, total - seen));
                if (n < 0) {
                    throw new IOException("early EOF after " + seen);
                }
                out.write(buf, 0, n);
                seen += n;
            }
        }
    }

    @Coroutine
    static void sendAll(OutputStream out, byte[] data) throws IOException {
        out.write(java.nio.ByteBuffer.allocate(8).putLong(data.length).array());
        for (int off = 0; off < data.length; off += 65536) {
            out.write(data, off, Math.min(65536, data.length - off));
        }
    }

    @Coroutine
    static long checksum(InputStream in, long total) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[8192];
        long seen = 0;
        while (seen < total) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            crc.update(buf, 0, n);
            seen += n;
        }
        return seen == total ? crc.getValue() : -seen;
    }

    /** Sends {@code data} from one task while another reads the echo: both on one TLS socket. */
    @Coroutine
    static long bulkEcho(SSLContext context, int port, byte[] data) throws Exception {
        try (Socket s = context.getSocketFactory().createSocket("localhost", port)) {
            Task<Void> writer = Coro.spawn(() -> sendAll(s.getOutputStream(), data));
            long crc = checksum(s.getInputStream(), data.length);
            writer.join();
            return crc;
        }
    }

    /** The same bulk transfer on a plain thread: one thread writes, this one reads. */
    static long bulkEchoOnThreads(SSLContext context, int port, byte[] data) throws Exception {
        try (Socket s = plainTlsSocketOrPatched(context, port)) {
            Thread writer = new Thread(() -> {
                try {
                    sendAll(s.getOutputStream(), data);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            long crc = checksum(s.getInputStream(), data.length);
            writer.join();
            return crc;
        }
    }

    @Coroutine
    static Socket plainTlsSocketOrPatched(SSLContext context, int port) throws IOException {
        return context.getSocketFactory().createSocket("localhost", port);
    }

    // ---- the JDK's own TLS, for comparison: plain methods, not rewritten ----

    static String jdkEcho(SSLContext context, int port, String text) throws Exception {
        try (Socket s = context.getSocketFactory().createSocket("localhost", port)) {
            ((SSLSocket) s).startHandshake();
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readNBytes(16), StandardCharsets.US_ASCII);
            return reply + "/" + s.getClass().getSimpleName();
        }
    }

    static Thread jdkServer(ServerSocket server, int connections) {
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = server.accept();
                    try (s) {
                        byte[] msg = s.getInputStream().readNBytes(16);
                        s.getOutputStream().write(msg);
                    } catch (IOException e) {
                        // an untrusting client gives up (an SSLHandshakeException, or a reset or an alert as a
                        // SocketException or SSLException, depending on timing): serve the next one
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "jdk-tls-server");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- tests ----

    @Test
    void fiftyTlsClientsOverlapOnOneLoop() {
        int clients = 50;
        long delay = 200;
        long start = System.nanoTime();
        List<String> replies = Coro.run(() -> {
            ServerSocket server = tlsServer(serverContext);
            int port = server.getLocalPort();
            Task<Void> acceptor = Coro.spawn(() -> acceptLoop(server, clients, delay));
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String text = String.format("hello-%010d", i);
                tasks.add(Coro.spawn(() -> tlsEcho(clientContext, port, text)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            acceptor.join();
            server.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < clients; i++) {
            assertEquals(String.format("hello-%010d", i) + "/CoSSLSocket", replies.get(i));
        }
        System.out.println("TLS: " + clients + " handshakes + echoes with a " + delay + " ms server delay on one loop: "
                + ms + " ms (sequentially at least " + clients * delay + " ms)");
        assertTrue(ms < clients * delay / 2, "the TLS connections did not overlap: " + ms + " ms");
    }

    @Test
    void megabytesArriveIntactWithAReaderAndAWriterTask() {
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        CRC32 expected = new CRC32();
        expected.update(data);
        long crc = Coro.run(() -> {
            ServerSocket server = tlsServer(serverContext);
            Task<Void> srv = Coro.spawn(() -> serveBulk(server.accept()));
            long c = bulkEcho(clientContext, server.getLocalPort(), data);
            srv.join();
            server.close();
            return c;
        });
        assertEquals(expected.getValue(), crc);
    }

    @Test
    void aPlainThreadGetsTheSameResults() throws Exception {
        byte[] data = new byte[2 << 20];
        new Random(7).nextBytes(data);
        CRC32 expected = new CRC32();
        expected.update(data);
        // the coro server on a loop of its own; the same client code on plain threads (blocking)
        ServerSocket server = Coro.run(() -> tlsServer(serverContext));
        Thread loop = new Thread(() -> Coro.run(() -> {
            acceptLoop(server, 1, 0);
            serveBulk(server.accept());
            server.close();
        }), "tls-server-loop");
        loop.start();
        String echoed = tlsEcho(clientContext, server.getLocalPort(), "plain-thread-001");
        long crc = bulkEchoOnThreads(clientContext, server.getLocalPort(), data);
        loop.join(30_000);
        assertEquals("plain-thread-001/CoSSLSocket", echoed);
        assertEquals(expected.getValue(), crc);
    }

    /**
     * A reader thread and a writer thread start on a fresh TLS socket at once, so both drive the handshake: the
     * reader may take the message the writer waits for and finish the handshake alone, after which nothing arrives
     * until the writer sends; the writer must look again rather than wait for data forever. (A standalone loop of
     * these rounds with 2 MB each deadlocked within a few hundred rounds before the fix; here, under surefire, the
     * race has not shown up, so this pins the behaviour rather than reproducing the bug reliably.)
     */
    @Test
    void aReaderAndAWriterRacingThroughTheHandshakeNeverDeadlock() throws Exception {
        int rounds = 60;
        byte[] data = new byte[2 << 20]; // big enough that the writer still writes while the reader reads
        new Random(11).nextBytes(data);
        CRC32 expected = new CRC32();
        expected.update(data);
        for (int i = 0; i < rounds; i++) {
            // a new server on a new loop each round, as a fresh process would meet it
            ServerSocket server = Coro.run(() -> tlsServer(serverContext));
            Thread loop = new Thread(() -> Coro.run(() -> {
                serveBulk(server.accept());
                server.close();
            }), "tls-server-loop");
            loop.setDaemon(true);
            loop.start();
            try (Socket s = plainTlsSocketOrPatched(clientContext, server.getLocalPort())) {
                Thread writer = new Thread(() -> {
                    try {
                        sendAll(s.getOutputStream(), data);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                long[] crc = {-1};
                Thread reader = new Thread(() -> {
                    try {
                        crc[0] = checksum(s.getInputStream(), data.length);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.setDaemon(true);
                reader.setDaemon(true);
                writer.start();
                reader.start();
                writer.join(20_000); // a deadlock fails the test instead of hanging it
                reader.join(20_000);
                assertFalse(writer.isAlive(), "round " + i + ": the writer is stuck");
                assertFalse(reader.isAlive(), "round " + i + ": the reader is stuck");
                assertEquals(expected.getValue(), crc[0], "round " + i);
            }
            loop.join(20_000);
        }
    }

    @Test
    void interoperatesWithTheJdksTlsBothWays() throws Exception {
        // the JDK's client against coro's server (in coroutines on a loop)
        ServerSocket server = Coro.run(() -> tlsServer(serverContext));
        Thread loop = new Thread(() -> Coro.run(() -> {
            acceptLoop(server, 3, 10);
        }), "tls-server-loop");
        loop.start();
        for (int i = 0; i < 3; i++) {
            assertEquals(String.format("jdk-client-%05d", i) + "/SSLSocketImpl",
                    jdkEcho(clientContext, server.getLocalPort(), String.format("jdk-client-%05d", i)));
        }
        loop.join(30_000);
        server.close();
        // coro's client (in a coroutine) against the JDK's server
        try (ServerSocket jdk = serverContext.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress())) {
            Thread t = jdkServer(jdk, 1);
            String r = Coro.run(() -> tlsEcho(clientContext, jdk.getLocalPort(), "coro-client-0001"));
            assertEquals("coro-client-0001/CoSSLSocket", r);
            t.join(30_000);
        }
    }

    @Test
    void anUntrustedCertificateFailsAsWithTheJdk() throws Exception {
        SSLContext untrusting = SSLContext.getInstance("TLS");
        untrusting.init(null, null, null); // the JDK's default trust store: our self-signed key is not in it
        try (ServerSocket jdk = serverContext.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress())) {
            Thread t = jdkServer(jdk, 3);
            SSLHandshakeException plain = assertThrows(SSLHandshakeException.class,
                    () -> jdkEcho(untrusting, jdk.getLocalPort(), "x".repeat(16)));
            Throwable patched = assertThrows(TaskFailedException.class,
                    () -> Coro.run(() -> tlsEcho(untrusting, jdk.getLocalPort(), "y".repeat(16)))).getCause();
            assertEquals(plain.getClass(), patched.getClass());
            assertEquals(plain.getMessage(), patched.getMessage());
            // a plain thread running the rewritten code: the same
            Exception onThread = assertThrows(Exception.class,
                    () -> tlsEcho(untrusting, jdk.getLocalPort(), "z".repeat(16)));
            assertEquals(plain.getClass(), onThread.getClass());
            assertEquals(plain.getMessage(), onThread.getMessage());
            t.join(30_000);
        }
    }
}
