package dev.coro.tests.patching.conformance;

import dev.coro.Coroutine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.Writer;
import java.io.OutputStream;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Blocking-mode channel scenarios, written once in ordinary {@code java.nio.channels} code, each returning a
 * transcript of what it observed; {@link ChannelConformanceTest} runs them as the JDK does (an unrewritten copy),
 * rewritten on a plain thread, and rewritten in coroutines, and compares. Same rules as {@link Scenarios}: no
 * lambdas or nested classes, nothing timing-dependent in the output.
 */
public final class ChannelScenarios {
    private ChannelScenarios() {
    }

    @Coroutine
    public static String run(String name, int port) throws Exception {
        switch (name) {
            case "tcp":
                return pair(false);
            case "unix":
                return pair(true);
            case "trickle":
                return trickle(port);
            case "largeWrite":
                return largeWrite(port);
            case "streamTrickle":
                return streamTrickle(port);
            case "streamLargeWrite":
                return streamLargeWrite(port);
            case "textTrickle":
                return textTrickle(port);
            case "textLargeWrite":
                return textLargeWrite(port);
            default:
                throw new IllegalArgumentException("no scenario " + name);
        }
    }

    static String ex(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    /** Reads until {@code n} bytes or EOF. */
    @Coroutine
    static ByteBuffer readN(ReadableByteChannel ch, int n) throws IOException {
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

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** A connected pair on one thread, TCP or Unix-domain: states, reads, writes, half-close, EOF, close, refusal. */
    @Coroutine
    static String pair(boolean unix) throws Exception {
        StringBuilder log = new StringBuilder();
        Path dir = unix ? Files.createTempDirectory("coro-chan-conf") : null;
        ServerSocketChannel server;
        SocketAddress where;
        if (unix) {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            where = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
            server.bind(where);
        } else {
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            where = server.getLocalAddress();
        }
        try {
            SocketChannel c = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            log.append("new: blocking=").append(c.isBlocking()).append(" connected=").append(c.isConnected())
                    .append(" open=").append(c.isOpen()).append('\n');
            try {
                c.read(ByteBuffer.allocate(1));
            } catch (IOException | RuntimeException e) {
                log.append("read before connect: ").append(e.getClass().getName()).append('\n');
            }
            log.append("connect=").append(c.connect(where)).append(" connected=").append(c.isConnected())
                    .append(" pending=").append(c.isConnectionPending()).append('\n');
            try {
                c.connect(where);
            } catch (IOException | RuntimeException e) {
                log.append("connect again: ").append(e.getClass().getName()).append('\n');
            }
            log.append("finishConnect=").append(c.finishConnect()).append('\n');
            SocketChannel a = server.accept();
            log.append("accepted: blocking=").append(a.isBlocking()).append(" connected=").append(a.isConnected())
                    .append('\n');
            log.append("write=").append(c.write(ascii("abcdef"))).append('\n');
            log.append("read=").append(text(readN(a, 6))).append('\n');
            log.append("empty write=").append(c.write(ByteBuffer.allocate(0))).append(" full read=")
                    .append(a.read(ByteBuffer.allocate(0))).append('\n');
            ByteBuffer[] two = {ascii("12"), ascii("345")};
            log.append("gathering write=").append(a.write(two)).append('\n');
            ByteBuffer[] into = {ByteBuffer.allocate(2), ByteBuffer.allocate(3)};
            long got = 0;
            while (got < 5) {
                got += c.read(into);
            }
            log.append("scattering read=").append(text(into[0].flip())).append('|').append(text(into[1].flip()))
                    .append('\n');
            c.shutdownOutput();
            log.append("after peer's shutdownOutput: read=").append(a.read(ByteBuffer.allocate(4))).append('\n');
            try {
                c.write(ascii("x"));
            } catch (IOException e) {
                log.append("write after shutdownOutput: ").append(e.getClass().getName()).append('\n');
            }
            a.write(ascii("xyz"));
            a.close();
            ByteChannel bc = c;
            log.append("read=").append(text(readN(bc, 3))).append(" then ").append(bc.read(ByteBuffer.allocate(4)))
                    .append(" then ").append(bc.read(ByteBuffer.allocate(4))).append('\n');
            log.append("blocking=").append(c.isBlocking()).append('\n');
            c.configureBlocking(false);
            log.append("set non-blocking: blocking=").append(c.isBlocking()).append('\n');
            c.configureBlocking(true);
            c.close();
            log.append("closed: open=").append(c.isOpen()).append('\n');
            try {
                c.read(ByteBuffer.allocate(1));
            } catch (IOException e) {
                log.append("read after close: ").append(ex(e)).append('\n');
            }
            try {
                c.write(ascii("x"));
            } catch (IOException e) {
                log.append("write after close: ").append(ex(e)).append('\n');
            }
            try {
                c.configureBlocking(false);
            } catch (IOException e) {
                log.append("configureBlocking after close: ").append(ex(e)).append('\n');
            }
        } finally {
            server.close();
        }
        try {
            SocketChannel.open(where);
        } catch (IOException e) {
            log.append("connect to a closed server: ").append(e.getClass().getName()).append('\n');
        }
        if (unix) {
            Files.deleteIfExists(dir.resolve("s.sock"));
            Files.delete(dir);
        }
        return log.toString();
    }

    /** A peer sending one byte at a time: the blocking reads still add up to the message, then EOF. */
    @Coroutine
    static String trickle(int port) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            ByteBuffer b = ByteBuffer.allocate(1000);
            int zeros = 0;
            for (int n; (n = c.read(b)) >= 0;) {
                if (n == 0) {
                    zeros++;
                }
            }
            b.flip();
            CRC32 crc = new CRC32();
            crc.update(b);
            return "bytes=" + b.limit() + " crc=" + crc.getValue() + " zero reads=" + zeros + "\n";
        }
    }

    /** 4 MB in one blocking write to a slow reader: the write returns every byte; the peer's CRC matches. */
    @Coroutine
    static String largeWrite(int port) throws Exception {
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i ^ i >>> 9);
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            StringBuilder log = new StringBuilder();
            log.append("write=").append(c.write(ByteBuffer.wrap(data))).append('\n');
            c.shutdownOutput();
            ByteBuffer answer = readN(c, 16);
            log.append("peer crc matches=").append(answer.getLong() == crc.getValue()).append(" count=")
                    .append(answer.getLong()).append(" then ").append(c.read(ByteBuffer.allocate(1))).append('\n');
            return log.toString();
        }
    }

    /** The trickling peer read through {@code Channels.newInputStream}: reads, then readAllBytes, then EOF. */
    @Coroutine
    static String streamTrickle(int port) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            InputStream in = Channels.newInputStream(c);
            CRC32 crc = new CRC32();
            int first = in.read();
            crc.update(first);
            byte[] some = new byte[10];
            int n = 0;
            while (n < some.length) {
                n += in.read(some, n, some.length - n);
            }
            crc.update(some);
            byte[] rest = in.readAllBytes();
            crc.update(rest);
            return "bytes=" + (1 + n + rest.length) + " crc=" + crc.getValue() + " then " + in.read() + " "
                    + in.read(some) + " " + in.read(some, 0, 0) + "\n";
        }
    }

    /** 4 MB in one write through {@code Channels.newOutputStream} to a slow reader; the answer through a stream. */
    @Coroutine
    static String streamLargeWrite(int port) throws Exception {
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i ^ i >>> 7);
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            OutputStream out = Channels.newOutputStream(c);
            out.write(data[0]);
            out.write(data, 1, data.length - 1);
            c.shutdownOutput();
            StringBuilder log = new StringBuilder();
            InputStream in = Channels.newInputStream(c);
            byte[] answer = in.readAllBytes();
            ByteBuffer a = ByteBuffer.wrap(answer);
            log.append("answer=").append(answer.length).append(" peer crc matches=")
                    .append(a.getLong() == crc.getValue()).append(" count=").append(a.getLong()).append('\n');
            return log.toString();
        }
    }

    /** What the text peer trickles, a byte at a time: multi-byte characters, every kind of line end. */
    public static final String TEXT = "gr\u00fc\u00df dich\r\nzweite Zeile \u2013 \u20ac 5\n\n\u00e9t\u00e9\r"
            + "\ud83d\ude00 emoji\nno line end";

    /**
     * The text peer read through {@code Channels.newReader} (by charset name) and a {@code BufferedReader}: a
     * char, a few chars, lines up to EOF (the last one has no line end), then EOF again, ready() and close.
     */
    @Coroutine
    static String textTrickle(int port) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            BufferedReader r = new BufferedReader(Channels.newReader(c, "UTF-8"));
            StringBuilder log = new StringBuilder();
            log.append("first=").append((char) r.read());
            char[] some = new char[4];
            int n = 0;
            while (n < some.length) {
                n += r.read(some, n, some.length - n);
            }
            log.append(" then=").append(new String(some)).append('\n');
            for (String line; (line = r.readLine()) != null;) {
                log.append('[').append(line).append("]\n");
            }
            log.append("eof: ").append(r.readLine()).append(' ').append(r.read()).append(' ').append(r.read(some))
                    .append(" ready=").append(r.ready()).append('\n');
            r.close();
            try {
                r.readLine();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            log.append("channel open=").append(c.isOpen()).append('\n');
            return log.toString();
        }
    }

    /** 4 MB of text in one write through a {@code BufferedWriter} over {@code Channels.newWriter} to a slow reader. */
    @Coroutine
    static String textLargeWrite(int port) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < (2 << 20); i++) {
            text.append(i).append(": \u00e4\u00f6\u00fc \u20ac\u20ac \ud83d\ude00\n");
        }
        byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(utf8);
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            Writer w = new BufferedWriter(Channels.newWriter(c, StandardCharsets.UTF_8));
            w.write(text.charAt(0));
            w.write(text.toString(), 1, text.length() - 1);
            w.append("end");
            w.flush();
            crc.update("end".getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            ByteBuffer answer = readN(c, 16);
            StringBuilder log = new StringBuilder();
            log.append("utf8=").append(utf8.length + 3).append(" peer crc matches=")
                    .append(answer.getLong() == crc.getValue()).append(" count=").append(answer.getLong())
                    .append('\n');
            try {
                w.close(); // flushes nothing, closes the channel
                log.append("closed: open=").append(c.isOpen()).append('\n');
            } catch (IOException e) {
                log.append("close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }
}
