package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One reader (writer) from {@code Channels.newReader/newWriter} over a socket channel used by several tasks of one
 * loop at once: as with the JDK's lock, one call at a time; a task calling while another's call is suspended waits
 * for it, so lines are delivered whole and once each, and each write's text arrives contiguous.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung loop fails the test
class SharedReaderWriterTest {

    /** The peer: a plain thread on a plain socket, feeding bytes in small pieces with pauses. */
    static Thread trickle(ServerSocket server, byte[] data, long seed, Socket[] accepted) {
        Thread t = new Thread(() -> {
            try {
                Socket s = server.accept();
                accepted[0] = s;
                OutputStream out = s.getOutputStream();
                Random rnd = new Random(seed);
                for (int i = 0; i < data.length;) {
                    int n = Math.min(data.length - i, 1 + rnd.nextInt(7));
                    out.write(data, i, n);
                    out.flush();
                    i += n;
                    if (rnd.nextInt(3) == 0) {
                        Thread.sleep(1);
                    }
                }
                s.shutdownOutput(); // EOF: every reader's readLine ends with null
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        }, "trickle");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static String line(int i) {
        // some lines long, some short, with two- and three-byte characters split across the pieces
        return "line " + i + " \u00fc\u20ac " + "x".repeat((i * 37) % 150) + " end " + i;
    }

    /** Reads lines until EOF; what it got, in order. */
    @Coroutine
    static List<String> readLines(BufferedReader r) throws IOException {
        List<String> got = new ArrayList<>();
        for (String l; (l = r.readLine()) != null;) {
            got.add(l);
        }
        return got;
    }

    @Coroutine
    static List<List<String>> readersOnOneReader(int port, int tasks) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        List<Task<List<String>>> ts = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ts.add(Coro.spawn(() -> readLines(r)));
        }
        List<List<String>> out = new ArrayList<>();
        for (Task<List<String>> t : ts) {
            out.add(t.join());
        }
        r.close();
        return out;
    }

    void manyTasksReadLinesOfOneTrickledReader(int tasks, int lines) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append(line(i)).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Socket[] peer = new Socket[1];
            Thread feeder = trickle(server, data, tasks, peer);
            List<List<String>> got = Coro.run(() -> readersOnOneReader(server.getLocalPort(), tasks));
            feeder.join(30_000);
            if (peer[0] != null) {
                peer[0].close();
            }
            List<String> all = new ArrayList<>();
            int busy = 0;
            for (List<String> g : got) {
                all.addAll(g);
                busy += g.isEmpty() ? 0 : 1;
                // each task's lines come in the order they were sent
                for (int k = 1; k < g.size(); k++) {
                    assertTrue(index(g.get(k - 1)) < index(g.get(k)), "out of order: " + g.get(k - 1) + " / "
                            + g.get(k));
                }
            }
            Map<String, Integer> counts = new HashMap<>();
            for (String l : all) {
                counts.merge(l, 1, Integer::sum);
            }
            for (int i = 0; i < lines; i++) {
                assertEquals(1, counts.getOrDefault(line(i), 0), "line " + i + " delivered "
                        + counts.getOrDefault(line(i), 0) + " times");
            }
            assertEquals(lines, all.size(), "lines that were never sent: " + all.stream()
                    .filter(l -> !l.equals(line(index(l)))).limit(5).toList());
            System.out.println("shared reader: " + tasks + " tasks read " + lines + " trickled lines, "
                    + busy + " of them got some");
            // a task whose call waited proceeds when the call before it returns, in the order they came (the task
            // lock is fair): every task gets its turns, none is starved by the others' suspended calls
            for (int i = 0; i < tasks; i++) {
                assertTrue(got.get(i).size() >= lines / tasks / 2, "task " + i + " got " + got.get(i).size()
                        + " of " + lines + " lines");
            }
        }
    }

    private static int index(String line) {
        String[] p = line.split(" ");
        try {
            return Integer.parseInt(p[1]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Test
    void twoTasksReadLinesOfOneTrickledReader() throws Exception {
        manyTasksReadLinesOfOneTrickledReader(2, 150);
    }

    @Test
    void tenTasksReadLinesOfOneTrickledReader() throws Exception {
        manyTasksReadLinesOfOneTrickledReader(10, 300);
    }

    // ---- writers ----

    static String record(int writer, int seq, int size) {
        char c = (char) ('a' + writer);
        return "<" + writer + ":" + seq + ":" + String.valueOf(c).repeat(size) + ">\n";
    }

    /** Each task writes its records; the peer reads slowly at first, so the writes wait for room. */
    @Coroutine
    static void writeRecords(Writer w, int writer, int records, int size, boolean flushEach) throws IOException {
        for (int seq = 0; seq < records; seq++) {
            w.write(record(writer, seq, size));
            if (flushEach) {
                w.flush();
            }
        }
    }

    @Coroutine
    static void writersOnOneWriter(int port, int writers, int records, int size, boolean buffered)
            throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Writer w0 = Channels.newWriter(ch, StandardCharsets.UTF_8);
        Writer w = buffered ? new java.io.BufferedWriter(w0) : w0;
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int id = i;
            ts.add(Coro.spawn(() -> writeRecords(w, id, records, size, buffered)));
        }
        for (Task<Void> t : ts) {
            t.join();
        }
        w.close();
    }

    /** Reads everything until EOF, after a pause: the writers meanwhile fill the socket and wait for room. */
    static Thread slowReader(ServerSocket server, StringBuilder into) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                Thread.sleep(300);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int n; (n = in.read(buf)) > 0;) {
                    all.write(buf, 0, n);
                }
                synchronized (into) {
                    into.append(all.toString(StandardCharsets.UTF_8));
                }
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        }, "slow-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    void concurrentWritersKeepEachWriteContiguous(boolean buffered) throws Exception {
        int writers = 4;
        int records = 8;
        int size = 200_000; // more than the socket takes at once: a write waits for room in the middle
        StringBuilder text = new StringBuilder();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread reader = slowReader(server, text);
            Coro.run(() -> writersOnOneWriter(server.getLocalPort(), writers, records, size, buffered));
            reader.join(60_000);
            assertFalse(reader.isAlive(), "the peer did not see the end");
        }
        String all;
        synchronized (text) {
            all = text.toString();
        }
        List<String> got = new ArrayList<>();
        for (String r : all.split("\n")) {
            got.add(r + "\n");
        }
        List<String> want = new ArrayList<>();
        for (int wr = 0; wr < writers; wr++) {
            for (int seq = 0; seq < records; seq++) {
                want.add(record(wr, seq, size));
            }
        }
        for (String r : got) {
            assertTrue(want.contains(r), "a record not written as one piece: " + r.substring(0, Math.min(60,
                    r.length())) + "... (" + r.length() + " chars)");
        }
        List<String> sortedGot = new ArrayList<>(got);
        Collections.sort(sortedGot);
        Collections.sort(want);
        assertEquals(want.size(), sortedGot.size());
        assertTrue(want.equals(sortedGot), "records lost or repeated");
    }

    @Test
    void concurrentWritersOnOneWriterKeepEachWriteContiguous() throws Exception {
        concurrentWritersKeepEachWriteContiguous(false);
    }

    @Test
    void concurrentWritersOnOneBufferedWriterKeepEachWriteContiguous() throws Exception {
        concurrentWritersKeepEachWriteContiguous(true);
    }

    // ---- cancellation, and a plain thread meanwhile ----

    @Coroutine
    static List<String> cancelScenario(ServerSocket server) throws Exception {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort()));
        Socket peer = acceptPlain(server);
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        List<String> log = new ArrayList<>();
        // a holds the reader, waiting for a line; b waits for a's call to end
        Task<String> a = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        Task<String> b = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        log.add("b waiting: " + !b.isDone());
        b.cancel(); // a waiter cancelled: the reader must not stay locked on its account
        Thread.sleep(10);
        log.add("b cancelled: " + b.isCancelled());
        send(peer, "one\n");
        log.add("a: " + a.join());
        Task<String> c = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        send(peer, "two\n");
        log.add("c: " + c.join());
        // the holder cancelled while its call waits: the next one gets the reader
        Task<String> d = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        Task<String> e = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        d.cancel();
        try {
            d.join();
            log.add("d: not cancelled");
        } catch (CancellationException x) {
            log.add("d cancelled");
        }
        send(peer, "three\n");
        log.add("e: " + e.join());
        r.close();
        closePlain(peer);
        return log;
    }

    @Coroutine
    static String readOne(BufferedReader r) throws IOException {
        return r.readLine();
    }

    @Coroutine
    static List<String> firstComeFirstServed(ServerSocket server) throws Exception {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort()));
        Socket peer = acceptPlain(server);
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        Task<String> a = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        Task<String> b = Coro.spawn(() -> readOne(r));
        Thread.sleep(30);
        send(peer, "one\ntwo\n");
        List<String> got = List.of(a.join(), b.join());
        r.close();
        closePlain(peer);
        return got;
    }

    /** As with the JDK's lock: the call that came first holds the reader, so it gets the first line. */
    @Test
    void theTaskThatCalledFirstGetsTheFirstLine() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertEquals(List.of("one", "two"), Coro.run(() -> firstComeFirstServed(server)));
        }
    }

    // the peer's side, plain (not rewritten): blocking calls on the JDK's sockets

    static Socket acceptPlain(ServerSocket server) throws IOException {
        return server.accept(); // the client connected already: no wait
    }

    static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    }

    static void closePlain(Socket s) throws IOException {
        s.close();
    }

    @Test
    void aCancelledTaskDoesNotLeaveTheReaderLocked() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> log = Coro.run(() -> cancelScenario(server));
            assertEquals(List.of("b waiting: true", "b cancelled: true", "a: one", "c: two", "d cancelled",
                    "e: three"), log);
        }
    }

    /** A plain thread's readLine on the reader. */
    static Thread plainReadLine(BufferedReader r, List<String> into) {
        Thread t = new Thread(() -> {
            try {
                into.add("plain: " + r.readLine());
            } catch (IOException e) {
                into.add("plain: " + e);
            }
        }, "plain-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void waitUntilWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() == Thread.State.RUNNABLE && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    @Coroutine
    static List<String> plainThreadScenario(ServerSocket server) throws Exception {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort()));
        Socket peer = acceptPlain(server);
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        List<String> log = new CopyOnWriteArrayList<>();
        Task<String> a = Coro.spawn(() -> readOne(r)); // holds the reader, waiting for its line
        Thread.sleep(30);
        Thread plain = plainThreadStarted(r, log);
        send(peer, "fir");
        Thread.sleep(20);
        send(peer, "st\nsecond\n");
        log.add("task: " + a.join());
        joinPlain(plain);
        r.close();
        closePlain(peer);
        return log;
    }

    static Thread plainThreadStarted(BufferedReader r, List<String> log) throws InterruptedException {
        Thread t = plainReadLine(r, log);
        waitUntilWaiting(t);
        return t;
    }

    static void joinPlain(Thread t) throws InterruptedException {
        t.join(10_000);
    }

    @Test
    void aPlainThreadWaitsForTheTasksCallInProgress() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> log = Coro.run(() -> plainThreadScenario(server));
            assertEquals(2, log.size(), log.toString());
            assertEquals(java.util.Set.of("task: first", "plain: second"), new java.util.HashSet<>(log));
        }
    }
}
