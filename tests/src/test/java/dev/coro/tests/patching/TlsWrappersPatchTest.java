package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.tests.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic socket idiom over TLS in coroutines: {@code BufferedReader(InputStreamReader(ssl.getInputStream()))},
 * {@code PrintWriter(ssl.getOutputStream(), true)}, {@code Data*}/{@code Buffered*}/{@code PrintStream} around the
 * streams of coro's TLS sockets wait on the loop (handshake included) instead of blocking it, and give the JDK's
 * values, EOF, exceptions and messages (compared with the JDK's own {@code SSLSocket} on a plain thread).
 */
@Timeout(120)
class TlsWrappersPatchTest {
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    /** As TlsPatchTest: a keytool-made EC key for localhost, trusted by the client context. */
    /** As TlsPatchTest: a keytool-made EC key for localhost, trusted by the client context. */
    @BeforeAll
    static void keys() throws Exception {
        KeyStore keys = TestKeys.localhost();
        serverContext = TestKeys.serving(keys);
        clientContext = TestKeys.trusting(keys, "server");
    }

    // ---- sockets: coro's TLS sockets in rewritten code, the JDK's in plain methods ----

    @Coroutine
    static ServerSocket tlsServer() throws IOException {
        return serverContext.getServerSocketFactory().createServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    @Coroutine
    static Socket tlsClient(int port) throws IOException {
        return clientContext.getSocketFactory().createSocket("localhost", port);
    }

    static ServerSocket jdkServer() throws IOException {
        return serverContext.getServerSocketFactory().createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    static Socket jdkClient(int port) throws IOException {
        return clientContext.getSocketFactory().createSocket("localhost", port);
    }

    /** Runs {@code peer} on a plain thread against the JDK's TLS server socket, {@code client} on this one. */
    static String onJdkThreads(IoConsumer<Socket> peer, IoFunction<Socket, String> client) throws Exception {
        try (ServerSocket server = jdkServer()) {
            AtomicBoolean failed = new AtomicBoolean();
            Thread t = new Thread(() -> {
                try {
                    peer.accept(server.accept());
                } catch (Exception e) {
                    failed.set(true);
                    e.printStackTrace();
                }
            });
            t.start();
            String r = client.apply(jdkClient(server.getLocalPort()));
            t.join();
            assertTrue(!failed.get(), "the JDK's peer failed");
            return r;
        }
    }

    /** Runs {@code peer} and {@code client} as tasks of one loop on coro's TLS sockets while a 10 ms ticker ticks. */
    static String onOneLoop(IoConsumer<Socket> peer, IoFunction<Socket, String> client, AtomicInteger ticks) {
        return Coro.run(() -> {
            ServerSocket server = tlsServer();
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                while (!done.get()) {
                    Thread.sleep(10);
                    ticks.incrementAndGet();
                }
                return null;
            });
            Task<Void> serving = Coro.spawn(() -> {
                peer.accept(server.accept());
                return null;
            });
            String r = client.apply(tlsClient(server.getLocalPort()));
            serving.join();
            done.set(true);
            ticker.join();
            server.close();
            return r;
        });
    }

    @FunctionalInterface
    interface IoConsumer<T> {
        @Coroutine
        void accept(T t) throws Exception;
    }

    @FunctionalInterface
    interface IoFunction<T, R> {
        @Coroutine
        R apply(T t) throws Exception;
    }

    // ---- a line-echo server and its clients, the textbook way, over TLS ----

    /** One connection: each line comes back upper-cased after {@code delayMs}, until "bye"; then close_notify. */
    @Coroutine
    static void echoLines(Socket s, long delayMs) throws IOException, InterruptedException {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            for (String line; (line = in.readLine()) != null && !line.equals("bye");) {
                Thread.sleep(delayMs);
                out.println(line.toUpperCase(Locale.ROOT));
            }
        }
    }

    @Coroutine
    static String lineClient(int port, int i) throws IOException {
        try (Socket s = tlsClient(port)) {
            s.setSoTimeout(60_000); // a server gone wrong fails the test instead of hanging it
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            out.println("hello " + i + " \u00e9t\u00e9");
            String answer = in.readLine();
            out.printf("n=%d%n", i);
            answer += "|" + in.readLine();
            out.println("bye");
            answer += "|" + in.readLine() + "|" + in.read() + "|" + out.checkError() + "|"
                    + in.getClass().getSimpleName() + "|" + out.getClass().getSimpleName() + "|"
                    + s.getClass().getSimpleName();
            return answer;
        }
    }

    @Test
    void fortyTlsLineClientsAndTheirServerOnOneLoopWhileATickerTicks() {
        int n = 40;
        long delay = 150;
        AtomicInteger ticks = new AtomicInteger();
        AtomicLong maxGapMs = new AtomicLong();
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            ServerSocket server = tlsServer();
            int port = server.getLocalPort();
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                long last = System.nanoTime();
                while (!done.get()) {
                    Thread.sleep(10);
                    long now = System.nanoTime();
                    maxGapMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - last), Math::max);
                    last = now;
                    ticks.incrementAndGet();
                }
                return null;
            });
            Task<Void> serving = Coro.spawn(() -> {
                List<Task<Void>> conns = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Socket s = server.accept();
                    conns.add(Coro.spawn(() -> {
                        echoLines(s, delay);
                        return null;
                    }));
                }
                for (Task<Void> c : conns) {
                    c.join();
                }
                return null;
            });
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                clients.add(Coro.spawn(() -> lineClient(port, k)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> c : clients) {
                out.add(c.join());
            }
            serving.join();
            done.set(true);
            ticker.join();
            server.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < n; i++) {
            assertEquals("HELLO " + i + " \u00c9T\u00c9|N=" + i + "|null|-1|false|LineReader|PrintOut|CoSSLSocket",
                    got.get(i));
        }
        long sequential = n * 2 * delay; // two delayed answers per client
        System.out.println(n + " TLS line clients: " + ms + " ms (sequential " + sequential + " ms), " + ticks.get()
                + " ticks, longest gap between ticks " + maxGapMs.get() + " ms");
        assertTrue(ms < sequential / 3, "the clients did not overlap: " + ms + " ms, sequential " + sequential);
        assertTrue(ticks.get() >= (2 * delay) / 10 / 2, "ticks: " + ticks.get() + " in " + ms + " ms");
        // handshakes do their wrap/unwrap crypto on the loop (their delegated tasks on the pool): a loose bound
        assertTrue(maxGapMs.get() < 1000, "the loop stalled " + maxGapMs.get() + " ms");
    }

    /** On a plain thread the idiom over coro's TLS sockets blocks as the JDK's, with the same results. */
    @Test
    void plainThreadsRunTheIdiomOverCorosTlsAsTheJdk() throws Exception {
        try (ServerSocket server = tlsServer()) {
            Thread t = new Thread(() -> {
                try {
                    echoLines(server.accept(), 0);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            String r = lineClient(server.getLocalPort(), 7);
            t.join();
            assertEquals("HELLO 7 \u00c9T\u00c9|N=7|null|-1|false|LineReader|PrintOut|CoSSLSocket", r);
        }
    }

    // ---- framed binary messages over DataInputStream(BufferedInputStream), trickled one TLS record per byte ----

    @Test
    void framesTrickledOverTlsAreTheJdksTranscript() throws Exception {
        String jdk = onJdkThreads(s -> SocketWrappersPatchTest.trickleFrames(s, SocketWrappersPatchTest.frames(), -1),
                s -> SocketWrappersPatchTest.readFrames(s, 4));
        assertTrue(jdk.startsWith("DataInputStream [0 1 end of 0 \u20ac 0 0.0] [1 "), jdk);
        assertTrue(jdk.endsWith(" short=-2 bool=true eof=-1"), jdk);
        AtomicInteger ticks = new AtomicInteger();
        String coro = onOneLoop(s -> SocketWrappersPatchTest.trickleFrames(s, SocketWrappersPatchTest.frames(), -1),
                s -> SocketWrappersPatchTest.readFrames(s, 4), ticks);
        assertEquals(jdk.replace("DataInputStream", "DataIn"), coro);
        System.out.println("TLS frames trickled: " + ticks.get() + " ticks of the loop while reading");
        assertTrue(ticks.get() > 10, "the reader blocked the loop: " + ticks.get() + " ticks");
    }

    /** The peer's close_notify in the middle of a frame: the JDK's EOFException, at the same place. */
    @Test
    void closeNotifyInTheMiddleOfAFrameIsTheJdksEofException() throws Exception {
        for (int cut : new int[] {34 + 4 + 0, 34 + 4 + 1 + 3, 34 + 2}) {
            String jdk = onJdkThreads(s -> SocketWrappersPatchTest.trickleFrames(s, SocketWrappersPatchTest.frames(),
                    cut), s -> SocketWrappersPatchTest.readFrames(s, 4));
            assertTrue(jdk.endsWith("java.io.EOFException: null"), jdk);
            String coro = onOneLoop(s -> SocketWrappersPatchTest.trickleFrames(s, SocketWrappersPatchTest.frames(),
                    cut), s -> SocketWrappersPatchTest.readFrames(s, 4), new AtomicInteger());
            assertEquals(jdk.replace("DataInputStream", "DataIn"), coro, "cut after " + cut);
        }
    }

    // ---- SO_TIMEOUT ----

    /** Answers the first line 600 ms late, then closes. */
    @Coroutine
    static void lateAnswer(Socket s) throws IOException, InterruptedException {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            String line = in.readLine();
            Thread.sleep(600);
            out.println("late " + line);
        }
    }

    /** Times out twice (a reader, then a DataInputStream), then reads the late line and the EOF. */
    @Coroutine
    static String impatientClient(Socket s) throws IOException {
        try (s) {
            s.setSoTimeout(150);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            out.println("ping");
            StringBuilder log = new StringBuilder();
            long t0 = System.nanoTime();
            try {
                String line = in.readLine();
                log.append("line ").append(line);
            } catch (IOException e) {
                log.append(e.getClass().getName()).append(": ").append(e.getMessage());
            }
            DataInputStream d = new DataInputStream(s.getInputStream());
            try {
                int v = d.readInt();
                log.append(" int ").append(v);
            } catch (IOException e) {
                log.append(' ').append(e.getClass().getName()).append(": ").append(e.getMessage());
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            s.setSoTimeout(30_000);
            log.append(" then ").append(in.readLine()).append(" then ").append(in.readLine())
                    .append(" waited>=250ms ").append(ms >= 250);
            return log.toString();
        }
    }

    @Test
    void aReadTimeoutOverTlsIsTheJdks() throws Exception {
        String jdk = onJdkThreads(TlsWrappersPatchTest::lateAnswer, TlsWrappersPatchTest::impatientClient);
        assertEquals("java.net.SocketTimeoutException: Read timed out java.net.SocketTimeoutException: Read timed out"
                + " then late ping then null waited>=250ms true", jdk);
        AtomicInteger ticks = new AtomicInteger();
        String coro = onOneLoop(TlsWrappersPatchTest::lateAnswer, TlsWrappersPatchTest::impatientClient, ticks);
        assertEquals(jdk, coro);
        assertTrue(ticks.get() > 20, "the waits blocked the loop: " + ticks.get() + " ticks");
    }

    // ---- a bulk upload through DataOutputStream(BufferedOutputStream) to a slow reader; PrintStream answers ----

    /** Reads length-prefixed blocks slowly (the writer's buffers fill), answers each block's CRC with a PrintStream. */
    @Coroutine
    static void slowCrcServer(Socket s) throws IOException, InterruptedException {
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1024));
            PrintStream out = new PrintStream(s.getOutputStream(), true, "UTF-8");
            for (int len; (len = in.readInt()) >= 0;) {
                byte[] b = new byte[len];
                for (int off = 0; off < len; off += 16384) {
                    in.readFully(b, off, Math.min(16384, len - off));
                    Thread.sleep(1);
                }
                CRC32 crc = new CRC32();
                crc.update(b);
                out.printf("%d %x%n", len, crc.getValue());
            }
            out.println("done " + out.getClass().getSimpleName().startsWith("PrintStream"));
        }
    }

    @Coroutine
    static String bulkClient(Socket s) throws IOException {
        try (s) {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            Random rnd = new Random(7);
            StringBuilder log = new StringBuilder();
            for (int len : new int[] {0, 1, 100, 70_000, 1 << 20}) {
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                CRC32 crc = new CRC32();
                crc.update(b);
                out.writeInt(len);
                out.write(b);
                out.flush();
                String expected = len + " " + Long.toHexString(crc.getValue());
                String line = in.readLine();
                log.append(line.equals(expected) ? "ok " : "BAD " + line + " != " + expected + " ");
            }
            out.writeInt(-1);
            out.flush();
            log.append(in.readLine()).append(' ').append(in.readLine());
            return log.toString();
        }
    }

    @Test
    void bulkDataOutputToASlowTlsReaderAndPrintStreamAnswers() throws Exception {
        String jdk = onJdkThreads(TlsWrappersPatchTest::slowCrcServer, TlsWrappersPatchTest::bulkClient);
        assertEquals("ok ok ok ok ok done true null", jdk);
        AtomicInteger ticks = new AtomicInteger();
        String coro = onOneLoop(TlsWrappersPatchTest::slowCrcServer, TlsWrappersPatchTest::bulkClient, ticks);
        assertEquals(jdk, coro);
    }

    /** In a coroutine the wrappers around coro's TLS streams are coro's; around the JDK's TLS streams, the JDK's. */
    @Test
    void theWrappersAroundTlsStreamsAreCorosInACoroutine() {
        String got = onOneLoop(s -> {
            try (s) {
                s.getInputStream().read();
            }
        }, TlsWrappersPatchTest::wrapperClasses, new AtomicInteger());
        assertEquals("LineReader ChannelReader PrintOut ChannelWriter BufferedIn DataIn BufferedOut DataOut "
                + "PrintStreamOut PushbackIn", got);
    }

    @Coroutine
    static String wrapperClasses(Socket s) throws IOException {
        try (s) {
            Object[] made = {
                new BufferedReader(new InputStreamReader(s.getInputStream())),
                new InputStreamReader(s.getInputStream(), UTF_8),
                new PrintWriter(s.getOutputStream(), true),
                new java.io.OutputStreamWriter(s.getOutputStream(), UTF_8),
                new BufferedInputStream(s.getInputStream()),
                new DataInputStream(s.getInputStream()),
                new BufferedOutputStream(s.getOutputStream()),
                new DataOutputStream(s.getOutputStream()),
                new PrintStream(s.getOutputStream(), true),
                new java.io.PushbackInputStream(s.getInputStream()),
            };
            StringBuilder r = new StringBuilder();
            for (Object o : made) {
                r.append(r.length() == 0 ? "" : " ").append(o.getClass().getSimpleName());
            }
            s.getOutputStream().write(1);
            return r.toString();
        }
    }
}
