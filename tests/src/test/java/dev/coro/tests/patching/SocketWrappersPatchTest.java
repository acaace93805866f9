package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic Java socket idiom in coroutines: {@code BufferedReader(InputStreamReader(s.getInputStream()))},
 * {@code PrintWriter(s.getOutputStream(), true)}, {@code DataInputStream(BufferedInputStream(...))},
 * {@code DataOutputStream(BufferedOutputStream(...))} around coro's socket streams wait on the loop instead of
 * blocking it; around anything else (or on a plain thread) they are the JDK's.
 */
@Timeout(120)
class SocketWrappersPatchTest {
    // ---- a line-echo server and its clients, the textbook way ----

    /** One connection: each line comes back upper-cased after {@code delayMs}, until the client's EOF. */
    @Coroutine
    static void echoLines(Socket s, long delayMs) throws IOException, InterruptedException {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            for (String line; (line = in.readLine()) != null;) {
                Thread.sleep(delayMs);
                out.println(line.toUpperCase(java.util.Locale.ROOT));
            }
        }
    }

    @Coroutine
    static String lineClient(int port, int i) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true);
            out.println("hello " + i + " \u00e9t\u00e9");
            String answer = in.readLine();
            out.printf("n=%d%n", i);
            answer += "|" + in.readLine();
            s.shutdownOutput();
            answer += "|" + in.readLine() + "|" + out.checkError() + "|" + in.getClass().getSimpleName() + "|"
                    + out.getClass().getSimpleName();
            return answer;
        }
    }

    @Test
    void fiftyLineClientsAndTheirServerOnOneLoopWhileATickerTicks() {
        int n = 50;
        long delay = 150;
        AtomicInteger ticks = new AtomicInteger();
        AtomicLong maxGapMs = new AtomicLong();
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
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
            assertEquals("HELLO " + i + " \u00c9T\u00c9|N=" + i + "|null|false|LineReader|PrintOut", got.get(i));
        }
        long sequential = n * 2 * delay; // two delayed answers per client
        System.out.println("50 line clients: " + ms + " ms (sequential " + sequential + " ms), " + ticks.get()
                + " ticks, longest gap between ticks " + maxGapMs.get() + " ms");
        assertTrue(ms < sequential / 2, "the clients did not overlap: " + ms + " ms, sequential " + sequential);
        // the ticker ran all along: the loop never blocked in a JDK frame for long
        assertTrue(ticks.get() >= (2 * delay) / 10 / 2, "ticks: " + ticks.get() + " in " + ms + " ms");
        assertTrue(maxGapMs.get() < 250, "the loop stalled " + maxGapMs.get() + " ms");
    }

    // ---- framed binary messages over DataInputStream / DataOutputStream ----

    /** Frames: an int length, then that many bytes, then a UTF string; written one byte per write, 1 ms apart. */
    @Coroutine
    static void trickleFrames(Socket s, List<byte[]> frames, int cutAfter) throws IOException, InterruptedException {
        try (s) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(all); // not a socket's: the JDK's own
            for (byte[] f : frames) {
                d.writeInt(f.length);
                d.write(f);
                d.writeUTF("end of " + f.length + " \u20ac");
                d.writeLong(f.length * 1_000_000_007L);
                d.writeDouble(f.length / 3.0);
            }
            d.writeShort(-2);
            d.writeBoolean(true);
            byte[] bytes = all.toByteArray();
            int stop = cutAfter < 0 ? bytes.length : cutAfter;
            OutputStream out = s.getOutputStream();
            s.setTcpNoDelay(true);
            for (int i = 0; i < stop; i++) {
                out.write(bytes[i]);
                Thread.sleep(1);
            }
        }
    }

    @Coroutine
    static String readFrames(Socket s, int count) throws IOException {
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            StringBuilder log = new StringBuilder(in.getClass().getSimpleName());
            try {
                for (int i = 0; i < count; i++) {
                    int len = in.readInt();
                    byte[] b = new byte[len];
                    in.readFully(b);
                    log.append(" [").append(len).append(' ').append(java.util.Arrays.hashCode(b)).append(' ')
                            .append(in.readUTF()).append(' ').append(in.readLong()).append(' ')
                            .append(in.readDouble()).append(']');
                }
                log.append(" short=").append(in.readShort()).append(" bool=").append(in.readBoolean());
                log.append(" eof=").append(in.read());
            } catch (EOFException e) {
                log.append(" ").append(e.getClass().getName()).append(": ").append(e.getMessage());
            }
            return log.toString();
        }
    }

    static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        for (int len : new int[] {0, 1, 7, 300}) {
            byte[] f = new byte[len];
            for (int i = 0; i < len; i++) {
                f[i] = (byte) (i * 13 + len);
            }
            frames.add(f);
        }
        return frames;
    }

    /** The same frames read by the JDK on a plain thread: the expected transcript. */
    static String jdkFrames(int cutAfter) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try {
                    trickleFrames(server.accept(), frames(), cutAfter);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            String r = readFrames(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()), 4);
            t.join();
            return r;
        }
    }

    static String coroFrames(int cutAfter, AtomicInteger ticks) {
        return Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                while (!done.get()) {
                    Thread.sleep(5);
                    ticks.incrementAndGet();
                }
                return null;
            });
            Task<Void> writer = Coro.spawn(() -> {
                trickleFrames(server.accept(), frames(), cutAfter);
                return null;
            });
            String r = readFrames(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()), 4);
            writer.join();
            done.set(true);
            ticker.join();
            server.close();
            return r;
        });
    }

    @Test
    void framedMessagesTrickledOneByteAtATime() throws Exception {
        String jdk = jdkFrames(-1);
        assertTrue(jdk.startsWith("DataInputStream [0 1 end of 0 \u20ac 0 0.0] [1 "), jdk);
        assertTrue(jdk.endsWith(" short=-2 bool=true eof=-1"), jdk);
        AtomicInteger ticks = new AtomicInteger();
        String coro = coroFrames(-1, ticks);
        assertEquals(jdk.replace("DataInputStream", "DataIn"), coro);
        assertTrue(ticks.get() > 20, "the reader blocked the loop: " + ticks.get() + " ticks");
    }

    @Test
    void eofInTheMiddleOfAFrameIsTheJdksEofException() throws Exception {
        // 4 (len 0) + UTF (2 + 12) + 8 + 8 = 34 bytes for frame 0; cut inside frame 1's readFully, then inside its
        // readUTF, then inside an int
        for (int cut : new int[] {34 + 4 + 0, 34 + 4 + 1 + 3, 34 + 2}) {
            String jdk = jdkFrames(cut);
            assertTrue(jdk.endsWith("java.io.EOFException: null"), jdk);
            assertEquals(jdk.replace("DataInputStream", "DataIn"), coroFrames(cut, new AtomicInteger()),
                    "cut after " + cut);
        }
    }

    /** Blocks of every size written through DataOutputStream(BufferedOutputStream), read back and checked. */
    @Test
    void dataOutputThroughABufferedStreamToASlowReader() {
        String got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<String> reader = Coro.spawn(() -> {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 512));
                    long sum = 0;
                    int blocks = 0;
                    for (;;) {
                        int len;
                        try {
                            len = in.readInt();
                        } catch (EOFException e) {
                            break;
                        }
                        byte[] b = new byte[len];
                        in.readFully(b, 0, len);
                        for (byte x : b) {
                            sum += x & 0xff;
                        }
                        blocks++;
                        if (blocks % 50 == 0) {
                            Thread.sleep(1); // a slow reader: the writer's buffers fill
                        }
                    }
                    return blocks + " " + sum;
                }
            });
            long expected = 0;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
                for (int i = 0; i < 400; i++) {
                    int len = (i * 7919) % 20000;
                    byte[] b = new byte[len];
                    for (int j = 0; j < len; j++) {
                        b[j] = (byte) (i + j);
                        expected += b[j] & 0xff;
                    }
                    out.writeInt(len);
                    out.write(b);
                }
                out.flush();
                assertEquals("DataOut", out.getClass().getSimpleName());
            }
            String r = reader.join();
            server.close();
            return r + " expected " + expected;
        });
        String[] p = got.split(" ");
        assertEquals("400", p[0], got);
        assertEquals(p[3], p[1], got);
    }

    // ---- other streams keep the JDK's objects; plain threads the JDK's behaviour ----

    @Test
    void wrappersOfOtherStreamsAreTheJdksOwn() {
        String got = Coro.run(() -> {
            InputStream bytes = new ByteArrayInputStream("line one\nline two\n".getBytes(UTF_8));
            BufferedReader r = new BufferedReader(new InputStreamReader(bytes, UTF_8));
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            PrintWriter w = new PrintWriter(sink, true);
            w.println(r.readLine());
            DataInputStream d = new DataInputStream(new BufferedInputStream(new ByteArrayInputStream(
                    new byte[] {0, 0, 1, 0})));
            DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new ByteArrayOutputStream()));
            OutputStreamWriter ow = new OutputStreamWriter(new ByteArrayOutputStream(), UTF_8);
            return r.getClass().getName() + " " + w.getClass().getName() + " " + d.getClass().getName() + " "
                    + o.getClass().getName() + " " + ow.getClass().getName() + " " + d.readInt() + " "
                    + sink.toString(UTF_8).trim() + " " + r.readLine();
        });
        assertEquals("java.io.BufferedReader java.io.PrintWriter java.io.DataInputStream java.io.DataOutputStream "
                + "java.io.OutputStreamWriter 256 line one line two", got);
    }

    /**
     * On a plain thread the idiom blocks as the JDK's, with the same results (rewritten code makes coro's sockets
     * there too, so the objects are coro's; {@code StreamWrapperConformanceTest} compares with the JDK's own).
     */
    @Test
    void plainThreadsRunTheIdiomAsTheJdk() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
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
            assertEquals("HELLO 7 \u00c9T\u00c9|N=7|null|false|LineReader|PrintOut", r);
        }
    }

    /** Two tasks reading lines from one reader while the peer trickles: every line arrives whole, once. */
    @Test
    void twoTasksReadingOneReaderEachGetWholeLines() {
        List<String> all = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Void> writer = Coro.spawn(() -> {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 40; i++) {
                        byte[] line = ("line-" + i + "\n").getBytes(StandardCharsets.US_ASCII);
                        for (byte b : line) {
                            out.write(b);
                            if (b % 3 == 0) {
                                Thread.sleep(1);
                            }
                        }
                    }
                }
                return null;
            });
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
                List<Task<Void>> readers = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    readers.add(Coro.spawn(() -> {
                        for (String l; (l = in.readLine()) != null;) {
                            lines.add(l);
                        }
                        return null;
                    }));
                }
                for (Task<Void> r : readers) {
                    r.join();
                }
            }
            writer.join();
            server.close();
            return lines;
        });
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.substring(5))));
        assertEquals(40, all.size(), all.toString());
        for (int i = 0; i < 40; i++) {
            assertEquals("line-" + i, sorted.get(i));
        }
    }

    /** Two tasks reading ints from one DataInputStream while the peer trickles them: each int whole, exactly once. */
    @Test
    void twoTasksReadingOneDataInputStreamEachGetWholeInts() {
        int n = 300;
        List<Integer> all = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Void> writer = Coro.spawn(() -> {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < n; i++) {
                        int v = i * 65537 + 3; // four different bytes
                        for (int k = 3; k >= 0; k--) {
                            out.write(v >>> (8 * k));
                            if ((i + k) % 5 == 0) {
                                Thread.sleep(1);
                            }
                        }
                    }
                }
                return null;
            });
            List<Integer> ints = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                List<Task<Void>> readers = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    readers.add(Coro.spawn(() -> {
                        try {
                            for (;;) {
                                ints.add(in.readInt());
                            }
                        } catch (EOFException end) {
                            return null;
                        }
                    }));
                }
                for (Task<Void> r : readers) {
                    r.join();
                }
            }
            writer.join();
            server.close();
            return ints;
        });
        List<Integer> sorted = new ArrayList<>(all);
        java.util.Collections.sort(sorted);
        assertEquals(n, sorted.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i * 65537 + 3, sorted.get(i));
        }
    }

    /** A library's stream whose rewritten {@code flush} calls {@code super.flush()}: the JDK's, not a patched twin. */
    static final class CountingStream extends java.io.FilterOutputStream {
        int flushes;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        @Coroutine
        public void flush() throws IOException {
            flushes++;
            super.flush(); // redirected to a twin, this would call flush() again, forever
        }
    }

    @Test
    void aSuperCallToAPatchedMethodStaysTheSuperCall() {
        int flushes = Coro.run(() -> {
            CountingStream c = new CountingStream(new ByteArrayOutputStream());
            c.write(1);
            c.flush();
            c.close(); // FilterOutputStream.close flushes
            return c.flushes;
        });
        assertEquals(2, flushes);
    }

    /**
     * Two tasks printing lines on one autoflushing PrintWriter to a slow reader: both wait for room in turn (one's
     * send may carry the other's bytes); every line arrives whole, each task's in its order.
     */
    @Test
    void twoTasksPrintingOnOnePrintWriterToASlowReader() {
        int n = 4000;
        String pad = "x".repeat(200);
        List<String> got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<List<String>> reader = Coro.spawn(() -> {
                List<String> lines = new ArrayList<>();
                try (Socket s = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
                    for (String l; (l = in.readLine()) != null;) {
                        lines.add(l);
                        if (lines.size() % 200 == 0) {
                            Thread.sleep(2); // slow: the writers' socket buffer fills
                        }
                    }
                }
                return lines;
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setSendBufferSize(4096);
                PrintWriter out = new PrintWriter(s.getOutputStream(), true);
                List<Task<Void>> writers = new ArrayList<>();
                for (String who : new String[] {"a", "b"}) {
                    writers.add(Coro.spawn(() -> {
                        for (int i = 0; i < n; i++) {
                            out.println(who + " " + i + " " + pad);
                        }
                        return null;
                    }));
                }
                for (Task<Void> w : writers) {
                    w.join();
                }
                assertFalse(out.checkError());
            }
            List<String> lines = reader.join();
            server.close();
            return lines;
        });
        assertEquals(2 * n, got.size());
        int[] next = new int[2];
        for (String l : got) {
            String[] p = l.split(" ");
            int w = p[0].equals("a") ? 0 : 1;
            assertEquals(next[w]++, Integer.parseInt(p[1]), l);
            assertEquals(pad, p[2]);
        }
    }

    /** A PrintWriter whose peer is gone records the error as the JDK's does: checkError() true, nothing thrown. */
    @Test
    void printWriterToAResetPeerSetsCheckError() {
        String got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Void> peer = Coro.spawn(() -> {
                Socket s = server.accept();
                s.getInputStream().read();
                s.setSoLinger(true, 0);
                s.close();
                return null;
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), UTF_8), true);
                out.println("x");
                peer.join();
                boolean failed = false;
                for (int i = 0; i < 200 && !failed; i++) {
                    out.println("more " + i);
                    failed = out.checkError();
                    Thread.sleep(1);
                }
                server.close();
                return out.getClass().getSimpleName() + " " + failed;
            }
        });
        assertEquals("PrintOut true", got);
    }

    @Test
    void aSocketReadTimeoutIsTheJdks() {
        String got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Socket> accepting = Coro.spawn(() -> server.accept());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                Socket peer = accepting.join();
                s.setSoTimeout(100);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
                DataInputStream d = new DataInputStream(s.getInputStream());
                String r;
                long t0 = System.nanoTime();
                try {
                    r = "line " + in.readLine();
                } catch (IOException e) {
                    r = e.getClass().getName() + ": " + e.getMessage();
                }
                try {
                    r += " int " + d.readInt();
                } catch (IOException e) {
                    r += " " + e.getClass().getName() + ": " + e.getMessage();
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                peer.getOutputStream().write("ok\n".getBytes(UTF_8));
                r += " then " + in.readLine() + " " + (ms >= 180);
                peer.close();
                server.close();
                return r;
            }
        });
        assertEquals("java.net.SocketTimeoutException: Read timed out java.net.SocketTimeoutException: Read timed out"
                + " then ok true", got);
    }
}
