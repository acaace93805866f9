package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.internal.Diagnostics;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Served;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Scanner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.coro.tests.patching.SocketReadersPatchTest.sendSlowly;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.assertOverlapped;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.serveAndConnect;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.servedTicking;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Scanner}, {@code ObjectInputStream} and {@code ObjectOutputStream} around coro's socket streams, in
 * coroutines: many connections on one loop overlap (each Scanner or object read waits on a worker thread while its
 * task suspends, a ticker task keeps ticking), with the JDK's results, and no pinned-call warning.
 */
@Timeout(120)
class ScannerObjectsPatchTest {
    private static final String PINNED = "blocked the loop thread";

    /** The server side: a Scanner reads a line, an int, then tokens until the end of input. */
    @Coroutine
    static String scanServer(Socket s) throws IOException {
        Scanner sc = new Scanner(s.getInputStream(), UTF_8);
        StringBuilder log = new StringBuilder();
        log.append(sc.nextLine()).append('|').append(sc.nextInt()).append('|');
        while (sc.hasNext()) {
            log.append(sc.next()).append(',');
        }
        log.append(sc.hasNextLine()).append('|').append(sc.ioException());
        sc.close();
        return log.toString();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK frame hangs here
    void fortyFiveScannersOnOneLoopOverlapWhileATickerTicks() {
        int n = 45;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        Served run = servedTicking(n, s -> scanServer(s), s -> {
            int i = next.getAndIncrement();
            return sendSlowly(s, delay, "hello " + i + " \u00e9\n", (40 + i) + " alp", "ha be", "ta " + i);
        });
        Ticked<List<String>> r = run.ticked;
        List<String> served = run.served;
        List<String> warnings = run.warnings;
        assertEquals(Collections.nCopies(n, "sent"), r.value);
        List<String> got = new ArrayList<>(served);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split("[ |]")[1])));
        for (int i = 0; i < n; i++) {
            assertEquals("hello " + i + " \u00e9|" + (40 + i) + "|alpha,beta," + i + ",false|null", got.get(i));
        }
        assertOverlapped(r, n, 3 * delay);
        assertEquals(List.of(), filter(warnings), "no pinned call");
    }

    private static List<String> filter(List<String> warnings) {
        synchronized (warnings) {
            List<String> out = new ArrayList<>();
            for (String w : warnings) {
                if (w.contains(PINNED)) {
                    out.add(w);
                }
            }
            return out;
        }
    }

    /** Serializes and reads back what the test sends, so the JDK's one-time set-up is not timed as a stall. */
    static void warmUpSerialization() throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            Request r = new Request(1, "x", List.of(1, 2));
            o.writeObject(List.of(r, 3, "X"));
            o.writeInt(3);
            o.writeObject("bye");
        }
        try (ObjectInputStream i = new ObjectInputStream(new java.io.ByteArrayInputStream(b.toByteArray()))) {
            assertEquals(List.of(new Request(1, "x", List.of(1, 2)), 3, "X"), i.readObject());
            assertEquals(3, i.readInt());
            assertEquals("bye", i.readObject());
        }
    }

    /** A request: records serialize as the JDK serializes them. */
    record Request(int id, String name, List<Integer> values) implements Serializable {
    }

    /** One connection: each request is answered after {@code delayMs} with a List (the request, a sum). */
    @Coroutine
    static String objectServer(Socket s, long delayMs) throws Exception {
        ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(s.getOutputStream()));
        out.flush(); // the header: the peer's ObjectInputStream waits for it
        ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(s.getInputStream()));
        int served = 0;
        for (;;) {
            Object o = in.readObject();
            if ("bye".equals(o)) {
                break;
            }
            Request req = (Request) o;
            Thread.sleep(delayMs);
            int sum = 0;
            for (int v : req.values()) {
                sum += v;
            }
            out.writeObject(List.of(req, sum, req.name().toUpperCase(java.util.Locale.ROOT)));
            out.writeInt(sum);
            out.flush();
            served++;
        }
        out.close();
        return "served " + served + " " + in.getClass().getSimpleName() + " " + out.getClass().getSimpleName();
    }

    @Coroutine
    static String objectClient(Socket s, int i) throws Exception {
        ObjectOutputStream out = new ObjectOutputStream(s.getOutputStream()); // header sent now, no flush needed
        ObjectInputStream in = new ObjectInputStream(s.getInputStream());
        StringBuilder log = new StringBuilder();
        for (int k = 0; k < 2; k++) {
            out.writeObject(new Request(i, "client " + i + "." + k, List.of(i, k, 1000)));
            List<?> answer = (List<?>) in.readObject();
            int sum = in.readInt();
            log.append(answer).append('=').append(sum).append(';');
        }
        out.writeObject("bye");
        try {
            in.readObject();
        } catch (java.io.EOFException e) {
            log.append("EOF");
        }
        return log.toString();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fortyFiveObjectStreamClientsAndTheirServerOnOneLoopWhileATickerTicks() throws Exception {
        warmUpSerialization(); // the JDK's first serialization of a record costs ~100 ms of class set-up, once
        int n = 45;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Consumer<String> previous = Diagnostics.setSink(warnings::add);
        Ticked<List<String>> r;
        AtomicInteger servers = new AtomicInteger();
        try {
            r = ticking(() -> serveAndConnect(n, s -> {
                String v = objectServer(s, delay);
                assertEquals("served 2 ObjIn ObjOut", v);
                servers.incrementAndGet();
                return v;
            }, s -> objectClient(s, next.getAndIncrement())));
        } finally {
            Diagnostics.setSink(previous);
        }
        assertEquals(n, servers.get());
        List<String> got = new ArrayList<>(r.value);
        Collections.sort(got);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 2; k++) {
                Request req = new Request(i, "client " + i + "." + k, List.of(i, k, 1000));
                int sum = i + k + 1000;
                b.append(List.of(req, sum, req.name().toUpperCase(java.util.Locale.ROOT))).append('=').append(sum)
                        .append(';');
            }
            expected.add(b.append("EOF").toString());
        }
        Collections.sort(expected);
        assertEquals(expected, got);
        warnings.forEach(w -> System.out.println("warning: " + w));
        assertOverlapped(r, n, 2 * delay);
        assertEquals(List.of(), filter(warnings), "no pinned call");
    }

    /** Scanners around coro's readers and buffered streams are cooperative; around a plain String, the JDK's. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void scannersAroundCorosReadersAndBufferedStreamsOverlapToo() {
        int n = 40;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        List<String> served = Collections.synchronizedList(new ArrayList<>());
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> {
            int i = next.getAndIncrement();
            Scanner sc = i % 2 == 0
                    ? new Scanner(new java.io.BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8)))
                    : new Scanner(new BufferedInputStream(s.getInputStream()), "UTF-8");
            sc.useDelimiter(";");
            StringBuilder log = new StringBuilder();
            while (sc.hasNextInt()) {
                log.append(sc.nextInt() * 2).append(' ');
            }
            log.append(sc.hasNext() ? sc.next() : "-").append(' ').append(sc.hasNext());
            served.add(log.toString());
            return log.toString();
        }, s -> sendSlowly(s, delay, "1;2", "1;3", "3;x")));
        assertEquals(n, served.size());
        for (String line : served) {
            assertEquals("2 42 66 x false", line);
        }
        assertOverlapped(r, n, 2 * delay);
        assertEquals("2 4", Coro.run(() -> {
            Scanner sc = new Scanner("1 2");
            return sc.nextInt() * 2 + " " + sc.nextInt() * 2;
        }));
    }

    @Coroutine
    static int sumOverHttp(String url) throws IOException {
        Scanner sc = new Scanner(new java.net.URL(url).openStream(), UTF_8);
        int sum = 0;
        while (sc.hasNextInt()) {
            sum += sc.nextInt();
        }
        sc.close();
        return sum;
    }

    /** A Scanner around {@code URL.openStream()} (a stream coro offloads) is cooperative too. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void scannersAroundUrlStreamsOverlap() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            byte[] body = "1 2 3 4".getBytes(UTF_8);
            ex.sendResponseHeaders(200, 0); // chunked: the Scanner's reads wait for the rest
            try (java.io.OutputStream o = ex.getResponseBody()) {
                o.write(body, 0, 4);
                o.flush();
                Thread.sleep(100);
                o.write(body, 4, body.length - 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        try {
            int n = 20;
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            assertEquals(10, sumOverHttp(url)); // on this thread first: the JDK's HTTP classes load untimed
            assertEquals(10, (int) Coro.run(() -> sumOverHttp(url))); // and coro's offload paths
            Ticked<List<Integer>> r = ticking(() -> {
                List<dev.coro.Task<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    tasks.add(Coro.spawn(() -> sumOverHttp(url)));
                }
                List<Integer> sums = new ArrayList<>();
                for (dev.coro.Task<Integer> t : tasks) {
                    sums.add(t.join());
                }
                return sums;
            });
            assertEquals(Collections.nCopies(n, 10), r.value);
            assertOverlapped(r, n, 100);
        } finally {
            server.stop(0);
        }
    }

    /**
     * Another task closes the socket while a Scanner (on a worker) and an ObjectInputStream wait on a silent peer:
     * both calls end as the JDK's do when another thread closes the socket.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCloseFromAnotherTaskEndsAWaitingScannerAndObjectStream() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        Socket a = silent.accept();
                        accepted.add(a);
                        if (i == 1) {
                            new ObjectOutputStream(a.getOutputStream()).flush(); // a header, then nothing
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String got = Coro.run(() -> {
                Socket a = new Socket(java.net.InetAddress.getLoopbackAddress(), silent.getLocalPort());
                Socket b = new Socket(java.net.InetAddress.getLoopbackAddress(), silent.getLocalPort());
                ObjectInputStream in = new ObjectInputStream(b.getInputStream()); // the header comes at once
                dev.coro.Task<Void> closer = Coro.spawn(() -> {
                    Thread.sleep(150);
                    a.close(); // while the Scanner waits
                    Thread.sleep(150);
                    b.close(); // while readObject waits
                    return null;
                });
                Scanner sc = new Scanner(a.getInputStream(), UTF_8);
                String first;
                try {
                    first = sc.nextLine();
                } catch (java.util.NoSuchElementException e) {
                    first = e.getClass().getSimpleName() + ": " + e.getMessage() + " / " + sc.ioException();
                }
                String second;
                try {
                    second = String.valueOf(in.readObject());
                } catch (IOException e) {
                    second = e.getClass().getName() + ": " + e.getMessage();
                }
                closer.join();
                return first + " | " + second;
            });
            assertEquals("NoSuchElementException: No line found / java.net.SocketException: Socket closed | "
                    + "java.net.SocketException: Socket closed", got);
            for (Socket x : accepted) {
                x.close();
            }
        }
    }

    /** A Scanner around a stream coro does not make cooperative still blocks the loop, and that is reported. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aScannerAroundAnotherFilterStreamIsStillPinnedAndReported() {
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Consumer<String> previous = Diagnostics.setSink(warnings::add);
        String got;
        try (java.net.ServerSocket plainServer = new java.net.ServerSocket(0, 5,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> { // a plain thread: the loop is blocked while it waits
                try (Socket p = plainServer.accept()) {
                    Thread.sleep(100);
                    p.getOutputStream().write("late line\n".getBytes(UTF_8));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            peer.start();
            got = Coro.run(() -> {
                try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), plainServer.getLocalPort())) {
                    // a library's own filter class: coro does not know what its reads do
                    Scanner sc = new Scanner(new java.io.FilterInputStream(s.getInputStream()) {
                    }, UTF_8);
                    return sc.nextLine();
                }
            });
            peer.join();
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            Diagnostics.setSink(previous);
        }
        assertEquals("late line", got);
        assertTrue(!filter(warnings).isEmpty(), "a pinned wait is reported: " + warnings);
    }
}
