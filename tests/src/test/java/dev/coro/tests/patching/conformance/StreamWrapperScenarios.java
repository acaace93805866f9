package dev.coro.tests.patching.conformance;

import dev.coro.Coroutine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
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
import java.io.PushbackReader;
import java.io.StringWriter;
import java.io.UTFDataFormatException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The classic socket idiom (JDK wrappers around a socket's streams), written once in ordinary {@code java.io} code,
 * each scenario returning a transcript of what it observed; {@link StreamWrapperConformanceTest} runs them as the
 * JDK does (an unrewritten copy), rewritten on a plain thread, and rewritten in coroutines, and compares. Each
 * scenario runs over either transport ({@link #SOCKET}: a {@code Socket}'s own streams; {@link #CHANNEL}: the
 * streams {@code Channels.newInputStream/newOutputStream} make of a blocking {@code SocketChannel}, see
 * {@link ChannelWrapperScenarios}): the transport only decides where the raw streams come from ({@link #connect},
 * {@link #in}, {@link #out}), the wrappers are made here, where the agent rewrites them. Same rules as
 * {@link Scenarios}: no lambdas or nested classes, nothing timing-dependent in the output.
 */
public final class StreamWrapperScenarios {
    private StreamWrapperScenarios() {
    }

    /** The transport of a socket's own streams. */
    static final String SOCKET = "socket";
    /** The transport of the streams of a blocking socket channel. */
    static final String CHANNEL = "channel";

    /** The scenarios by name, over a socket's streams; each takes the port of its peer. */
    @Coroutine
    public static String run(String name, int port) throws Exception {
        return run(SOCKET, name, port);
    }

    /** The scenarios by name, over {@code over} ({@link #SOCKET} or {@link #CHANNEL}). */
    @Coroutine
    static String run(String over, String name, int port) throws Exception {
        switch (name) {
            case "lines":
                return lines(over, port);
            case "linesStrict":
                return linesStrict(over, port);
            case "chars":
                return chars(over, port);
            case "frames":
                return frames(over, port);
            case "printWriter":
                return printWriter(over, port);
            case "bufferedWriter":
                return bufferedWriter(over, port);
            case "dataOut":
                return dataOut(over, port);
            case "printStream":
                return printStream(over, port);
            case "printStreamBuffered":
                return printStreamBuffered(over, port);
            case "pushbackStream":
                return pushbackStream(over, port);
            case "pushbackReader":
                return pushbackReader(over, port);
            case "streamLoops":
                return streamLoops(over, port);
            case "lineNumbers":
                return lineNumbers(over, port);
            case "lineNumbersAround":
                return lineNumbersAround(over, port);
            case "dataLines":
                return dataLines(over, port);
            case "readerLoops":
                return readerLoops(over, port);
            case "bufferMarks":
                return bufferMarks(over, port);
            default:
                throw new IllegalArgumentException("no scenario " + name);
        }
    }

    static String ex(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    @Coroutine
    static Socket connect(int port) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    @Coroutine
    static SocketChannel connectChannel(int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** A connection over {@code over}: a {@code Socket} or a blocking {@code SocketChannel}. */
    @Coroutine
    static Closeable connect(String over, int port) throws IOException {
        switch (over) {
            case SOCKET:
                return connect(port);
            case CHANNEL:
                return connectChannel(port);
            default:
                throw new IllegalArgumentException("no transport " + over);
        }
    }

    /** The connection's input stream: the socket's own, or a new {@code Channels.newInputStream} of the channel. */
    @Coroutine
    static InputStream in(Closeable s) throws IOException {
        return s instanceof SocketChannel ? Channels.newInputStream((SocketChannel) s) : ((Socket) s).getInputStream();
    }

    /** The connection's output stream: the socket's own, or a new {@code Channels.newOutputStream} of the channel. */
    @Coroutine
    static OutputStream out(Closeable s) throws IOException {
        return s instanceof SocketChannel ? Channels.newOutputStream((SocketChannel) s)
                : ((Socket) s).getOutputStream();
    }

    @Coroutine
    static boolean closed(Closeable s) {
        return s instanceof SocketChannel ? !((SocketChannel) s).isOpen() : ((Socket) s).isClosed();
    }

    @Coroutine
    static void shutdownOutput(Closeable s) throws IOException {
        if (s instanceof SocketChannel) {
            ((SocketChannel) s).shutdownOutput();
        } else {
            ((Socket) s).shutdownOutput();
        }
    }

    /** Text with every line ending, characters of 2, 3 and 4 bytes, malformed UTF-8 and no final newline. */
    public static byte[] text() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("first line\r\nsecond \u00e9\u20ac\rthird\n\nfourth \uD83D\uDE00 end\r\n"
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {'b', 'a', 'd', ' ', (byte) 0xC3, '(', ' ', (byte) 0xFF, ' ', (byte) 0xE2, (byte) 0x82,
            '\n'});
        b.writeBytes("last without newline \u00fc".getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    /** Framed binary data as a DataOutputStream writes it, cut in the middle of the last frame. */
    public static byte[] frameBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(3);
        d.write(new byte[] {1, 2, 3});
        d.writeUTF("h\u00e9llo \u20ac \uD83D\uDE00");
        d.writeLong(-5);
        d.writeDouble(Math.PI);
        d.writeFloat(1.5f);
        d.writeShort(-300);
        d.writeChar('\u20ac');
        d.writeByte(-1);
        d.writeBoolean(false);
        d.writeBoolean(true);
        byte[] big = new byte[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        d.writeInt(big.length);
        d.write(big);
        d.writeShort(2); // a malformed modified-UTF-8 string: a 3-byte lead, one continuation
        d.write(new byte[] {(byte) 0xE2, (byte) 0x82});
        d.writeInt(12345);
        d.writeUTF("");
        d.write(new byte[10]); // skipped
        d.writeInt(500);
        d.write(new byte[100]); // and the peer closes
        return b.toByteArray();
    }

    @Coroutine
    static String lines(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in(s), StandardCharsets.UTF_8));
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
                    .append('\n');
            r.close();
            try {
                r.readLine();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            log.append("socket closed=").append(closed(s)).append('\n');
            return log.toString();
        }
    }

    /** A reporting decoder: the JDK's MalformedInputException, after the good lines. */
    @Coroutine
    static String linesStrict(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in(s),
                    StandardCharsets.UTF_8.newDecoder()), 16);
            StringBuilder log = new StringBuilder();
            try {
                for (String line; (line = r.readLine()) != null;) {
                    log.append('[').append(line).append("]\n");
                }
            } catch (IOException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /** An InputStreamReader alone, by charset name: one char at a time, then arrays. */
    @Coroutine
    static String chars(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            InputStreamReader r = new InputStreamReader(in(s), "UTF-8");
            StringBuilder log = new StringBuilder("encoding=" + r.getEncoding() + "\n");
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                all.append((char) r.read());
            }
            char[] buf = new char[7];
            for (int n; (n = r.read(buf, 0, buf.length)) > 0;) {
                all.append(buf, 0, n);
            }
            log.append(all).append("\neof ").append(r.read()).append(' ').append(r.read(buf)).append('\n');
            r.close();
            try {
                r.read();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    @Coroutine
    static String frames(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(in(s)));
            StringBuilder log = new StringBuilder();
            int len = in.readInt();
            byte[] b = new byte[len];
            in.readFully(b);
            log.append(len).append(' ').append(Arrays.toString(b)).append(' ').append(in.readUTF()).append(' ')
                    .append(in.readLong()).append(' ').append(in.readDouble()).append(' ').append(in.readFloat())
                    .append(' ').append(in.readShort()).append(' ').append(in.readChar()).append(' ')
                    .append(in.readByte()).append(' ').append(in.readBoolean()).append(' ')
                    .append(in.readUnsignedByte()).append('\n');
            len = in.readInt();
            b = new byte[len + 4];
            in.readFully(b, 2, len);
            log.append(len).append(" hash=").append(Arrays.hashCode(b)).append('\n');
            try {
                log.append(in.readUTF());
            } catch (UTFDataFormatException e) {
                log.append(ex(e)).append('\n');
            }
            log.append(in.readInt()).append(" [").append(in.readUTF()).append("] skipped=").append(in.skipBytes(10))
                    .append('\n');
            len = in.readInt();
            b = new byte[len];
            try {
                in.readFully(b);
            } catch (EOFException e) {
                log.append("frame of ").append(len).append(": ").append(ex(e)).append('\n');
            }
            log.append("then read=").append(in.read()).append(' ').append(in.read(b)).append('\n');
            try {
                in.readInt();
            } catch (EOFException e) {
                log.append("readInt: ").append(ex(e)).append('\n');
            }
            try {
                in.readFully(b, 3, -1);
            } catch (RuntimeException e) {
                log.append("bad bounds: ").append(ex(e)).append('\n');
            }
            in.close();
            try {
                in.read();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /** What the slow sink answers: the CRC32 and the count of what it read. */
    @Coroutine
    static String answer(Closeable s, byte[] expected) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(expected);
        DataInputStream in = new DataInputStream(in(s));
        long peerCrc = in.readLong();
        long count = in.readLong();
        return "peer crc matches=" + (peerCrc == crc.getValue()) + " count=" + count + " expected=" + expected.length
                + " then " + in.read() + "\n";
    }

    /** Lines, formats and characters through PrintWriter(socket stream, autoflush) to a slow reader. */
    @Coroutine
    static String printWriter(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            PrintWriter out = new PrintWriter(out(s), true);
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            PrintWriter mirror = new PrintWriter(mirrorBytes, true);
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < 6000; i++) {
                out.println("line " + i + " \u00e9\u20ac");
                mirror.println("line " + i + " \u00e9\u20ac");
                out.printf(Locale.ROOT, "%05d|%s|%.2f%n", i, "x", i / 7.0);
                mirror.printf(Locale.ROOT, "%05d|%s|%.2f%n", i, "x", i / 7.0);
                if (i % 500 == 0) {
                    out.print(i);
                    out.print(' ');
                    out.print(2.5);
                    out.write("abc", 1, 2);
                    out.append("q").append('r').append("stu", 1, 2);
                    out.println(new char[] {'a', 'b'});
                    out.format("%s%n", (Object) null);
                    mirror.print(i);
                    mirror.print(' ');
                    mirror.print(2.5);
                    mirror.write("abc", 1, 2);
                    mirror.append("q").append('r').append("stu", 1, 2);
                    mirror.println(new char[] {'a', 'b'});
                    mirror.format("%s%n", (Object) null);
                }
            }
            out.print("unflushed tail");
            mirror.print("unflushed tail");
            out.flush();
            mirror.flush();
            log.append("checkError=").append(out.checkError()).append('\n');
            shutdownOutput(s);
            log.append(answer(s, mirrorBytes.toByteArray()));
            out.close();
            out.println("after close");
            log.append("after close checkError=").append(out.checkError()).append('\n');
            return log.toString();
        }
    }

    /** BufferedWriter(OutputStreamWriter(socket stream, charset)) and a PrintWriter around it. */
    @Coroutine
    static String bufferedWriter(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out(s),
                    StandardCharsets.UTF_16BE));
            PrintWriter p = new PrintWriter(w);
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            BufferedWriter mw = new BufferedWriter(new OutputStreamWriter(mirrorBytes, StandardCharsets.UTF_16BE));
            PrintWriter mp = new PrintWriter(mw);
            for (int i = 0; i < 20000; i++) {
                w.write("w" + i);
                w.newLine();
                mw.write("w" + i);
                mw.newLine();
                p.println(i);
                mp.println(i);
            }
            p.flush();
            mp.flush();
            w.write("\uD83D"); // a lone surrogate: the JDK's encoder replaces it
            w.write('x');
            mw.write("\uD83D");
            mw.write('x');
            w.flush();
            mw.flush();
            shutdownOutput(s);
            return "checkError=" + p.checkError() + "\n" + answer(s, mirrorBytes.toByteArray());
        }
    }

    /** Every DataOutput call through DataOutputStream(BufferedOutputStream(socket stream)) to a slow reader. */
    @Coroutine
    static String dataOut(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(out(s), 4096));
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            DataOutputStream mirror = new DataOutputStream(mirrorBytes);
            byte[] block = new byte[3000];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) (i ^ 0x5a);
            }
            for (int i = 0; i < 20000; i++) {
                out.writeInt(i);
                out.writeLong(i * 31L);
                out.writeUTF("s" + i + "\u20ac");
                mirror.writeInt(i);
                mirror.writeLong(i * 31L);
                mirror.writeUTF("s" + i + "\u20ac");
                if (i % 100 == 0) {
                    out.write(block);
                    out.write(block, 10, 2000);
                    out.write(7);
                    out.writeChars("ab");
                    out.writeBytes("cd");
                    out.writeDouble(i / 3.0);
                    out.writeFloat(i / 7f);
                    out.writeShort(-i);
                    out.writeChar(i);
                    out.writeByte(i);
                    out.writeBoolean(i % 200 == 0);
                    mirror.write(block);
                    mirror.write(block, 10, 2000);
                    mirror.write(7);
                    mirror.writeChars("ab");
                    mirror.writeBytes("cd");
                    mirror.writeDouble(i / 3.0);
                    mirror.writeFloat(i / 7f);
                    mirror.writeShort(-i);
                    mirror.writeChar(i);
                    mirror.writeByte(i);
                    mirror.writeBoolean(i % 200 == 0);
                }
            }
            out.flush();
            StringBuilder log = new StringBuilder("size=" + out.size() + " mirror=" + mirror.size() + "\n");
            shutdownOutput(s);
            log.append(answer(s, mirrorBytes.toByteArray()));
            out.close();
            log.append("socket closed=").append(closed(s)).append('\n');
            out.writeInt(1); // into the buffer
            try {
                out.flush();
            } catch (IOException e) {
                log.append("flush after close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /**
     * Lines, formats, bytes and characters through PrintStream(socket stream, autoflush, charset name) to a slow
     * reader; then its close, and calls after it (the JDK's swallowed "Stream closed").
     */
    @Coroutine
    static String printStream(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            PrintStream out = new PrintStream(out(s), true, "UTF-8");
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            PrintStream mirror = new PrintStream(mirrorBytes, true, "UTF-8");
            StringBuilder log = new StringBuilder();
            byte[] raw = {'r', 'a', 'w', '\n', (byte) 0xC3, (byte) 0xA9};
            for (int i = 0; i < 6000; i++) {
                out.println("line " + i + " \u00e9\u20ac \uD83D\uDE00");
                mirror.println("line " + i + " \u00e9\u20ac \uD83D\uDE00");
                out.printf(Locale.ROOT, "%05d|%s|%.2f%n", i, "x", i / 7.0);
                mirror.printf(Locale.ROOT, "%05d|%s|%.2f%n", i, "x", i / 7.0);
                if (i % 500 == 0) {
                    out.print(i);
                    out.print(' ');
                    out.print(2.5);
                    out.print(-3L);
                    out.print(1.25f);
                    out.print(true);
                    out.print((Object) null);
                    out.print((String) null);
                    out.write('\n');
                    out.write(raw);
                    out.write(raw, 1, 3);
                    out.writeBytes(raw);
                    out.append("q").append('r').append("stu", 1, 2).append(null);
                    out.println(new char[] {'a', 'b'});
                    out.format("%s%n", (Object) null);
                    out.println(i % 2 == 0);
                    out.println('c');
                    out.println(7L);
                    out.println(0.5f);
                    out.println(0.25);
                    out.println(new StringBuilder("sb"));
                    out.println();
                    mirror.print(i);
                    mirror.print(' ');
                    mirror.print(2.5);
                    mirror.print(-3L);
                    mirror.print(1.25f);
                    mirror.print(true);
                    mirror.print((Object) null);
                    mirror.print((String) null);
                    mirror.write('\n');
                    mirror.write(raw);
                    mirror.write(raw, 1, 3);
                    mirror.writeBytes(raw);
                    mirror.append("q").append('r').append("stu", 1, 2).append(null);
                    mirror.println(new char[] {'a', 'b'});
                    mirror.format("%s%n", (Object) null);
                    mirror.println(i % 2 == 0);
                    mirror.println('c');
                    mirror.println(7L);
                    mirror.println(0.5f);
                    mirror.println(0.25);
                    mirror.println(new StringBuilder("sb"));
                    mirror.println();
                }
            }
            out.print("unflushed tail \u20ac");
            mirror.print("unflushed tail \u20ac");
            out.flush();
            mirror.flush();
            log.append("checkError=").append(out.checkError()).append('\n');
            try {
                out.write(raw, 4, 3);
            } catch (RuntimeException e) {
                log.append("bad bounds: ").append(ex(e)).append('\n');
            }
            shutdownOutput(s);
            log.append(answer(s, mirrorBytes.toByteArray()));
            out.close();
            out.println("after close");
            out.write(1);
            log.append("after close checkError=").append(out.checkError()).append(" socket closed=")
                    .append(closed(s)).append('\n');
            return log.toString();
        }
    }

    /**
     * PrintStream(BufferedOutputStream(socket stream, 100), no autoflush, charset) to a slow reader: nothing goes
     * before the buffer fills or a flush; a UTF-16 charset; writes to a peer that is gone set checkError.
     */
    @Coroutine
    static String printStreamBuffered(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            PrintStream out = new PrintStream(new BufferedOutputStream(out(s), 100), false,
                    StandardCharsets.UTF_16LE);
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            PrintStream mirror = new PrintStream(new BufferedOutputStream(mirrorBytes, 100), false,
                    StandardCharsets.UTF_16LE);
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < 30000; i++) {
                out.println("p" + i + "\uD83D");
                mirror.println("p" + i + "\uD83D");
                if (i % 1000 == 0) {
                    out.write(new byte[5000], 0, 5000);
                    mirror.write(new byte[5000], 0, 5000);
                }
            }
            out.flush();
            mirror.flush();
            log.append("checkError=").append(out.checkError()).append('\n');
            shutdownOutput(s);
            log.append(answer(s, mirrorBytes.toByteArray()));
            out.println("to a shut down socket");
            log.append("after shutdown checkError=").append(out.checkError()).append('\n');
            out.close();
            return log.toString();
        }
    }

    /**
     * A tokenizer over PushbackInputStream(BufferedInputStream(socket stream), 8) against a trickling peer: runs of
     * letters and of other bytes, the byte that ends a run pushed back; reads of pushed-back bytes, overflow, EOF,
     * close.
     */
    @Coroutine
    static String pushbackStream(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(in(s)), 8);
            StringBuilder log = new StringBuilder();
            try {
                new PushbackInputStream(in(s), 0);
            } catch (IllegalArgumentException e) {
                log.append("size 0: ").append(ex(e)).append('\n');
            }
            byte[] three = new byte[3];
            int n = 0;
            while (n < 3) {
                n += in.read(three, n, 3 - n);
            }
            in.unread(three);
            in.unread('>');
            byte[] four = new byte[4];
            log.append("pushed back ").append(in.read(four, 0, 4)).append(' ').append(new String(four, 0, 4,
                    StandardCharsets.ISO_8859_1)).append(" available>=0 ").append(in.available() >= 0).append('\n');
            try {
                in.unread(new byte[9]);
            } catch (IOException e) {
                log.append("overflow: ").append(ex(e)).append('\n');
            }
            int tokens = 0;
            for (int c; (c = in.read()) >= 0;) {
                boolean letter = Character.isLetter(c);
                ByteArrayOutputStream token = new ByteArrayOutputStream();
                token.write(c);
                for (int d; (d = in.read()) >= 0;) {
                    if (Character.isLetter(d) != letter) {
                        in.unread(d);
                        break;
                    }
                    token.write(d);
                }
                log.append(letter ? "[" : "(").append(Arrays.toString(token.toByteArray())).append(letter ? "]" : ")");
                if (++tokens % 8 == 0) {
                    log.append('\n');
                }
            }
            log.append("\neof ").append(in.read()).append(' ').append(in.read(four)).append(' ')
                    .append(in.read(four, 0, 0)).append('\n');
            in.unread('z');
            in.unread('y');
            log.append("after eof, pushed back: ").append(Arrays.toString(in.readAllBytes())).append('\n');
            try {
                in.read(four, 3, 2);
            } catch (RuntimeException e) {
                log.append("bad bounds: ").append(ex(e)).append('\n');
            }
            in.close();
            try {
                in.read();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            try {
                in.unread(1);
            } catch (IOException e) {
                log.append("unread after close: ").append(ex(e)).append('\n');
            }
            log.append("socket closed=").append(closed(s)).append('\n');
            return log.toString();
        }
    }

    /**
     * Words over PushbackReader(InputStreamReader(socket stream, UTF-8), 4) against a trickling peer: the char that
     * ends a word pushed back, several pushed back and read again, overflow, EOF, close.
     */
    @Coroutine
    static String pushbackReader(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            PushbackReader r = new PushbackReader(new InputStreamReader(in(s), StandardCharsets.UTF_8),
                    4);
            StringBuilder log = new StringBuilder();
            char[] two = new char[2];
            int n = 0;
            while (n < 2) {
                n += r.read(two, n, 2 - n);
            }
            r.unread(two);
            r.unread('<');
            char[] three = new char[3];
            log.append("pushed back ").append(r.read(three, 0, 3)).append(' ').append(three).append('\n');
            try {
                r.unread("12345".toCharArray());
            } catch (IOException e) {
                log.append("overflow: ").append(ex(e)).append('\n');
            }
            int words = 0;
            for (int c; (c = r.read()) >= 0;) {
                boolean space = Character.isWhitespace(c);
                StringBuilder w = new StringBuilder().append((char) c);
                for (int d; (d = r.read()) >= 0;) {
                    if (Character.isWhitespace(d) != space) {
                        r.unread(d);
                        break;
                    }
                    w.append((char) d);
                }
                if (!space) {
                    log.append('[').append(w).append(']');
                    if (++words % 6 == 0) {
                        log.append('\n');
                    }
                }
            }
            log.append("\neof ").append(r.read()).append(' ').append(r.read(three)).append('\n');
            r.unread("ab".toCharArray());
            log.append("after eof ").append(r.read(three, 0, 3)).append(' ').append(three, 0, 2).append(' ')
                    .append(r.read()).append('\n');
            r.close();
            try {
                r.read();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            log.append("socket closed=").append(closed(s)).append('\n');
            return log.toString();
        }
    }

    /**
     * readNBytes, skip and transferTo on DataInputStream(BufferedInputStream(socket stream, 16)) against a trickling
     * peer: the frames read back, bad arguments, EOF.
     */
    @Coroutine
    static String streamLoops(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(in(s), 16));
            StringBuilder log = new StringBuilder();
            int len = in.readInt();
            log.append(len).append(' ').append(Arrays.toString(in.readNBytes(len))).append(' ').append(in.readUTF());
            long skipped = 0;
            while (skipped < 8) {
                long k = in.skip(8 - skipped);
                if (k <= 0) {
                    break;
                }
                skipped += k;
            }
            byte[] d = new byte[12];
            int n = in.readNBytes(d, 2, 8);
            log.append(" skipped ").append(skipped).append(' ').append(n).append(' ')
                    .append(java.nio.ByteBuffer.wrap(d, 2, 8).getDouble()).append('\n');
            try {
                in.readNBytes(-1);
            } catch (IllegalArgumentException e) {
                log.append("readNBytes(-1): ").append(ex(e)).append('\n');
            }
            try {
                in.readNBytes(d, 5, 10);
            } catch (RuntimeException e) {
                log.append("bad bounds: ").append(ex(e)).append('\n');
            }
            log.append("none: ").append(in.readNBytes(d, 0, 0)).append(' ').append(in.readNBytes(0).length)
                    .append(" skip(0)=").append(in.skip(0)).append(" skip(-1)=").append(in.skip(-1)).append('\n');
            byte[] next = in.readNBytes(4 + 2 + 1 + 1 + 1 + 1 + 4);
            log.append(Arrays.toString(next)).append('\n');
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            long t = in.transferTo(rest);
            log.append("transferred ").append(t).append(" hash=").append(Arrays.hashCode(rest.toByteArray()))
                    .append('\n');
            log.append("eof: ").append(in.readNBytes(5).length).append(' ').append(in.readNBytes(d, 0, 4)).append(' ')
                    .append(in.skip(5)).append(' ').append(in.transferTo(rest)).append(' ').append(in.read())
                    .append('\n');
            try {
                in.transferTo(null);
            } catch (NullPointerException e) {
                log.append("transferTo(null): ").append(e.getClass().getName()).append('\n');
            }
            in.close();
            try {
                in.readNBytes(3);
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /** Chars as a transcript shows them: line ends spelled out. */
    static String shown(CharSequence cs) {
        return cs.toString().replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * LineNumberReader(InputStreamReader(socket stream, UTF-8)) against a trickling peer (a '\r' and its '\n' come
     * in separate reads): read() giving '\n' for '\r' and dropping the '\n' after it, mark/reset restoring the line
     * number, setLineNumber, arrays, readLine, the last line without terminator counted at EOF, skip, close.
     */
    @Coroutine
    static String lineNumbers(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            LineNumberReader r = new LineNumberReader(new InputStreamReader(in(s),
                    StandardCharsets.UTF_8));
            StringBuilder log = new StringBuilder("at start ").append(r.getLineNumber()).append('\n');
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < 11; i++) {
                first.append((char) r.read()); // "first line" and '\n' for its '\r'
            }
            log.append(shown(first)).append(" line ").append(r.getLineNumber()).append('\n');
            r.mark(100);
            log.append("after mark read ").append((char) r.read()).append(" line ").append(r.getLineNumber());
            r.reset();
            log.append(" reset: line ").append(r.getLineNumber()).append('\n');
            log.append('[').append(r.readLine()).append("] line ").append(r.getLineNumber()).append('\n');
            r.setLineNumber(10);
            char[] seven = new char[7];
            int n = 0;
            while (n < seven.length) {
                n += r.read(seven, n, seven.length - n); // "third\n\n" after "second..\r"
            }
            log.append(shown(new String(seven))).append(" line ").append(r.getLineNumber()).append('\n');
            r.mark(1000);
            String marked = r.readLine();
            int markedLine = r.getLineNumber();
            r.reset();
            log.append("readLine after mark [").append(marked).append("] line ").append(markedLine)
                    .append(" reset: line ").append(r.getLineNumber()).append('\n');
            for (String line; (line = r.readLine()) != null;) {
                log.append(r.getLineNumber()).append(": [").append(line).append("]\n");
            }
            log.append("eof: ").append(r.readLine()).append(' ').append(r.read()).append(' ').append(r.read(seven))
                    .append(" skip ").append(r.skip(5)).append(" line ").append(r.getLineNumber()).append('\n');
            try {
                r.skip(-1);
            } catch (IllegalArgumentException e) {
                log.append("skip(-1): ").append(ex(e)).append('\n');
            }
            try {
                r.read(seven, 5, 3);
            } catch (RuntimeException e) {
                log.append("bad bounds: ").append(ex(e)).append('\n');
            }
            r.reset(); // the mark of 1000 chars holds: back before the fourth line, after EOF
            log.append("reset after eof: line ").append(r.getLineNumber()).append(" [").append(r.readLine())
                    .append("] line ").append(r.getLineNumber()).append('\n');
            r.close();
            try {
                r.readLine();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            try {
                r.read();
            } catch (IOException e) {
                log.append("read after close: ").append(ex(e)).append('\n');
            }
            log.append("skip(0) after close ").append(r.skip(0)).append(" line ").append(r.getLineNumber())
                    .append(" socket closed=").append(closed(s)).append('\n');
            return log.toString();
        }
    }

    /**
     * LineNumberReader around coro's other readers: a BufferedReader (a buffer of 4 chars: lines longer than
     * it), read in arrays; a PushbackReader, one char at a time; both counting lines the JDK's way.
     */
    @Coroutine
    static String lineNumbersAround(String over, int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Closeable s = connect(over, port)) {
            LineNumberReader r = new LineNumberReader(new BufferedReader(new InputStreamReader(in(s),
                    StandardCharsets.UTF_8)), 4);
            StringBuilder all = new StringBuilder();
            char[] buf = new char[5];
            for (int n; (n = r.read(buf, 0, buf.length)) >= 0;) {
                all.append(buf, 0, n);
            }
            log.append(shown(all)).append("\nlines ").append(r.getLineNumber()).append(' ').append(r.read(buf))
                    .append(' ').append(r.getLineNumber()).append('\n');
        }
        try (Closeable s = connect(over, port)) {
            LineNumberReader r = new LineNumberReader(new PushbackReader(new InputStreamReader(in(s),
                    StandardCharsets.UTF_8), 2));
            StringBuilder all = new StringBuilder();
            for (int c; (c = r.read()) >= 0;) {
                all.append((char) c);
                if (c == '\n') {
                    all.append(r.getLineNumber()).append('|');
                }
            }
            log.append(shown(all)).append("\nlines ").append(r.getLineNumber()).append('\n');
            try {
                new LineNumberReader(new InputStreamReader(in(s)), 0);
            } catch (IllegalArgumentException e) {
                log.append("size 0: ").append(ex(e)).append('\n');
            }
        }
        return log.toString();
    }

    /**
     * The deprecated DataInputStream.readLine against a trickling peer: around a BufferedInputStream, then around
     * the socket stream itself mixed with single-byte reads after a line ended by a lone '\r'.
     */
    @Coroutine
    @SuppressWarnings("deprecation")
    static String dataLines(String over, int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Closeable s = connect(over, port)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(in(s)));
            for (String line; (line = in.readLine()) != null;) {
                log.append('[').append(line).append("]\n");
            }
            log.append("eof: ").append(in.readLine()).append(' ').append(in.read()).append('\n');
        }
        try (Closeable s = connect(over, port)) {
            DataInputStream in = new DataInputStream(in(s));
            log.append('[').append(in.readLine()).append("][").append(in.readLine()).append("] then ")
                    .append((char) in.read()).append(" [").append(in.readLine()).append("] ")
                    .append(in.readUnsignedByte()).append(' ');
            byte[] three = new byte[3];
            in.readFully(three);
            log.append(Arrays.toString(three)).append('\n');
            for (String line; (line = in.readLine()) != null;) {
                log.append('[').append(line).append("]\n");
            }
            log.append("markSupported=").append(in.markSupported());
            in.mark(10);
            try {
                in.reset();
            } catch (IOException e) {
                log.append(" reset: ").append(ex(e));
            }
            in.close();
            try {
                in.readLine();
            } catch (IOException e) {
                log.append(" after close: ").append(ex(e)).append('\n');
            }
        }
        try (Closeable s = connect(over, port)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(in(s), 5));
            log.append("markSupported=").append(in.markSupported());
            in.mark(100);
            log.append(" [").append(in.readLine()).append("] ");
            in.reset();
            log.append(" again [").append(in.readLine()).append("][").append(in.readLine()).append("]\n");
            for (String line; (line = in.readLine()) != null;) {
                log.append('[').append(line).append("]\n");
            }
            in.close();
            try {
                in.readLine();
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
        }
        return log.toString();
    }

    /**
     * skip and transferTo of the readers against a trickling peer: BufferedReader, InputStreamReader,
     * PushbackReader (with pushed-back chars) and LineNumberReader (which counts the lines it skips and transfers);
     * their checks, EOF, close.
     */
    @Coroutine
    static String readerLoops(String over, int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Closeable s = connect(over, port)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in(s), StandardCharsets.UTF_8));
            log.append("skip ").append(r.skip(12)).append(' ').append(r.skip(0)).append(" [").append(r.readLine())
                    .append("]\n");
            try {
                r.skip(-1);
            } catch (IllegalArgumentException e) {
                log.append("skip(-1): ").append(ex(e)).append('\n');
            }
            StringWriter w = new StringWriter();
            long t = r.transferTo(w);
            log.append("transferred ").append(t).append(' ').append(shown(w.toString())).append('\n');
            log.append("eof: ").append(r.skip(3)).append(' ').append(r.transferTo(w)).append('\n');
            try {
                r.transferTo(null);
            } catch (NullPointerException e) {
                log.append("transferTo(null): ").append(ex(e)).append('\n');
            }
            r.close();
            try {
                r.skip(0);
            } catch (IOException e) {
                log.append("skip(0) after close: ").append(ex(e)).append('\n');
            }
            try {
                r.transferTo(w);
            } catch (IOException e) {
                log.append("transferTo after close: ").append(ex(e)).append('\n');
            }
        }
        try (Closeable s = connect(over, port)) {
            InputStreamReader r = new InputStreamReader(in(s), StandardCharsets.UTF_8);
            log.append("skip ").append(r.skip(25)).append(' ').append((char) r.read());
            StringWriter w = new StringWriter();
            log.append(" transferred ").append(r.transferTo(w)).append(' ').append(shown(w.toString())).append('\n');
            r.close();
            log.append("skip(0) after close ").append(r.skip(0));
            try {
                r.skip(1);
            } catch (IOException e) {
                log.append(" skip(1): ").append(ex(e)).append('\n');
            }
        }
        try (Closeable s = connect(over, port)) {
            PushbackReader r = new PushbackReader(new InputStreamReader(in(s), StandardCharsets.UTF_8),
                    4);
            char[] two = new char[2];
            int n = 0;
            while (n < 2) {
                n += r.read(two, n, 2 - n);
            }
            r.unread(two);
            log.append("pushback skip ").append(r.skip(5)).append(' ').append((char) r.read());
            r.unread('x');
            StringWriter w = new StringWriter();
            log.append(" transferred ").append(r.transferTo(w)).append(' ').append(shown(w.toString())).append('\n');
            r.close();
            try {
                r.skip(0);
            } catch (IOException e) {
                log.append("skip(0) after close: ").append(ex(e)).append('\n');
            }
        }
        try (Closeable s = connect(over, port)) {
            LineNumberReader r = new LineNumberReader(new InputStreamReader(in(s),
                    StandardCharsets.UTF_8));
            log.append("lines skip ").append(r.skip(13)).append(" line ").append(r.getLineNumber()).append(" [")
                    .append(r.readLine()).append("] line ").append(r.getLineNumber());
            StringWriter w = new StringWriter();
            log.append(" transferred ").append(r.transferTo(w)).append(" line ").append(r.getLineNumber())
                    .append(' ').append(shown(w.toString())).append('\n');
            log.append("eof skip ").append(r.skip(2)).append(" line ").append(r.getLineNumber()).append('\n');
        }
        return log.toString();
    }

    /**
     * BufferedReader's buffer against a trickling peer, with a buffer of 4 chars (lines longer than it): reset
     * without a mark, a negative limit, a mark whose read-ahead limit a line passes while readLine waits for its
     * end, a line read again after reset (the '\n' before it dropped once), ready() over reset chars,
     * skip, a '\n' still to drop restored by reset, arrays larger than the buffer, EOF, close.
     */
    @Coroutine
    static String bufferMarks(String over, int port) throws Exception {
        try (Closeable s = connect(over, port)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in(s), StandardCharsets.UTF_8), 4);
            StringBuilder log = new StringBuilder("markSupported=").append(r.markSupported()).append('\n');
            try {
                r.reset();
            } catch (IOException e) {
                log.append("reset: ").append(ex(e)).append('\n');
            }
            try {
                r.mark(-1);
            } catch (IllegalArgumentException e) {
                log.append("mark(-1): ").append(ex(e)).append('\n');
            }
            r.mark(3); // "first line": the limit is passed while readLine waits for the line's end
            log.append('[').append(r.readLine()).append("] ");
            try {
                r.reset();
                log.append("reset [").append(r.readLine()).append("]\n");
            } catch (IOException e) {
                log.append("reset past the limit: ").append(ex(e)).append('\n');
            }
            r.mark(100);
            log.append('[').append(r.readLine()).append("] ");
            r.reset();
            log.append("reset [").append(r.readLine()).append("] then ").append((char) r.read()).append(" [")
                    .append(r.readLine()).append("]\n");
            r.mark(50);
            char[] five = new char[5];
            int n = 0;
            while (n < five.length) {
                n += r.read(five, n, five.length - n);
            }
            log.append(shown(new String(five))).append(" skip ").append(r.skip(3));
            r.reset();
            log.append(" reset: ready=").append(r.ready()).append(" [").append(r.readLine()).append("][")
                    .append(r.readLine()).append("]\n");
            r.mark(2); // after a line ended at '\r': the '\n' is still to drop, and again after reset
            log.append("after the line's \\r ").append((char) r.read());
            r.reset();
            log.append(" reset ").append((char) r.read()).append('\n');
            StringBuilder rest = new StringBuilder();
            char[] big = new char[64];
            for (int k; (k = r.read(big, 0, big.length)) > 0;) {
                rest.append(big, 0, k);
            }
            log.append(shown(rest)).append("\neof: ").append(r.read()).append(' ').append(r.read(big, 0, 64))
                    .append(' ').append(r.readLine()).append(' ').append(r.skip(2));
            try {
                r.reset();
            } catch (IOException e) {
                log.append(" reset: ").append(ex(e));
            }
            r.close();
            try {
                r.ready();
            } catch (IOException e) {
                log.append("\nready after close: ").append(ex(e));
            }
            try {
                r.mark(1);
            } catch (IOException e) {
                log.append("\nmark after close: ").append(ex(e));
            }
            try {
                r.reset();
            } catch (IOException e) {
                log.append("\nreset after close: ").append(ex(e));
            }
            log.append("\nsocket closed=").append(closed(s)).append('\n');
            return log.toString();
        }
    }
}
