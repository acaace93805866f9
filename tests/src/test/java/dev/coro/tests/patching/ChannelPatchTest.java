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
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocking-mode {@link SocketChannel}/{@link ServerSocketChannel} code, TCP and Unix-domain, inside coroutines:
 * many connections overlap on one loop thread, with the JDK's results (EOF, close while reading, refused
 * connections, whole writes under backpressure), and the channels keep behaving as blocking ones for their users.
 */
@Timeout(60)
class ChannelPatchTest {
    static final int CLIENTS = 50;
    static final long DELAY_MS = 100;

    // ---- code under test: ordinary blocking channel code ----

    @Coroutine
    static ByteBuffer readFully(ReadableByteChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                break;
            }
        }
        return b.flip();
    }

    static String text(ByteBuffer b) {
        return StandardCharsets.US_ASCII.decode(b).toString();
    }

    @Coroutine
    static void serve(ServerSocketChannel server, int n, Set<Thread> threads) throws Exception {
        for (int i = 0; i < n; i++) {
            SocketChannel c = server.accept();
            threads.add(Thread.currentThread());
            Coro.spawn(() -> echoAfterDelay(c, threads));
        }
    }

    @Coroutine
    static void echoAfterDelay(SocketChannel c, Set<Thread> threads) throws Exception {
        try (c) {
            ByteBuffer msg = readFully(c, 16);
            Thread.sleep(DELAY_MS);
            threads.add(Thread.currentThread());
            c.write(msg);
        }
    }

    @Coroutine
    static String client(SocketAddress where, String text) throws Exception {
        try (SocketChannel c = SocketChannel.open(where)) {
            if (!c.isBlocking()) {
                return "a blocking channel reported non-blocking";
            }
            c.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            return text(readFully(c, 16));
        }
    }

    /** CLIENTS clients, each on its own connection, against a server that answers each after DELAY_MS. */
    static void echoesOverlap(ServerSocketChannel server, SocketAddress where) {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        long start = System.nanoTime();
        List<String> replies = Coro.run(() -> {
            Task<Void> acceptor = Coro.spawn(() -> serve(server, CLIENTS, threads));
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String text = String.format("client-%09d", i);
                clients.add(Coro.spawn(() -> client(where, text)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> c : clients) {
                out.add(c.join());
            }
            acceptor.join();
            threads.add(Thread.currentThread());
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < CLIENTS; i++) {
            assertEquals(String.format("client-%09d", i), replies.get(i));
        }
        assertEquals(Set.of(Thread.currentThread()), threads, "everything ran on the one loop thread");
        // one after another: CLIENTS * DELAY_MS = 5 s
        assertTrue(ms < CLIENTS * DELAY_MS / 2, "the connections did not overlap: " + ms + " ms");
    }

    static ServerSocketChannel tcpServer() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    }

    @Test
    void tcpChannelsOverlapOnOneLoopThread() throws Exception {
        try (ServerSocketChannel server = tcpServer()) {
            echoesOverlap(server, server.getLocalAddress());
        }
    }

    @Test
    void unixDomainChannelsOverlapOnOneLoopThread() throws Exception {
        Path dir = Files.createTempDirectory("coro-chan");
        Path path = dir.resolve("echo.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path), 200);
            echoesOverlap(server, UnixDomainSocketAddress.of(path));
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    // ---- close while reading, EOF, refused ----

    /** What a read that waits ends with, as a string. */
    @Coroutine
    static String readOutcome(ReadableByteChannel c) {
        try {
            return "read " + c.read(ByteBuffer.allocate(16));
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }

    @Test
    void closeWhileReadingEndsTheReadAsTheJdksDoes() throws Exception {
        try (ServerSocketChannel server = tcpServer()) {
            SocketAddress where = server.getLocalAddress();
            // the JDK: a thread blocked in read, closed by another
            String jdk;
            try (SocketChannel c = SocketChannel.open(where); SocketChannel peer = server.accept()) {
                java.util.concurrent.CompletableFuture<String> r = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> readOutcome(c));
                Thread.sleep(200);
                c.close();
                jdk = r.get(10, TimeUnit.SECONDS);
            }
            assertEquals("java.nio.channels.AsynchronousCloseException", jdk);
            // coroutines: another task of the loop closes it, through a patched close and through an unpatched one
            List<String> patched = Coro.run(() -> {
                List<String> out = new ArrayList<>();
                for (int unpatched = 0; unpatched < 2; unpatched++) {
                    SocketChannel c = SocketChannel.open(where);
                    SocketChannel peer = server.accept();
                    Task<String> reader = Coro.spawn(() -> readOutcome(c));
                    Thread.sleep(100);
                    assertFalse(reader.isDone(), "the read did not wait");
                    if (unpatched == 0) {
                        c.close();
                    } else {
                        ((java.io.Closeable) c).close(); // not a patched call site: noticed by the wait's check
                    }
                    out.add(reader.join());
                    out.add(readOutcome(c)); // a read after the close
                    peer.close();
                }
                return out;
            });
            assertEquals(List.of(jdk, "java.nio.channels.ClosedChannelException", jdk,
                    "java.nio.channels.ClosedChannelException"), patched);
        }
    }

    @Coroutine
    static String readToEof(ByteChannel c) throws IOException {
        StringBuilder log = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(64);
        int n;
        while ((n = c.read(b)) >= 0) {
            if (n == 0) {
                return "a blocking read returned 0";
            }
        }
        log.append(text(b.flip())).append(" then ").append(n).append(", ").append(c.read(ByteBuffer.allocate(4)));
        return log.toString();
    }

    @Test
    void eofAfterThePeersLastBytes() throws Exception {
        try (ServerSocketChannel server = tcpServer()) {
            SocketAddress where = server.getLocalAddress();
            String got = Coro.run(() -> {
                Task<Void> peer = Coro.spawn(() -> {
                    try (SocketChannel p = server.accept()) {
                        Thread.sleep(50);
                        p.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
                    }
                });
                try (SocketChannel c = SocketChannel.open(where)) {
                    String s = readToEof(c);
                    peer.join();
                    return s;
                }
            });
            assertEquals("bye then -1, -1", got);
        }
    }

    @Test
    void connectionRefusedAsTheJdksAndTheChannelIsClosed() throws Exception {
        SocketAddress nobody;
        try (ServerSocketChannel s = tcpServer()) {
            nobody = s.getLocalAddress();
        }
        java.net.ConnectException jdk = assertThrows(java.net.ConnectException.class,
                () -> SocketChannel.open(nobody));
        String patched = Coro.run(() -> {
            SocketChannel c = SocketChannel.open();
            try {
                c.connect(nobody);
                return "connected";
            } catch (java.net.ConnectException e) {
                return e.getClass().getName() + ": " + e.getMessage() + ", open=" + c.isOpen();
            }
        });
        assertEquals(jdk.getClass().getName() + ": " + jdk.getMessage() + ", open=false", patched);
    }

    // ---- large transfers, gathering and scattering, through the interfaces' static types ----

    @Coroutine
    static long writeAll(GatheringByteChannel c, byte[] data) throws IOException {
        int half = data.length / 2;
        return c.write(new ByteBuffer[] {ByteBuffer.wrap(data, 0, half), ByteBuffer.wrap(data, half,
                data.length - half)});
    }

    @Coroutine
    static long readAll(ScatteringByteChannel c, CRC32 crc) throws IOException {
        ByteBuffer[] bufs = {ByteBuffer.allocate(1000), ByteBuffer.allocate(7000)};
        long total = 0;
        for (;;) {
            long n = c.read(bufs);
            if (n < 0) {
                return total;
            }
            total += n;
            for (ByteBuffer b : bufs) {
                b.flip();
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                crc.update(chunk);
                b.clear();
            }
        }
    }

    @Test
    void fourMegabytesInOneWriteArriveIntactWhileTheReaderRunsOnTheSameLoop() throws Exception {
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        CRC32 expected = new CRC32();
        expected.update(data);
        try (ServerSocketChannel server = tcpServer()) {
            SocketAddress where = server.getLocalAddress();
            CRC32 got = new CRC32();
            long[] counts = Coro.run(() -> {
                // the writer's one write cannot finish before the reader reads: both must share the loop
                Task<Long> writer = Coro.spawn(() -> {
                    try (SocketChannel c = SocketChannel.open(where)) {
                        return writeAll(c, data);
                    }
                });
                try (SocketChannel p = server.accept()) {
                    Thread.sleep(20);
                    long read = readAll(p, got);
                    return new long[] {writer.join(), read};
                }
            });
            assertEquals(data.length, counts[0], "a blocking write writes everything");
            assertEquals(data.length, counts[1]);
            assertEquals(expected.getValue(), got.getValue());
        }
    }

    // ---- cancel, the user's mode, and plain threads after a coroutine used the channel ----

    @Test
    void aCancelledReaderLeavesTheChannelUsable() throws Exception {
        try (ServerSocketChannel server = tcpServer()) {
            SocketAddress where = server.getLocalAddress();
            try (SocketChannel c = Coro.run(() -> SocketChannel.open(where)); SocketChannel peer = server.accept()) {
                String got = Coro.run(() -> {
                    Task<String> reader = Coro.spawn(() -> readOutcome(c));
                    Thread.sleep(50);
                    assertTrue(reader.cancel());
                    try {
                        return "not cancelled: " + reader.join();
                    } catch (CancellationException expected) {
                        // the reader's wait ended; its channel must not be harmed
                    }
                    peer.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
                    return Coro.spawn(() -> text(readFully(c, 1))).join();
                });
                assertEquals("x", got);
                // a plain thread, later: the channel still blocks for it, and says it is blocking
                assertTrue(c.isBlocking());
                Thread writer = new Thread(() -> {
                    try {
                        Thread.sleep(200);
                        peer.write(ByteBuffer.wrap("later".getBytes(StandardCharsets.US_ASCII)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                writer.start();
                long start = System.nanoTime();
                assertEquals("later", text(readFully(c, 5)));
                assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(100), "the read did not block");
                writer.join();
            }
        }
    }

    @Test
    void aChannelItsUserMadeNonBlockingIsLeftAlone() throws Exception {
        try (ServerSocketChannel server = tcpServer()) {
            SocketAddress where = server.getLocalAddress();
            String log = Coro.run(() -> {
                StringBuilder b = new StringBuilder();
                try (SocketChannel c = SocketChannel.open(where); SocketChannel peer = server.accept()) {
                    b.append("blocking=").append(c.isBlocking());
                    c.configureBlocking(false);
                    b.append(", then ").append(c.isBlocking());
                    b.append(", read=").append(c.read(ByteBuffer.allocate(4)));
                    c.configureBlocking(true);
                    b.append(", then ").append(c.isBlocking());
                    Task<Void> late = Coro.spawn(() -> {
                        Thread.sleep(50);
                        peer.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
                    });
                    b.append(", read=").append(text(readFully(c, 2)));
                    late.join();
                    // a server channel made non-blocking: accept returns null, as the JDK's does
                    server.configureBlocking(false);
                    b.append(", accept=").append(server.accept());
                    server.configureBlocking(true);
                }
                return b.toString();
            });
            assertEquals("blocking=true, then false, read=0, then true, read=ok, accept=null", log);
        }
    }
}
