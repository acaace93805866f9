package dev.coro.tests.patching.conformance;

import dev.coro.Coroutine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Socket and stream scenarios written once, in ordinary blocking java.net code, each returning a transcript of
 * everything it could observe: values, exception classes and messages, EOFs, states. {@link SocketConformanceTest}
 * runs each one three ways and compares the transcripts: the JDK's own code (an unrewritten copy of this class, see
 * {@code plain.PlainCopy}), this class rewritten by the agent but called from a plain thread, and rewritten inside
 * coroutines on one loop. Only the code under test lives here: the other end of each connection is a scripted
 * {@code plain.Peer} on JDK threads. Keep this class free of lambdas and nested classes that the copy would need
 * to load, and of timing-dependent output (the number of bytes a read returns is up to the kernel; what arrives,
 * in order, is not).
 */
public final class Scenarios {
    private Scenarios() {
    }

    /** The scenarios by name; each takes the port of its peer (0 if it needs none). */
    @Coroutine
    public static String run(String name, int port) throws Exception {
        switch (name) {
            case "api":
                return api();
            case "refused":
                return refused();
            case "readTimeout":
                return readTimeout(port);
            case "halfClose":
                return halfClose(port);
            case "trickle":
                return trickle(port);
            case "closeMidMessage":
                return closeMidMessage(port);
            case "reset":
                return reset(port);
            case "largeWrite":
                return largeWrite(port);
            default:
                throw new IllegalArgumentException("no scenario " + name);
        }
    }

    static String ex(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    /** Reads until {@code n} bytes or EOF; returns what it got. */
    @Coroutine
    static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return java.util.Arrays.copyOf(b, got);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** The socket API on a connected pair, one thread: states, reads, EOF, half-close, close, timeouts of accept. */
    @Coroutine
    static String api() throws Exception {
        StringBuilder log = new StringBuilder();
        InetAddress lo = InetAddress.getLoopbackAddress();
        ServerSocket server = new ServerSocket(0, 50, lo);
        InetSocketAddress where = new InetSocketAddress(lo, server.getLocalPort());
        Socket c = new Socket();
        log.append("new: connected=").append(c.isConnected()).append(" bound=").append(c.isBound())
                .append(" closed=").append(c.isClosed()).append('\n');
        try {
            c.getInputStream();
        } catch (IOException e) {
            log.append("stream before connect: ").append(ex(e)).append('\n');
        }
        try {
            c.setSoTimeout(-1);
        } catch (IllegalArgumentException e) {
            log.append("negative timeout: ").append(ex(e)).append('\n');
        }
        try {
            c.connect(where, -1);
        } catch (IllegalArgumentException e) {
            log.append("negative connect timeout: ").append(ex(e)).append('\n');
        }
        c.connect(where);
        log.append("connected=").append(c.isConnected()).append(" bound=").append(c.isBound())
                .append(" port ok=").append(c.getPort() == server.getLocalPort()).append('\n');
        try {
            c.connect(where);
        } catch (IOException e) {
            log.append("connect again: ").append(ex(e)).append('\n');
        }
        Socket a = server.accept();
        log.append("accepted: connected=").append(a.isConnected()).append(" peer port ok=")
                .append(a.getPort() == c.getLocalPort()).append('\n');
        OutputStream out = c.getOutputStream();
        InputStream in = a.getInputStream();
        out.write("abcdef".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        log.append("read()=").append((char) in.read()).append('\n');
        log.append("available()=").append(in.available()).append('\n');
        byte[] b = new byte[10];
        log.append("read(b,0,0)=").append(in.read(b, 0, 0)).append('\n');
        try {
            in.read(b, 5, 10);
        } catch (IndexOutOfBoundsException e) {
            log.append("read(b,5,10): ").append(e.getClass().getName()).append('\n');
        }
        try {
            out.write(b, -1, 2);
        } catch (IndexOutOfBoundsException e) {
            log.append("write(b,-1,2): ").append(e.getClass().getName()).append('\n');
        }
        log.append("rest=").append(text(readN(in, 5))).append('\n');
        c.shutdownOutput();
        log.append("after shutdownOutput: outputShutdown=").append(c.isOutputShutdown()).append(" inputShutdown=")
                .append(c.isInputShutdown()).append('\n');
        log.append("peer reads: ").append(in.read()).append(' ').append(in.read()).append(' ').append(in.read(b))
                .append(" available=").append(in.available()).append('\n');
        try {
            c.getOutputStream();
        } catch (IOException e) {
            log.append("getOutputStream after shutdownOutput: ").append(ex(e)).append('\n');
        }
        try {
            out.write(1);
        } catch (IOException e) {
            log.append("write after shutdownOutput: ").append(ex(e)).append('\n');
        }
        a.getOutputStream().write("xyz".getBytes(StandardCharsets.US_ASCII));
        a.close();
        log.append("peer closed: closed=").append(a.isClosed()).append(" connected=").append(a.isConnected())
                .append('\n');
        try {
            a.getInputStream();
        } catch (IOException e) {
            log.append("stream of a closed socket: ").append(ex(e)).append('\n');
        }
        try {
            in.read();
        } catch (IOException e) {
            log.append("read on a closed socket: ").append(ex(e)).append('\n');
        }
        InputStream cin = c.getInputStream();
        log.append("after peer close: ").append(text(readN(cin, 3))).append(' ').append(cin.read()).append(' ')
                .append(cin.read()).append('\n');
        c.shutdownInput();
        log.append("after shutdownInput: inputShutdown=").append(c.isInputShutdown()).append(" read=")
                .append(cin.read()).append('\n');
        try {
            c.getInputStream();
        } catch (IOException e) {
            log.append("getInputStream after shutdownInput: ").append(ex(e)).append('\n');
        }
        c.close();
        c.close();
        log.append("closed: closed=").append(c.isClosed()).append(" connected=").append(c.isConnected())
                .append(" bound=").append(c.isBound()).append('\n');
        try {
            cin.read();
        } catch (IOException e) {
            log.append("read after close: ").append(ex(e)).append('\n');
        }
        try {
            c.getSoTimeout();
        } catch (IOException e) {
            log.append("getSoTimeout after close: ").append(ex(e)).append('\n');
        }
        server.setSoTimeout(50);
        long t0 = System.nanoTime();
        try {
            server.accept();
        } catch (IOException e) {
            log.append("accept with SO_TIMEOUT: ").append(ex(e)).append(" waited=")
                    .append(System.nanoTime() - t0 >= 45_000_000L).append('\n');
        }
        server.close();
        try {
            server.accept();
        } catch (IOException e) {
            log.append("accept after close: ").append(ex(e)).append(" closed=").append(server.isClosed())
                    .append('\n');
        }
        return log.toString();
    }

    /** Connecting to a port nobody listens on, both ways a socket connects. */
    @Coroutine
    static String refused() throws Exception {
        StringBuilder log = new StringBuilder();
        InetAddress lo = InetAddress.getLoopbackAddress();
        ServerSocket gone = new ServerSocket(0, 50, lo);
        int port = gone.getLocalPort();
        gone.close();
        try {
            new Socket(lo, port);
        } catch (IOException e) {
            log.append("new Socket: ").append(ex(e)).append('\n');
        }
        try {
            new Socket("127.0.0.1", port);
        } catch (IOException e) {
            log.append("new Socket(host): ").append(ex(e)).append('\n');
        }
        Socket c = new Socket();
        try {
            c.connect(new InetSocketAddress(lo, port), 2000);
        } catch (IOException e) {
            log.append("connect(timeout): ").append(ex(e)).append('\n');
        }
        log.append("after: closed=").append(c.isClosed()).append(" connected=").append(c.isConnected()).append('\n');
        try {
            c.connect(new InetSocketAddress(lo, port), 2000);
        } catch (IOException e) {
            log.append("connect again: ").append(ex(e)).append('\n');
        }
        try {
            c.getInputStream();
        } catch (IOException e) {
            log.append("getInputStream: ").append(ex(e)).append('\n');
        }
        try {
            c.setSoTimeout(5);
            log.append("setSoTimeout: ok\n");
        } catch (IOException e) {
            log.append("setSoTimeout: ").append(ex(e)).append('\n');
        }
        try {
            c.connect(InetSocketAddress.createUnresolved("no.such.host.invalid", port));
        } catch (IOException e) {
            log.append("connect unresolved: ").append(ex(e)).append('\n');
        }
        Socket d = new Socket();
        try {
            d.connect(InetSocketAddress.createUnresolved("no.such.host.invalid", port));
        } catch (IOException e) {
            log.append("fresh socket, connect unresolved: ").append(ex(e)).append(" closed=").append(d.isClosed())
                    .append('\n');
        }
        return log.toString();
    }

    /** A peer that never answers: SO_TIMEOUT expires, again and again, and the socket stays usable. */
    @Coroutine
    static String readTimeout(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        Socket c = new Socket(InetAddress.getLoopbackAddress(), port);
        c.setSoTimeout(100);
        log.append("soTimeout=").append(c.getSoTimeout()).append('\n');
        InputStream in = c.getInputStream();
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            try {
                log.append("read=").append(i == 0 ? in.read() : in.read(new byte[4])).append('\n');
            } catch (IOException e) {
                log.append("read: ").append(ex(e)).append(" waited>=SO_TIMEOUT=")
                        .append(System.nanoTime() - t0 >= 95_000_000L).append(" closed=").append(c.isClosed())
                        .append('\n');
            }
        }
        c.getOutputStream().write(1); // still usable
        c.close();
        return log.toString();
    }

    /** Write, shutdownOutput, read the echo to EOF: the peer sees our EOF, we see its. */
    @Coroutine
    static String halfClose(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = c.getOutputStream();
            out.write('h');
            out.write("ello, ".getBytes(StandardCharsets.US_ASCII));
            byte[] rest = "xxhalf-closexx".getBytes(StandardCharsets.US_ASCII);
            out.write(rest, 2, rest.length - 4);
            c.shutdownOutput();
            InputStream in = c.getInputStream();
            log.append("echo=").append(text(in.readAllBytes())).append('\n');
            log.append("after EOF: ").append(in.read()).append(' ').append(in.read(new byte[3])).append(' ')
                    .append(in.readAllBytes().length).append('\n');
        }
        return log.toString();
    }

    /** A peer that sends one byte at a time: everything arrives, in order, then EOF. */
    @Coroutine
    static String trickle(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
            c.setSoTimeout(5000);
            InputStream in = c.getInputStream();
            CRC32 crc = new CRC32();
            int count = 0;
            for (int i = 0; i < 10; i++) {
                crc.update(in.read());
                count++;
            }
            byte[] buf = new byte[64];
            for (int n; (n = in.read(buf, 1, 63)) >= 0;) {
                crc.update(buf, 1, n);
                count += n;
            }
            log.append("count=").append(count).append(" crc=").append(Long.toHexString(crc.getValue()))
                    .append(" then ").append(in.read()).append('\n');
        }
        return log.toString();
    }

    /** A peer that announces 100 bytes, sends 40 and closes: a short read, then EOF. */
    @Coroutine
    static String closeMidMessage(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
            InputStream in = c.getInputStream();
            int announced = ByteBuffer.wrap(readN(in, 4)).getInt();
            byte[] body = readN(in, announced);
            log.append("announced=").append(announced).append(" got=").append(body.length).append(" then ")
                    .append(in.read()).append('\n');
            c.close(); // the stream of a closed socket, after EOF
            log.append("closed: read ").append(readAfterClose(in, false)).append(", read[] ")
                    .append(readAfterClose(in, true)).append(", available ").append(availableAfterClose(in))
                    .append('\n');
        }
        return log.toString();
    }

    @Coroutine
    static String readAfterClose(InputStream in, boolean array) {
        try {
            return String.valueOf(array ? in.read(new byte[3]) : in.read());
        } catch (IOException e) {
            return ex(e);
        }
    }

    static String availableAfterClose(InputStream in) {
        try {
            return String.valueOf(in.available());
        } catch (IOException e) {
            return ex(e);
        }
    }

    /** A peer that resets the connection (SO_LINGER 0): reads and writes fail as the JDK's do. */
    @Coroutine
    static String reset(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        Socket c = new Socket(InetAddress.getLoopbackAddress(), port);
        c.getOutputStream().write(1);
        InputStream in = c.getInputStream();
        for (int i = 0; i < 2; i++) {
            try {
                log.append("read=").append(in.read()).append('\n');
            } catch (IOException e) {
                log.append("read: ").append(ex(e)).append('\n');
            }
        }
        try {
            for (int i = 0; i < 10; i++) {
                c.getOutputStream().write(new byte[1024]);
            }
            log.append("writes went through\n");
        } catch (IOException e) {
            log.append("write: ").append(ex(e)).append('\n');
        }
        log.append("closed=").append(c.isClosed()).append('\n');
        c.close();
        return log.toString();
    }

    /** One 4 MB write to a slow reader: it waits for the peer (backpressure) and every byte arrives once. */
    @Coroutine
    static String largeWrite(int port) throws Exception {
        StringBuilder log = new StringBuilder();
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i ^ i >>> 9);
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
            c.getOutputStream().write(data);
            c.shutdownOutput();
            ByteBuffer answer = ByteBuffer.wrap(readN(c.getInputStream(), 16));
            log.append("peer crc matches=").append(answer.getLong() == crc.getValue()).append(" count=")
                    .append(answer.getLong()).append(" then ").append(c.getInputStream().read()).append('\n');
        }
        return log.toString();
    }
}
