package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.LineNumberReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's stream wrappers around {@code Channels.newInputStream/newOutputStream} of a blocking
 * {@code SocketChannel} in coroutines: readers, writers, {@code Buffered/Data/Pushback} streams,
 * {@code LineNumberReader}, {@code PrintWriter} and {@code PrintStream} wait on the loop instead of blocking it (the
 * servers, their clients and a ticker on one loop thread), with exact results; a close of the channel from another
 * task fails a wrapper's pending read as the JDK's does.
 */
@Timeout(120)
class ChannelWrappersPatchTest {
    static final long DELAY = 150;

    static SocketAddress loopback(ServerSocketChannel server) throws IOException {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(),
                ((InetSocketAddress) server.getLocalAddress()).getPort());
    }

    /** Text: each line comes back upper-cased after {@link #DELAY}, until the client's EOF; then the count. */
    @Coroutine
    static void lineServer(SocketChannel c) throws IOException, InterruptedException {
        try (c) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), UTF_8));
            BufferedWriter out = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(c), UTF_8));
            int n = 0;
            for (String line; (line = in.readLine()) != null;) {
                Thread.sleep(DELAY);
                out.write(line.toUpperCase(Locale.ROOT));
                out.newLine();
                out.flush();
                n++;
            }
            out.write("lines=" + n);
            out.close();
        }
    }

    /** Binary: frames (an int count, a UTF string), each answered after {@link #DELAY} by its sum and a long. */
    @Coroutine
    static void frameServer(SocketChannel c) throws IOException, InterruptedException {
        try (c) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(c)));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(c)));
            try {
                for (;;) {
                    int count = in.readInt();
                    long sum = 0;
                    for (int i = 0; i < count; i++) {
                        sum += in.readInt();
                    }
                    String tag = in.readUTF();
                    Thread.sleep(DELAY);
                    out.writeUTF(tag + "=" + sum);
                    out.writeLong(sum * 31);
                    out.flush();
                }
            } catch (EOFException clientDone) {
                out.writeUTF("bye");
                out.close();
            }
        }
    }

    @Coroutine
    static void serve(ServerSocketChannel server, int n, boolean lines) throws IOException {
        List<Task<Void>> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketChannel c = server.accept();
            conns.add(Coro.spawn(() -> {
                if (lines) {
                    lineServer(c);
                } else {
                    frameServer(c);
                }
                return null;
            }));
        }
        for (Task<Void> c : conns) {
            c.join();
        }
    }

    /** PrintWriter(OutputStream, autoflush) out, BufferedReader(InputStreamReader) in. */
    @Coroutine
    static String textClient(SocketAddress at, int i) throws IOException {
        try (SocketChannel ch = SocketChannel.open(at)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), UTF_8));
            PrintWriter out = new PrintWriter(new OutputStreamWriter(Channels.newOutputStream(ch), UTF_8), true);
            out.println("hello " + i + " \u00e9t\u00e9");
            String a = in.readLine();
            out.printf("n=%d%n", i);
            a += "|" + in.readLine();
            ch.shutdownOutput();
            return a + "|" + in.readLine() + "|" + in.readLine() + "|" + out.checkError() + "|"
                    + in.getClass().getSimpleName() + "|" + out.getClass().getSimpleName();
        }
    }

    /** PrintStream out; PushbackInputStream, then LineNumberReader(InputStreamReader) around it in. */
    @Coroutine
    static String numberedClient(SocketAddress at, int i) throws IOException {
        try (SocketChannel ch = SocketChannel.open(at)) {
            PushbackInputStream raw = new PushbackInputStream(Channels.newInputStream(ch), 2);
            PrintStream out = new PrintStream(Channels.newOutputStream(ch), true, "UTF-8");
            out.println("first " + i);
            out.println("second " + i);
            int b = raw.read(); // waits for the first answer
            raw.unread(b);
            LineNumberReader in = new LineNumberReader(new InputStreamReader(raw, UTF_8));
            StringBuilder a = new StringBuilder().append((char) b);
            a.append('|').append(in.readLine()).append('@').append(in.getLineNumber());
            a.append('|').append(in.readLine()).append('@').append(in.getLineNumber());
            ch.shutdownOutput();
            a.append('|').append(in.readLine()).append('|').append(in.readLine()).append('|').append(out.checkError())
                    .append('|').append(in.getClass().getSimpleName()).append('|')
                    .append(out.getClass().getSimpleName());
            return a.toString();
        }
    }

    /** DataOutputStream(BufferedOutputStream) out, DataInputStream(BufferedInputStream) in. */
    @Coroutine
    static String frameClient(SocketAddress at, int i) throws IOException {
        try (SocketChannel ch = SocketChannel.open(at)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 64));
            StringBuilder a = new StringBuilder();
            for (int round = 0; round < 2; round++) {
                int count = 100 + i + round; // more than the 64-byte buffer: it goes out in pieces
                out.writeInt(count);
                for (int k = 0; k < count; k++) {
                    out.writeInt(k * (i + 1));
                }
                out.writeUTF("c" + i + "r" + round);
                out.flush();
                a.append(in.readUTF()).append(',').append(in.readLong()).append('|');
            }
            ch.shutdownOutput();
            a.append(in.readUTF()).append('|').append(in.read()).append('|').append(in.getClass().getSimpleName())
                    .append('|').append(out.getClass().getSimpleName());
            return a.toString();
        }
    }

    static long sum(int count, int i) {
        return (long) (i + 1) * count * (count - 1) / 2;
    }

    @Test
    void fortyFiveClientsWithWrappersAroundChannelStreamsOverlapOnOneLoopWhileATickerTicks() {
        int n = 45; // 15 of each kind; each waits for two delayed answers
        AtomicInteger ticks = new AtomicInteger();
        AtomicLong maxGapMs = new AtomicLong();
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            ServerSocketChannel lines = ServerSocketChannel.open();
            lines.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            ServerSocketChannel frames = ServerSocketChannel.open();
            frames.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            SocketAddress lineAt = loopback(lines);
            SocketAddress frameAt = loopback(frames);
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
            Task<Void> servingLines = Coro.spawn(() -> {
                serve(lines, 2 * n / 3, true);
                return null;
            });
            Task<Void> servingFrames = Coro.spawn(() -> {
                serve(frames, n / 3, false);
                return null;
            });
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                clients.add(Coro.spawn(() -> k % 3 == 0 ? textClient(lineAt, k)
                        : k % 3 == 1 ? numberedClient(lineAt, k) : frameClient(frameAt, k)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> c : clients) {
                out.add(c.join());
            }
            servingLines.join();
            servingFrames.join();
            done.set(true);
            ticker.join();
            lines.close();
            frames.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < n; i++) {
            String expected;
            if (i % 3 == 0) {
                expected = "HELLO " + i + " \u00c9T\u00c9|N=" + i + "|lines=2|null|false|LineReader|PrintOut";
            } else if (i % 3 == 1) {
                expected = "F|FIRST " + i + "@1|SECOND " + i + "@2|lines=2|null|false|LineCounter|PrintStreamOut";
            } else {
                long s0 = sum(100 + i, i);
                long s1 = sum(101 + i, i);
                expected = "c" + i + "r0=" + s0 + "," + s0 * 31 + "|c" + i + "r1=" + s1 + "," + s1 * 31 + "|bye|-1|DataIn|DataOut";
            }
            assertEquals(expected, got.get(i), "client " + i);
        }
        long sequential = n * 2 * DELAY; // two delayed answers per client
        System.out.println(n + " clients with wrappers around channel streams: " + ms + " ms (sequential "
                + sequential + " ms), " + ticks.get() + " ticks, longest gap between ticks " + maxGapMs.get() + " ms");
        assertTrue(ms < sequential / 2, "the clients did not overlap: " + ms + " ms, sequential " + sequential);
        assertTrue(ticks.get() >= (2 * DELAY) / 10 / 2, "ticks: " + ticks.get() + " in " + ms + " ms");
        assertTrue(maxGapMs.get() < 250, "the loop stalled " + maxGapMs.get() + " ms");
    }

    // ---- a close of the channel while a wrapper's read waits ----

    /** Reads through the wrapper {@code kind} makes around {@code in}: what it got or the exception's class. */
    @Coroutine
    static String readThrough(String kind, InputStream in) {
        try {
            switch (kind) {
                case "readLine":
                    return "line " + new BufferedReader(new InputStreamReader(in, UTF_8)).readLine();
                case "readInt":
                    return "int " + new DataInputStream(new BufferedInputStream(in)).readInt();
                case "lineNumber":
                    return "line " + new LineNumberReader(new InputStreamReader(in, UTF_8)).readLine();
                default:
                    return "bytes " + new PushbackInputStream(in).readNBytes(8).length;
            }
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }

    static final String[] KINDS = {"readLine", "readInt", "lineNumber", "pushback"};

    /** The JDK's: a thread blocked in the wrapper's read, another closes the channel. */
    static String jdkCloseWhileReading(String kind) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel ch = SocketChannel.open(loopback(server));
            SocketChannel peer = server.accept();
            OutputStream po = Channels.newOutputStream(peer);
            po.write(new byte[] {'a', 'b', 0}); // part of a line, of an int
            AtomicReference<String> got = new AtomicReference<>();
            Thread t = new Thread(() -> got.set(readThrough(kind, Channels.newInputStream(ch))));
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (t.isAlive() && !holdsRead(t)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(kind + ": the reader is not in the channel's read: "
                            + java.util.Arrays.toString(t.getStackTrace()));
                }
                Thread.sleep(5);
            }
            Thread.sleep(50);
            ch.close();
            t.join(10_000);
            peer.close();
            return got.get() + " " + ch.isOpen();
        }
    }

    /** Whether {@code t} is inside the channel's read (not still building the wrappers). */
    static boolean holdsRead(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            // JDK 17: SocketChannelImpl.read; JDK 25: SocketChannelImpl.blockingRead/tryRead
            if (e.getMethodName().toLowerCase(Locale.ROOT).contains("read")
                    && e.getClassName().contains("SocketChannelImpl")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aCloseFromAnotherTaskFailsAWrappersPendingReadAsTheJdk() throws Exception {
        for (String kind : KINDS) {
            String jdk = jdkCloseWhileReading(kind);
            assertEquals("java.nio.channels.AsynchronousCloseException false", jdk, kind);
            int[] ticks = {0};
            String inside = Coro.run(() -> {
                ServerSocketChannel server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Task<SocketChannel> accepting = Coro.spawn(() -> server.accept());
                SocketChannel ch = SocketChannel.open(loopback(server));
                SocketChannel peer = accepting.join();
                OutputStream po = Channels.newOutputStream(peer);
                po.write(new byte[] {'a', 'b', 0});
                Task<String> reading = Coro.spawn(() -> readThrough(kind, Channels.newInputStream(ch)));
                for (int i = 0; i < 10; i++) {
                    Thread.sleep(10); // the reader waits; this task runs
                    ticks[0]++;
                }
                ch.close();
                String r = reading.join() + " " + ch.isOpen();
                peer.close();
                server.close();
                return r;
            });
            assertEquals(jdk, inside, kind);
            assertEquals(10, ticks[0], kind);
        }
    }

    // ---- readNBytes, skip and transferTo on a channel's own stream ----

    /** Sends 0..299 (mod 256) in 30 pieces of 10 bytes, 10 ms apart, then closes. */
    @Coroutine
    static void trickle(SocketChannel c) throws IOException, InterruptedException {
        try (c) {
            OutputStream out = Channels.newOutputStream(c);
            for (int i = 0; i < 30; i++) {
                byte[] piece = new byte[10];
                for (int k = 0; k < 10; k++) {
                    piece[k] = (byte) (i * 10 + k);
                }
                out.write(piece);
                Thread.sleep(10);
            }
        }
    }

    @Coroutine
    static String rawLoops(SocketAddress at) throws IOException {
        try (SocketChannel ch = SocketChannel.open(at)) {
            InputStream in = Channels.newInputStream(ch);
            byte[] first = in.readNBytes(25); // spans three pieces
            byte[] b = new byte[30];
            int n = in.readNBytes(b, 5, 20);
            long skipped = in.skip(100); // the JDK's skip: all of them, across ten pieces
            java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
            long t = in.transferTo(rest);
            byte[] r = rest.toByteArray();
            return first[0] + ".." + first[24] + " " + n + ":" + b[5] + ".." + b[24] + " skipped " + skipped
                    + " transferred " + t + ":" + (r[0] & 0xff) + ".." + (r[r.length - 1] & 0xff) + " eof "
                    + in.read();
        }
    }

    @Test
    void readNBytesSkipAndTransferToOnAChannelsStreamWaitOnTheLoop() {
        int n = 20; // each client's server trickles for 300 ms
        AtomicInteger ticks = new AtomicInteger();
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            SocketAddress at = loopback(server);
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                while (!done.get()) {
                    Thread.sleep(10);
                    ticks.incrementAndGet();
                }
                return null;
            });
            Task<Void> serving = Coro.spawn(() -> {
                List<Task<Void>> conns = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    SocketChannel c = server.accept();
                    conns.add(Coro.spawn(() -> {
                        trickle(c);
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
                clients.add(Coro.spawn(() -> rawLoops(at)));
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
        for (String g : got) {
            assertEquals("0..24 20:25..44 skipped 100 transferred 155:145..43 eof -1", g);
        }
        System.out.println(n + " raw readNBytes/skip/transferTo clients: " + ms + " ms (sequential " + n * 300
                + " ms), " + ticks.get() + " ticks");
        assertTrue(ms < n * 300 / 2, "the clients did not overlap: " + ms + " ms");
        assertTrue(ticks.get() >= 10, "ticks: " + ticks.get());
    }
}
