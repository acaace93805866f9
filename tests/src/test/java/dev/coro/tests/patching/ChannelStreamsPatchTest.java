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

    // ---- Channels.newReader/newWriter in coroutines: readLine and writes suspend ----

    /** One line connection: reads a request line, waits, answers with two lines (one in two flushes), closes. */
    @Coroutine
    static void lineHandler(SocketChannel c, long delayMs) throws IOException, InterruptedException {
        BufferedReader in = new BufferedReader(Channels.newReader(c, StandardCharsets.UTF_8));
        Writer out = Channels.newWriter(c, "UTF-8");
        String req = in.readLine();
        Thread.sleep(delayMs);
        out.write("\u00e9cho " + req + "\r\n");
        out.write("f\u00fcr ");
        out.flush();
        Thread.sleep(5); // the client's readLine has half a line
        out.append("dich \u20ac\n");
        out.close(); // EOF
    }

    @Coroutine
    static List<String> askLines(SocketAddress at, String req) throws IOException {
        SocketChannel ch = SocketChannel.open(at);
        java.io.BufferedWriter w = new java.io.BufferedWriter(Channels.newWriter(ch, StandardCharsets.UTF_8));
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        w.write(req);
        w.newLine();
        w.flush(); // the server waits before it answers: readLine below waits with nothing there
        List<String> got = new ArrayList<>();
        got.add(r.getClass().getSimpleName());
        for (String line; (line = r.readLine()) != null;) {
            got.add(line);
        }
        got.add(String.valueOf(r.readLine()));
        r.close();
        return got;
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aLineServerAndItsClientsOverlapOnOneLoop() {
        int n = 24;
        long delay = 150;
        long start = System.nanoTime();
        List<List<String>> got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<Void> serving = Coro.spawn(() -> {
                for (int i = 0; i < n; i++) {
                    SocketChannel c = server.accept();
                    Coro.spawn(() -> lineHandler(c, delay));
                }
                return null;
            });
            List<Task<List<String>>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String req = "fr\u00e5ga " + i;
                clients.add(Coro.spawn(() -> askLines(at, req)));
            }
            List<List<String>> out = new ArrayList<>();
            for (Task<List<String>> c : clients) {
                out.add(c.join());
            }
            serving.join();
            server.close();
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int i = 0; i < n; i++) {
            assertEquals(List.of("LineReader", "\u00e9cho fr\u00e5ga " + i, "f\u00fcr dich \u20ac", "null"),
                    got.get(i));
        }
        long sequential = n * delay;
        assertTrue(ms < sequential / 2, "the line reads did not overlap: " + ms + " ms, one after another "
                + sequential + " ms");
    }

    /** The bytes a peer sends, with pauses: a character split between two sends, then malformed UTF-8. */
    static final byte[][] PIECES = {
        "gr".getBytes(StandardCharsets.UTF_8), {(byte) 0xc3}, {(byte) 0xbc, 'n', '\r'}, {'\n', 'z', (byte) 0xe2},
        {(byte) 0x82}, {(byte) 0xac, '\r', 'x', '\n'}, {'o', 'k', '\n'}, {(byte) 0xff, 'y', '\n'}};

    /** What a reader makes of those bytes: lines, then the decoder's exception; read() counts at the end. */
    @Coroutine
    static String readAll(Reader reader) throws IOException {
        BufferedReader r = reader instanceof BufferedReader ? (BufferedReader) reader : new BufferedReader(reader);
        StringBuilder log = new StringBuilder();
        try {
            for (String line; (line = r.readLine()) != null;) {
                log.append('[').append(line).append(']');
            }
            log.append(" eof");
        } catch (IOException e) {
            log.append(' ').append(e.getClass().getName()).append(": ").append(e.getMessage());
        }
        return log.toString();
    }

    /** The same, through Reader.read() one char at a time and read(char[]). */
    @Coroutine
    static String readChars(Reader r) throws IOException {
        StringBuilder log = new StringBuilder();
        try {
            for (int c; (c = r.read()) >= 0;) {
                log.append((char) c);
                char[] two = new char[2];
                int n = r.read(two);
                if (n < 0) {
                    break;
                }
                log.append(two, 0, n);
            }
            log.append(" eof");
        } catch (IOException e) {
            log.append(' ').append(e.getClass().getName()).append(": ").append(e.getMessage());
        }
        return log.toString().replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * The JDK's reader over the pieces as a socket delivers them when they come apart: one piece a read (the JDK's
     * decoder throws on malformed input while decoding the chunk that holds it, so chunks matter).
     */
    static Reader jdkReaderOfPieces() {
        InputStream pieces = new InputStream() {
            int next;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (next == PIECES.length) {
                    return -1;
                }
                byte[] p = PIECES[next++];
                System.arraycopy(p, 0, b, off, p.length);
                return p.length;
            }
        };
        return new java.io.InputStreamReader(pieces, StandardCharsets.UTF_8.newDecoder());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void splitCharactersEofAndMalformedInputAsTheJdk() throws IOException {
        // the JDK's decoding of the same bytes, all at once
        String jdkLines = readAll(jdkReaderOfPieces());
        String jdkChars = readChars(jdkReaderOfPieces());
        assertTrue(jdkLines.startsWith("[gr\u00fcn][z\u20ac][x][ok] java.nio.charset.MalformedInputException"),
                jdkLines);
        List<String> got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            List<String> out = new ArrayList<>();
            for (int mode = 0; mode < 2; mode++) {
                Task<SocketChannel> accepting = Coro.spawn(() -> server.accept());
                SocketChannel ch = SocketChannel.open(at);
                SocketChannel peer = accepting.join();
                Task<Void> sending = Coro.spawn(() -> {
                    OutputStream o = Channels.newOutputStream(peer);
                    for (byte[] p : PIECES) {
                        Thread.sleep(30); // the reader waits for each piece on the loop
                        o.write(p);
                    }
                    o.close();
                    return null;
                });
                Reader r = Channels.newReader(ch, StandardCharsets.UTF_8);
                out.add(mode == 0 ? readAll(r) : readChars(r));
                sending.join();
                ch.close();
            }
            server.close();
            return out;
        });
        assertEquals(List.of(jdkLines, jdkChars), got);
    }

    /** The JDK's: a thread blocked in readLine of a channel's reader while another thread closes the channel. */
    static String jdkCloseWhileReadingLines() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel ch = SocketChannel.open(loopback(server));
            SocketChannel peer = server.accept();
            peer.write(java.nio.ByteBuffer.wrap("half a li".getBytes(StandardCharsets.UTF_8)));
            BufferedReader r = new BufferedReader(java.nio.channels.Channels.newReader(ch, StandardCharsets.UTF_8));
            AtomicReference<String> got = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    got.set("line " + r.readLine());
                } catch (IOException e) {
                    got.set(e.getClass().getName());
                }
            });
            t.start();
            Thread.sleep(200);
            ch.close();
            t.join(10_000);
            peer.close();
            return got.get() + " " + ch.isOpen();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void closeFromAnotherTaskFailsReadLineAsTheJdk() throws Exception {
        String jdk = jdkCloseWhileReadingLines();
        assertEquals("java.nio.channels.AsynchronousCloseException false", jdk);
        int[] ticks = {0};
        String inside = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<SocketChannel> accepting = Coro.spawn(() -> server.accept());
            SocketChannel ch = SocketChannel.open(at);
            SocketChannel peer = accepting.join();
            Writer w = Channels.newWriter(peer, StandardCharsets.UTF_8);
            w.write("half a li");
            w.flush();
            BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
            Task<String> reading = Coro.spawn(() -> {
                try {
                    return "line " + r.readLine();
                } catch (IOException e) {
                    return e.getClass().getName();
                }
            });
            for (int i = 0; i < 10; i++) {
                Thread.sleep(10); // the reader waits; this task runs
                ticks[0]++;
            }
            ch.close();
            String got = reading.join() + " " + ch.isOpen();
            peer.close();
            server.close();
            return got;
        });
        assertEquals(jdk, inside);
        assertEquals(10, ticks[0]);
    }

    /** 2 MB of lines through a BufferedWriter to a reader on the same loop: the writer waits for room, cooperatively. */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aLargeWriteThroughAWriterWaitsForThePeerOnTheSameLoop() {
        int lines = 2000;
        String got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<String> serving = Coro.spawn(() -> {
                SocketChannel c = server.accept();
                BufferedReader r = new BufferedReader(Channels.newReader(c, StandardCharsets.UTF_8));
                int count = 0;
                long chars = 0;
                for (String line; (line = r.readLine()) != null;) {
                    if (!line.equals(bigLine(count))) {
                        return "line " + count + " differs";
                    }
                    count++;
                    chars += line.length();
                    if (count % 200 == 0) {
                        Thread.sleep(2); // a slow reader
                    }
                }
                Writer w = Channels.newWriter(c, StandardCharsets.UTF_8);
                w.write(count + " lines " + chars + " chars\n");
                w.close();
                return "served";
            });
            SocketChannel ch = SocketChannel.open(at);
            java.io.BufferedWriter w = new java.io.BufferedWriter(Channels.newWriter(ch, StandardCharsets.UTF_8));
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                all.append(bigLine(i)).append('\n');
            }
            w.write(all.toString()); // far more than the socket buffers hold
            w.flush();
            ch.shutdownOutput();
            BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
            String answer = r.readLine();
            String end = String.valueOf(r.readLine());
            w.close();
            server.close();
            return answer + " " + end + " " + serving.join();
        });
        long chars = 0;
        for (int i = 0; i < lines; i++) {
            chars += bigLine(i).length();
        }
        assertEquals(lines + " lines " + chars + " chars null served", got);
    }

    /** A PrintWriter around a channel writer is cooperative too: its large output needs the peer on the same loop. */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aPrintWriterAroundAChannelWriterWaitsForThePeerOnTheSameLoop() {
        int lines = 2000;
        String got = Coro.run(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Task<String> serving = Coro.spawn(() -> {
                SocketChannel c = server.accept();
                BufferedReader r = new BufferedReader(Channels.newReader(c, StandardCharsets.UTF_8));
                int count = 0;
                for (String line; (line = r.readLine()) != null; count++) {
                    if (!line.equals(bigLine(count))) {
                        return "line " + count + " differs";
                    }
                }
                c.close();
                return count + " lines";
            });
            SocketChannel ch = SocketChannel.open(at);
            java.io.PrintWriter w = new java.io.PrintWriter(Channels.newWriter(ch, StandardCharsets.UTF_8));
            for (int i = 0; i < lines; i++) {
                w.println(bigLine(i)); // far more than the socket buffers hold, before the first flush
            }
            w.flush();
            boolean error = w.checkError();
            ch.shutdownOutput();
            String served = serving.join();
            w.close();
            server.close();
            return served + " " + error + " " + w.getClass().getName().startsWith("java.io.");
        });
        assertEquals(lines + " lines false false", got, "the PrintWriter is coro's, and nothing was lost");
    }

    static String bigLine(int i) {
        StringBuilder b = new StringBuilder();
        b.append(i).append(':');
        while (b.length() < 1000) {
            b.append("\u00e4\u20acz").append(i % 7);
        }
        return b.toString();
    }

    /** On a plain thread, the same code reads and writes lines as the JDK's objects do. */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void onAPlainThreadTheSameLinesAsTheJdk() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketAddress at = loopback(server);
            Thread peer = new Thread(() -> {
                try (SocketChannel c = server.accept()) {
                    for (byte[] p : PIECES) {
                        Thread.sleep(30);
                        c.write(java.nio.ByteBuffer.wrap(p));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            peer.start();
            String jdk = readAll(jdkReaderOfPieces());
            try (SocketChannel ch = SocketChannel.open(at)) {
                assertEquals(jdk, readAll(Channels.newReader(ch, StandardCharsets.UTF_8)));
            }
            peer.join(10_000);
        }
    }
}
