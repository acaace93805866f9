package dev.coro.tests.patching.conformance;

import dev.coro.Coroutine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.LineNumberReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.PushbackInputStream;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JDK's stream wrappers around the streams of a blocking {@code SocketChannel}
 * ({@code Channels.newInputStream/newOutputStream}): every scenario of {@link StreamWrapperScenarios} over a channel
 * instead of a socket (the same code, its transport {@link StreamWrapperScenarios#CHANNEL}), plus the channel's own
 * cases here (the user's non-blocking mode, a channel closed under its wrappers, the channel's stream alone), each
 * scenario returning a transcript of what it observed; {@link ChannelWrapperConformanceTest} runs them as the JDK
 * does (an unrewritten copy of this class and of {@link StreamWrapperScenarios}), rewritten on a plain thread, and
 * rewritten in coroutines, and compares. Same rules as {@link Scenarios}: no lambdas or nested classes, nothing
 * timing-dependent in the output.
 */
public final class ChannelWrapperScenarios {
    private ChannelWrapperScenarios() {
    }

    @Coroutine
    public static String run(String name, int port) throws Exception {
        switch (name) {
            case "nonBlocking":
                return nonBlocking(port);
            case "closedChannel":
                return closedChannel(port);
            case "rawLoops":
                return rawLoops(port);
            default:
                return StreamWrapperScenarios.run(StreamWrapperScenarios.CHANNEL, name, port);
        }
    }

    static String ex(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    @Coroutine
    static SocketChannel connect(int port) throws IOException {
        return StreamWrapperScenarios.connectChannel(port);
    }

    /**
     * The user put the channel in non-blocking mode: every wrapper's read or send fails as the JDK's channel
     * streams do ({@code IllegalBlockingModeException}), buffered bytes stay buffered, and once the channel is
     * blocking again the same wrappers send what they hold. The peer answers the CRC32 and count of what it got.
     */
    @Coroutine
    static String nonBlocking(int port) throws Exception {
        try (SocketChannel s = connect(port)) {
            s.configureBlocking(false);
            StringBuilder log = new StringBuilder("blocking=" + s.isBlocking() + "\n");
            InputStream raw = Channels.newInputStream(s);
            OutputStream rawOut = Channels.newOutputStream(s);
            BufferedReader r = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8));
            try {
                Object got = r.readLine();
                log.append("readLine ").append(got).append('\n');
            } catch (RuntimeException | IOException e) {
                log.append("readLine: ").append(ex(e)).append('\n');
            }
            DataInputStream d = new DataInputStream(new BufferedInputStream(raw));
            try {
                Object got = d.readInt();
                log.append("readInt ").append(got).append('\n');
            } catch (RuntimeException | IOException e) {
                log.append("readInt: ").append(ex(e)).append('\n');
            }
            PushbackInputStream p = new PushbackInputStream(raw);
            p.unread(7);
            log.append("pushed back ").append(p.read()).append('\n');
            try {
                Object got = p.read();
                log.append("read ").append(got).append('\n');
            } catch (RuntimeException | IOException e) {
                log.append("read: ").append(ex(e)).append('\n');
            }
            LineNumberReader ln = new LineNumberReader(new InputStreamReader(new BufferedInputStream(raw)));
            try {
                Object got = ln.readLine();
                log.append("line ").append(got).append('\n');
            } catch (RuntimeException | IOException e) {
                log.append("LineNumberReader: ").append(ex(e)).append(" at ").append(ln.getLineNumber()).append('\n');
            }
            DataOutputStream o = new DataOutputStream(new BufferedOutputStream(rawOut));
            o.writeInt(5); // buffered: nothing sent yet
            log.append("buffered ").append(o.size()).append('\n');
            try {
                o.flush();
            } catch (RuntimeException | IOException e) {
                log.append("flush: ").append(ex(e)).append('\n');
            }
            OutputStreamWriter w = new OutputStreamWriter(rawOut, StandardCharsets.UTF_8);
            w.write("abc");
            try {
                w.flush();
            } catch (RuntimeException | IOException e) {
                log.append("writer flush: ").append(ex(e)).append('\n');
            }
            PrintWriter pw = new PrintWriter(rawOut, true);
            try {
                pw.println("x");
                log.append("PrintWriter checkError=").append(pw.checkError()).append('\n');
            } catch (RuntimeException e) {
                log.append("PrintWriter: ").append(ex(e)).append('\n');
            }
            PrintStream ps = new PrintStream(rawOut, true);
            try {
                ps.println("y");
                log.append("PrintStream checkError=").append(ps.checkError()).append('\n');
            } catch (RuntimeException e) {
                log.append("PrintStream: ").append(ex(e)).append('\n');
            }
            BufferedWriter bw = new BufferedWriter(new OutputStreamWriter(rawOut));
            bw.write("z");
            bw.newLine();
            try {
                bw.flush();
            } catch (RuntimeException | IOException e) {
                log.append("BufferedWriter flush: ").append(ex(e)).append('\n');
            }
            s.configureBlocking(true);
            o.flush(); // the int buffered above goes now
            o.writeUTF("after");
            o.flush();
            w.flush();
            bw.flush();
            pw.flush();
            ps.flush();
            log.append("blocking again, sent ").append(o.size()).append('\n');
            s.shutdownOutput();
            DataInputStream a = new DataInputStream(Channels.newInputStream(s));
            log.append("peer crc=").append(a.readLong()).append(" count=").append(a.readLong()).append('\n');
            return log.toString();
        }
    }

    /** Wrappers made around the streams of a channel closed meanwhile: the JDK's ClosedChannelException. */
    @Coroutine
    static String closedChannel(int port) throws Exception {
        SocketChannel s = connect(port);
        InputStream raw = Channels.newInputStream(s);
        OutputStream rawOut = Channels.newOutputStream(s);
        s.close();
        StringBuilder log = new StringBuilder("open=" + s.isOpen() + "\n");
        BufferedReader r = new BufferedReader(new InputStreamReader(raw));
        try {
            Object got = r.readLine();
            log.append("readLine ").append(got).append('\n');
        } catch (IOException e) {
            log.append("readLine: ").append(ex(e)).append('\n');
        }
        DataInputStream d = new DataInputStream(new BufferedInputStream(raw));
        try {
            Object got = d.readInt();
            log.append("readInt ").append(got).append('\n');
        } catch (IOException e) {
            log.append("readInt: ").append(ex(e)).append('\n');
        }
        try {
            Object got = new BufferedInputStream(raw).readAllBytes().length;
            log.append("readAllBytes ").append(got).append('\n');
        } catch (IOException e) {
            log.append("readAllBytes: ").append(ex(e)).append('\n');
        }
        DataOutputStream o = new DataOutputStream(new BufferedOutputStream(rawOut));
        o.writeInt(1);
        try {
            o.flush();
        } catch (IOException e) {
            log.append("flush: ").append(ex(e)).append('\n');
        }
        PrintWriter pw = new PrintWriter(rawOut, true);
        pw.println("x");
        log.append("PrintWriter checkError=").append(pw.checkError()).append('\n');
        PrintStream ps = new PrintStream(rawOut, true);
        ps.println("y");
        log.append("PrintStream checkError=").append(ps.checkError()).append('\n');
        Writer w = new BufferedWriter(new OutputStreamWriter(rawOut, StandardCharsets.UTF_8));
        w.write("z");
        try {
            w.close();
        } catch (IOException e) {
            log.append("writer close: ").append(ex(e)).append('\n');
        }
        return log.toString();
    }

    /**
     * readNBytes, skip and transferTo on the channel's own stream (no wrapper) against a trickling peer: the JDK's
     * skip reads until it skipped them all; bad arguments; EOF.
     */
    @Coroutine
    static String rawLoops(int port) throws Exception {
        try (SocketChannel s = connect(port)) {
            InputStream in = Channels.newInputStream(s);
            StringBuilder log = new StringBuilder();
            byte[] four = in.readNBytes(4);
            int len = java.nio.ByteBuffer.wrap(four).getInt();
            byte[] d = new byte[len + 4];
            log.append(len).append(' ').append(in.readNBytes(d, 2, len)).append(' ').append(Arrays.toString(d));
            log.append(" skipped ").append(in.skip(30)).append('\n');
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
            try {
                in.read(d, 6, 2);
            } catch (RuntimeException e) {
                log.append("read bad bounds: ").append(ex(e)).append('\n');
            }
            try {
                Channels.newOutputStream(s).write(d, -1, 2);
            } catch (RuntimeException e) {
                log.append("write bad bounds: ").append(ex(e)).append('\n');
            }
            log.append("none: ").append(in.readNBytes(d, 0, 0)).append(' ').append(in.readNBytes(0).length)
                    .append(" skip(0)=").append(in.skip(0)).append(" skip(-1)=").append(in.skip(-1)).append('\n');
            log.append(Arrays.toString(in.readNBytes(13))).append('\n');
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            long t = in.transferTo(rest);
            log.append("transferred ").append(t).append(" hash=").append(Arrays.hashCode(rest.toByteArray()))
                    .append('\n');
            log.append("eof: ").append(in.readNBytes(5).length).append(' ').append(in.readNBytes(d, 0, 4)).append(' ')
                    .append(in.skip(5)).append(' ').append(in.transferTo(rest)).append(' ').append(in.read())
                    .append('\n');
            in.close();
            try {
                in.readNBytes(3);
            } catch (IOException e) {
                log.append("after close: ").append(ex(e)).append('\n');
            }
            try {
                in.skip(3);
            } catch (IOException e) {
                log.append("skip after close: ").append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }
}
