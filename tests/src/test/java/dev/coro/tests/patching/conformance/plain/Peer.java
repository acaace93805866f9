package dev.coro.tests.patching.conformance.plain;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32;

/**
 * A scripted peer on plain JDK threads and sockets: this package is excluded from the agent (see tests/pom.xml),
 * so whatever the code under test does, the other end of the connection behaves the same in every run. Each
 * accepted connection runs {@link Behaviour#serve} on its own daemon thread.
 */
public final class Peer implements AutoCloseable {
    /** What the peer does with one connection. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket s) throws Exception;
    }

    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private Peer(Behaviour b) throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                open.add(s);
                Thread t = new Thread(() -> {
                    try (s) {
                        b.serve(s);
                    } catch (Exception ignored) {
                        // the connection's end, as scripted or as the code under test chose
                    } finally {
                        open.remove(s);
                    }
                }, "peer-connection");
                t.setDaemon(true);
                t.start();
            }
        }, "peer-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static Peer start(Behaviour b) throws IOException {
        return new Peer(b);
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }

    // ---- behaviours ----

    /** Never writes; reads and discards until the other side closes. */
    public static Behaviour stall() {
        return s -> drain(s.getInputStream());
    }

    /** Echoes whatever it reads until EOF, then half-closes its side, waits for the other's close. */
    public static Behaviour echoUntilEof() {
        return s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        };
    }

    /** Sends {@code msg} one byte at a time, a millisecond apart, then closes. */
    public static Behaviour trickle(byte[] msg) {
        return s -> {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (byte b : msg) {
                out.write(b);
                Thread.sleep(1);
            }
            s.shutdownOutput();
            drain(s.getInputStream());
        };
    }

    /** Sends {@code msg} one byte at a time, a millisecond apart, then neither writes nor closes (until EOF). */
    public static Behaviour trickleThenStall(byte[] msg) {
        return s -> {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (byte b : msg) {
                out.write(b);
                Thread.sleep(1);
            }
            drain(s.getInputStream());
        };
    }

    /** Announces a 4-byte big-endian length of {@code announced}, sends only {@code sent} bytes, then closes. */
    public static Behaviour closeMidMessage(int announced, int sent) {
        return s -> {
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(4).putInt(announced).array());
            out.write(pattern(sent));
        };
    }

    /** Reads one byte, then resets the connection (SO_LINGER 0 and close: an RST instead of a FIN). */
    public static Behaviour resetAfterOneByte() {
        return s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close();
        };
    }

    /**
     * A slow reader: reads everything until EOF in small pieces with pauses (so a large write fills the kernel's
     * buffers and waits), then answers with the CRC32 and the count of what it read, 8 bytes each.
     */
    public static Behaviour slowSink() {
        return s -> {
            InputStream in = s.getInputStream();
            CRC32 crc = new CRC32();
            long count = 0;
            byte[] buf = new byte[16384];
            int reads = 0;
            for (int n; (n = in.read(buf)) > 0;) {
                crc.update(buf, 0, n);
                count += n;
                if (++reads % 16 == 0) {
                    Thread.sleep(1);
                }
            }
            s.getOutputStream().write(ByteBuffer.allocate(16).putLong(crc.getValue()).putLong(count).array());
            s.shutdownOutput();
        };
    }

    // ---- helpers ----

    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (SocketException closed) {
            // closed by close()
        }
    }
}
