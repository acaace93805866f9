package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PushbackInputStream;
import java.io.PushbackReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * More of the classic socket idiom in coroutines, after {@link SocketWrappersPatchTest}: {@code PrintStream},
 * {@code PushbackInputStream}, {@code PushbackReader} and {@code LineNumberReader} around coro's socket streams (or
 * around coro's wrappers of them) wait on the loop instead of blocking it, with the JDK's results.
 */
@Timeout(120)
class SocketWrappersMorePatchTest {
    /** Runs {@code body} while a ticker task ticks on the same loop; returns its result and the ticker's figures. */
    static final class Ticked<T> {
        T value;
        long ms;
        int ticks;
        long maxGapMs;
    }

    @FunctionalInterface
    interface Body<T> {
        @Coroutine
        T run() throws Exception;
    }

    static <T> Ticked<T> ticking(Body<T> body) {
        Ticked<T> r = new Ticked<>();
        AtomicInteger ticks = new AtomicInteger();
        AtomicLong maxGap = new AtomicLong();
        long start = System.nanoTime();
        r.value = Coro.run(() -> {
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                long last = System.nanoTime();
                while (!done.get()) {
                    Thread.sleep(10);
                    long now = System.nanoTime();
                    maxGap.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - last), Math::max);
                    last = now;
                    ticks.incrementAndGet();
                }
                return null;
            });
            try {
                return body.run();
            } finally {
                done.set(true);
                ticker.join();
            }
        });
        r.ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        r.ticks = ticks.get();
        r.maxGapMs = maxGap.get();
        return r;
    }

    /** Many clients on one loop, each served after {@code delay} ms per answer by a task of the same loop. */
    @FunctionalInterface
    interface Conn {
        @Coroutine
        String run(Socket s) throws Exception;
    }

    @Coroutine
    static List<String> serveAndConnect(int n, Conn server, Conn client) throws Exception {
        ServerSocket ss = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        int port = ss.getLocalPort();
        Task<Void> serving = Coro.spawn(() -> {
            List<Task<String>> conns = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Socket s = ss.accept();
                conns.add(Coro.spawn(() -> {
                    try (s) {
                        return server.run(s);
                    }
                }));
            }
            for (Task<String> c : conns) {
                c.join();
            }
            return null;
        });
        List<Task<String>> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(Coro.spawn(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return client.run(s);
                }
            }));
        }
        List<String> out = new ArrayList<>();
        for (Task<String> c : clients) {
            out.add(c.join());
        }
        serving.join();
        ss.close();
        return out;
    }

    /** What {@link #servedTicking} saw: the clients' results and ticks, what each server returned, coro's warnings. */
    static final class Served {
        Ticked<List<String>> ticked;
        final List<String> served = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    }

    /** {@link #serveAndConnect} while a ticker ticks, recording what each server returned and coro's warnings. */
    static Served servedTicking(int n, Conn server, Conn client) {
        Served r = new Served();
        java.util.function.Consumer<String> previous = dev.coro.internal.Diagnostics.setSink(r.warnings::add);
        try {
            r.ticked = ticking(() -> serveAndConnect(n, s -> {
                String v = server.run(s);
                r.served.add(v);
                return v;
            }, client));
        } finally {
            dev.coro.internal.Diagnostics.setSink(previous);
        }
        return r;
    }

    static void assertOverlapped(Ticked<?> r, int n, long perClientMs) {
        long sequential = n * perClientMs;
        System.out.println(n + " clients: " + r.ms + " ms (sequential " + sequential + " ms), " + r.ticks
                + " ticks, longest gap between ticks " + r.maxGapMs + " ms");
        assertTrue(r.ms < sequential / 2, "the clients did not overlap: " + r.ms + " ms, sequential " + sequential);
        // a 10 ms ticker: on a loaded machine each sleep may take a few times longer, so count against the run's time
        assertTrue(r.ticks >= Math.max(2, r.ms / 40), "ticks: " + r.ticks + " in " + r.ms + " ms");
        assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms");
    }

    // ---- PrintStream ----

    /** One connection: each line comes back upper-cased after {@code delayMs} through a PrintStream. */
    @Coroutine
    static String echoThroughPrintStream(Socket s, long delayMs) throws IOException, InterruptedException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        PrintStream out = new PrintStream(s.getOutputStream(), true, UTF_8);
        for (String line; (line = in.readLine()) != null;) {
            Thread.sleep(delayMs);
            out.println(line.toUpperCase(Locale.ROOT));
        }
        return out.getClass().getSimpleName();
    }

    @Coroutine
    static String printStreamClient(Socket s, int i) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        PrintStream out = new PrintStream(s.getOutputStream(), true, "UTF-8");
        out.println("hello " + i + " \u00e9t\u00e9");
        String answer = in.readLine();
        out.printf("n=%d%n", i);
        answer += "|" + in.readLine();
        s.shutdownOutput();
        return answer + "|" + in.readLine() + "|" + out.checkError() + "|" + out.getClass().getSimpleName();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fiftyPrintStreamClientsAndTheirServerOnOneLoopWhileATickerTicks() {
        int n = 50;
        long delay = 150;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> echoThroughPrintStream(s, delay),
                s -> printStreamClient(s, next.getAndIncrement())));
        List<String> got = new ArrayList<>(r.value);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split(" ")[1])));
        for (int i = 0; i < n; i++) {
            assertEquals("HELLO " + i + " \u00c9T\u00c9|N=" + i + "|null|false|PrintStreamOut", got.get(i));
        }
        assertOverlapped(r, n, 2 * delay);
    }

    /**
     * Two tasks printing lines on one autoflushing PrintStream to a slow reader of the same loop: both wait for
     * room in turn; every line arrives whole, each task's in its order, and the ticker keeps ticking.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK frame hangs here
    void twoTasksPrintingOnOnePrintStreamToASlowReader() {
        int n = 4000;
        String pad = "x".repeat(200);
        Ticked<List<String>> r = ticking(() -> {
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
                PrintStream out = new PrintStream(s.getOutputStream(), true);
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
        assertEquals(2 * n, r.value.size());
        int[] next = new int[2];
        for (String l : r.value) {
            String[] p = l.split(" ");
            int w = p[0].equals("a") ? 0 : 1;
            assertEquals(next[w]++, Integer.parseInt(p[1]), l);
            assertEquals(pad, p[2]);
        }
        System.out.println("two PrintStream writers: " + r.ms + " ms, " + r.ticks + " ticks, longest gap "
                + r.maxGapMs + " ms");
        // loose: the first test of a JVM pays for loading and rewriting classes on the loop thread
        assertTrue(r.ticks >= 5 && r.maxGapMs < 1000, "ticks: " + r.ticks + ", the loop stalled " + r.maxGapMs
                + " ms");
    }

    /** A PrintStream whose peer is gone records the error as the JDK's does: checkError() true, nothing thrown. */
    @Test
    void printStreamToAResetPeerSetsCheckError() {
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
                PrintStream out = new PrintStream(s.getOutputStream(), true);
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
        assertEquals("PrintStreamOut true", got);
    }

    // ---- PushbackInputStream, PushbackReader ----

    /** A number's digits, the byte after them read, pushed back and read again: the number, or -1 at EOF. */
    @Coroutine
    static long number(PushbackInputStream in) throws IOException {
        long v = 0;
        int c;
        while ((c = in.read()) >= '0' && c <= '9') {
            v = v * 10 + (c - '0');
        }
        if (c < 0) {
            return -1;
        }
        in.unread(c);
        if (in.read() != '\n') {
            throw new IOException("no newline after " + v);
        }
        return v;
    }

    @Coroutine
    static long number(PushbackReader in) throws IOException {
        long v = 0;
        int c;
        while ((c = in.read()) >= '0' && c <= '9') {
            v = v * 10 + (c - '0');
        }
        if (c < 0) {
            return -1;
        }
        in.unread(c);
        char[] nl = new char[1];
        if (in.read(nl, 0, 1) != 1 || nl[0] != '\n') {
            throw new IOException("no newline after " + v);
        }
        return v;
    }

    /** One connection: each number comes back doubled after {@code delayMs}; the request is sent in two pieces. */
    @Coroutine
    static String doubleNumbers(Socket s, long delayMs) throws IOException, InterruptedException {
        PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(s.getInputStream()), 2);
        PrintStream out = new PrintStream(s.getOutputStream(), true);
        for (long v; (v = number(in)) >= 0;) {
            Thread.sleep(delayMs);
            out.println(v * 2);
        }
        return in.getClass().getSimpleName();
    }

    @Coroutine
    static String numberClient(Socket s, int i) throws IOException, InterruptedException {
        s.setTcpNoDelay(true);
        PushbackReader in = new PushbackReader(new InputStreamReader(s.getInputStream(), UTF_8));
        PrintStream out = new PrintStream(s.getOutputStream(), true);
        StringBuilder r = new StringBuilder().append(i);
        for (int k : new int[] {i, 1000 + i}) {
            out.print(k); // the digits first, the newline a little later: the server's read of it waits
            out.flush();
            Thread.sleep(5);
            out.println();
            r.append(' ').append(number(in));
        }
        s.shutdownOutput();
        return r.append(' ').append(number(in)).append(' ').append(in.getClass().getSimpleName()).toString();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fiftyPushbackClientsAndTheirServerOnOneLoopWhileATickerTicks() {
        int n = 50;
        long delay = 150;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> doubleNumbers(s, delay),
                s -> numberClient(s, next.getAndIncrement())));
        List<String> got = new ArrayList<>(r.value);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split(" ")[0])));
        for (int i = 0; i < n; i++) {
            assertEquals(i + " " + 2 * i + " " + 2 * (1000 + i) + " -1 PushbackText", got.get(i));
        }
        assertOverlapped(r, n, 2 * delay);
    }

    /**
     * A pushed-back byte and a socket with nothing yet: a coroutine's read returns the pushed-back byte without
     * waiting (the JDK's would wait for at least one more), and the next read waits on the loop, not blocking it.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aReadOfPushedBackBytesDoesNotWaitForTheSocket() {
        String got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Socket> accepting = Coro.spawn(() -> server.accept());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                Socket peer = accepting.join();
                peer.getOutputStream().write('a');
                PushbackInputStream in = new PushbackInputStream(s.getInputStream(), 4);
                int a = in.read();
                in.unread(a);
                byte[] b = new byte[8];
                int n = in.read(b, 0, 8);
                Task<Void> later = Coro.spawn(() -> {
                    Thread.sleep(50);
                    peer.getOutputStream().write("bc".getBytes(UTF_8));
                    return null;
                });
                long t0 = System.nanoTime();
                int m = in.read(b, 1, 7);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                later.join();
                peer.close();
                server.close();
                return n + " " + (char) b[0] + " " + m + " " + new String(b, 1, m, UTF_8) + " " + (ms >= 30) + " "
                        + in.getClass().getSimpleName();
            }
        });
        assertEquals("1 a 2 bc true PushbackIn", got);
    }

    // ---- readNBytes, skip, transferTo ----

    /** One connection: a length, a payload, 3 bytes of padding; the sum back after {@code delayMs}; then an echo. */
    @Coroutine
    static String sumThenEcho(Socket s, long delayMs) throws IOException, InterruptedException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64));
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        byte[] p = new byte[in.readInt()];
        int got = in.readNBytes(p, 0, p.length);
        long skipped = 0;
        while (skipped < 3) {
            skipped += in.skip(3 - skipped);
        }
        Thread.sleep(delayMs);
        int sum = 0;
        for (byte b : p) {
            sum += b;
        }
        out.writeInt(sum);
        out.flush();
        long echoed = in.transferTo(out); // until the client's EOF
        return got + " " + skipped + " " + echoed;
    }

    @Coroutine
    static String sumClient(Socket s, int i, long delayMs) throws IOException, InterruptedException {
        s.setTcpNoDelay(true);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        byte[] p = new byte[100 + i];
        int expected = 0;
        for (int k = 0; k < p.length; k++) {
            p[k] = (byte) (k * 7 + i);
            expected += p[k];
        }
        out.writeInt(p.length);
        out.write(p, 0, 50);
        out.flush();
        Thread.sleep(5); // the rest a little later: the server's readNBytes waits for it
        out.write(p, 50, p.length - 50);
        out.write(new byte[3]);
        int sum = java.nio.ByteBuffer.wrap(in.readNBytes(4)).getInt();
        out.write(("trailer " + i).getBytes(UTF_8));
        Thread.sleep(delayMs); // the server's transferTo waits for the EOF
        s.shutdownOutput();
        byte[] back = in.readNBytes(1000);
        return i + " " + (sum == expected) + " " + new String(back, UTF_8) + " " + in.read();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fiftyClientsOfReadNBytesSkipAndTransferToOnOneLoopWhileATickerTicks() {
        int n = 50;
        long delay = 150;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> sumThenEcho(s, delay),
                s -> sumClient(s, next.getAndIncrement(), delay)));
        List<String> got = new ArrayList<>(r.value);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split(" ")[0])));
        for (int i = 0; i < n; i++) {
            assertEquals(i + " true trailer " + i + " -1", got.get(i));
        }
        assertOverlapped(r, n, 2 * delay);
    }

    /** skip on a buffered socket stream whose bytes come later: the coroutine waits on the loop, not blocking it. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSkipWaitsOnTheLoop() {
        String got = Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Task<Socket> accepting = Coro.spawn(() -> server.accept());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                Socket peer = accepting.join();
                BufferedInputStream in = new BufferedInputStream(s.getInputStream());
                PushbackInputStream pin = new PushbackInputStream(s.getInputStream(), 2);
                Task<Void> later = Coro.spawn(() -> {
                    Thread.sleep(50);
                    peer.getOutputStream().write("abcdefgh".getBytes(UTF_8));
                    return null;
                });
                long t0 = System.nanoTime();
                long k = in.skip(3);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                later.join();
                String r = k + " " + (char) in.read() + " " + (ms >= 30);
                pin.unread('x');
                Task<Void> more = Coro.spawn(() -> {
                    Thread.sleep(50);
                    peer.getOutputStream().write("yz".getBytes(UTF_8));
                    return null;
                });
                r += " " + pin.skip(5); // the pushed-back byte, without waiting for the socket
                t0 = System.nanoTime();
                r += " " + pin.skip(1) + " " + (char) pin.read();
                ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                more.join();
                peer.close();
                server.close();
                return r + " " + (ms >= 30);
            }
        });
        assertEquals("3 d true 1 1 z true", got);
    }

    /** System.out and a PrintStream around anything but a coro socket's stream stay the JDK's own. */
    @Test
    void otherPrintStreamsAreTheJdksOwn() {
        String got = Coro.run(() -> {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            PrintStream p = new PrintStream(b, true, "UTF-8");
            p.println("one \u20ac");
            p.printf("%d%n", 2);
            System.out.println("System.out from a coroutine");
            System.out.flush();
            return p.getClass().getName() + " " + System.out.checkError() + " " + b.toString(UTF_8).trim();
        });
        assertEquals("java.io.PrintStream false one \u20ac\n2", got);
    }
}
