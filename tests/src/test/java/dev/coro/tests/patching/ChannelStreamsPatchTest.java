package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Channels.newInputStream/newOutputStream/newReader/newWriter} over blocking socket channels in coroutines:
 * the streams' reads and writes suspend on the loop (servers and clients on one loop thread), with the JDK's
 * results, EOF, and a close from another task failing the read as the JDK's does. Over a FileChannel the JDK's own
 * stream is returned.
 */
class ChannelStreamsPatchTest {
    private static final String IN = "dev.coro.internal.patch.ChannelStreams$In";

    static SocketAddress loopback(ServerSocketChannel server) throws IOException {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(),
                ((InetSocketAddress) server.getLocalAddress()).getPort());
    }

    /** One connection: reads a 4-byte request through a stream, waits 100 ms, answers and closes (EOF). */
    @Coroutine
    static void handle(SocketChannel c) throws IOException, InterruptedException {
        InputStream in = Channels.newInputStream(c);
        OutputStream out = Channels.newOutputStream(c);
        byte[] req = new byte[4];
        int n = 0;
        while (n < 4) {
            int r = in.read(req, n, 4 - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        Thread.sleep(100);
        out.write('<');
        out.write(req, 0, n);
        out.write(">".getBytes(StandardCharsets.US_ASCII));
        out.close();
    }

    @Coroutine
    static void serve(ServerSocketChannel server, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            SocketChannel c = server.accept();
            Coro.spawn(() -> handle(c));
        }
    }

    @Coroutine
    static String ask(SocketAddress at, String req) throws IOException {
        SocketChannel ch = SocketChannel.open(at);
        InputStream in = Channels.newInputStream(ch);
        OutputStream out = Channels.newOutputStream(ch);
        out.write(req.getBytes(StandardCharsets.US_ASCII));
        byte[] all = in.readAllBytes(); // up to the server's close
        int eof = in.read();
        String r = new String(all, StandardCharsets.US_ASCII) + eof + in.read(new byte[4]);
        in.close();
        return in.getClass().getName() + " " + r;
    }

    @Test
    void thirtyClientsAndTheirServerOverlapOnOneLoop() {
        int n = 30;
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<Void> serving = Coro.spawn(() -> serve(server, n));
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String req = String.format("q%03d", i);
                clients.add(Coro.spawn(() -> ask(at, req)));
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
        for (int i = 0; i < n; i++) {
            assertEquals(IN + " " + String.format("<q%03d>", i) + "-1-1", got.get(i));
        }
        // each answer comes 100 ms after its request: 3 s one after another
        assertTrue(ms < 1500, "the stream reads did not overlap: " + ms + " ms");
    }

    /** The JDK's: a thread blocked reading a channel's stream while another thread closes the stream. */
    static String jdkCloseWhileReading() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel ch = SocketChannel.open(loopback(server));
            SocketChannel peer = server.accept();
            InputStream in = Channels.newInputStream(ch);
            AtomicReference<String> got = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    got.set("read " + in.read());
                } catch (IOException e) {
                    got.set(e.getClass().getName());
                }
            });
            t.start();
            Thread.sleep(200);
            in.close();
            t.join(10_000);
            peer.close();
            return got.get() + " " + ch.isOpen();
        }
    }

    @Test
    void closeFromAnotherTaskFailsTheReadAsTheJdk() throws Exception {
        String jdk = jdkCloseWhileReading();
        assertEquals("java.nio.channels.AsynchronousCloseException false", jdk);
        int[] ticks = {0};
        String inside = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<SocketChannel> accepting = Coro.spawn(() -> server.accept());
            SocketChannel ch = SocketChannel.open(at);
            SocketChannel peer = accepting.join();
            InputStream in = Channels.newInputStream(ch);
            Task<String> reading = Coro.spawn(() -> {
                try {
                    return "read " + in.read();
                } catch (IOException e) {
                    return e.getClass().getName();
                }
            });
            for (int i = 0; i < 10; i++) {
                Thread.sleep(10); // the reader waits; this task runs
                ticks[0]++;
            }
            in.close();
            String r = reading.join() + " " + ch.isOpen();
            peer.close();
            server.close();
            return r;
        });
        assertEquals(jdk, inside);
        assertEquals(10, ticks[0]);
    }

    /** Writers and readers over socket channels, and the JDK's mode check; the JDK's text either side. */
    @Test
    void readersWritersAndTheBlockingModeCheck() {
        String got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<String> serving = Coro.spawn(() -> {
                SocketChannel c = server.accept();
                InputStream in = Channels.newInputStream(c);
                byte[] all = in.readAllBytes(); // suspends until the client's close
                Reader text = Channels.newReader(java.nio.channels.Channels.newChannel(
                        new java.io.ByteArrayInputStream(all)), "UTF-8");
                String line = new BufferedReader(text).readLine();
                c.close();
                return line + " " + all.length;
            });
            SocketChannel ch = SocketChannel.open(at);
            Writer w = Channels.newWriter(ch, StandardCharsets.UTF_8);
            w.write("h\u00e9llo, w\u00f6rld\n");
            w.flush();
            ch.configureBlocking(false);
            String mode;
            try {
                Channels.newOutputStream(ch).write(1);
                mode = "wrote";
            } catch (IllegalBlockingModeException e) {
                mode = e.getClass().getSimpleName();
            }
            ch.configureBlocking(true);
            w.close();
            return serving.join() + " " + mode + " " + ch.isOpen();
        });
        assertEquals("h\u00e9llo, w\u00f6rld 15 IllegalBlockingModeException false", got);
    }

    /** A reader over a socket channel, read once the data is there. */
    @Test
    void aReaderOverASocketChannel() {
        String got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<SocketChannel> accepting = Coro.spawn(() -> server.accept());
            SocketChannel ch = SocketChannel.open(at);
            SocketChannel peer = accepting.join();
            OutputStream out = Channels.newOutputStream(peer);
            out.write("gr\u00fc\u00df dich\nbye\n".getBytes(StandardCharsets.UTF_8));
            out.close();
            Thread.sleep(50); // the reader's reads happen in JDK frames: they do not suspend
            BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
            String s = r.readLine() + "|" + r.readLine() + "|" + r.readLine();
            r.close();
            server.close();
            return s;
        });
        assertEquals("gr\u00fc\u00df dich|bye|null", got);
    }

    /** Over a FileChannel, exactly the JDK's stream. */
    @Test
    void aFileChannelGetsTheJdksStream() throws Exception {
        Path f = Files.createTempFile("coro-channels", ".txt");
        try {
            Files.writeString(f, "file text");
            String jdk;
            try (FileChannel fc = FileChannel.open(f, StandardOpenOption.READ)) {
                InputStream in = Channels.newInputStream(fc);
                jdk = in.getClass().getName() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String inside = Coro.run(() -> {
                try (FileChannel fc = FileChannel.open(f, StandardOpenOption.READ)) {
                    InputStream in = Channels.newInputStream(fc);
                    return in.getClass().getName() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            assertEquals(jdk, inside);
            assertTrue(jdk.endsWith(" file text"), jdk);
        } finally {
            Files.delete(f);
        }
    }
}
