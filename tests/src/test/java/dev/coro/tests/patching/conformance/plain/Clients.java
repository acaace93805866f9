package dev.coro.tests.patching.conformance.plain;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Random;
import java.util.zip.CRC32;

/** Clients of a framed echo server ([int length][bytes], echoed back), on plain JDK threads and sockets. */
public final class Clients {
    private Clients() {
    }

    /**
     * A well-behaved client: {@code frames} frames of random sizes up to {@code max}, each echo read back and
     * compared; returns the CRC32 of everything it sent (the server must report the same for its connection).
     */
    public static long goodClient(int port, int frames, int max, long seed) throws IOException {
        Random r = new Random(seed);
        CRC32 crc = new CRC32();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int i = 0; i < frames; i++) {
                byte[] b = new byte[1 + r.nextInt(max)];
                r.nextBytes(b);
                out.write(java.nio.ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array());
                out.flush();
                crc.update(b);
                int n = in.readInt();
                byte[] echo = new byte[n];
                in.readFully(echo);
                if (!java.util.Arrays.equals(b, echo)) {
                    throw new IOException("frame " + i + ": the echo differs");
                }
            }
            s.shutdownOutput();
            if (in.read() != -1) {
                throw new IOException("data after the last echo");
            }
        }
        return crc.getValue();
    }

    /** Opens a connection that sends half a frame header and then nothing. */
    public static Socket stalled(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.getOutputStream().write(new byte[] {0, 0});
        return s;
    }

    /** Announces a 1,000-byte frame, sends 10 bytes, then resets (SO_LINGER 0) or closes. */
    public static void breakMidFrame(int port, boolean reset) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(1000);
        out.write(new byte[10]);
        out.flush();
        if (reset) {
            s.setSoLinger(true, 0);
        }
        s.close();
    }

    /** Sends one 200-byte frame a byte at a time, a millisecond apart; returns whether the echo came back whole. */
    public static boolean trickle(int port) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            byte[] frame = new byte[204];
            frame[2] = 0;
            frame[3] = (byte) 200;
            for (int i = 4; i < frame.length; i++) {
                frame[i] = (byte) i;
            }
            for (byte b : frame) {
                s.getOutputStream().write(b);
                Thread.sleep(1);
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] echo = new byte[in.readInt()];
            in.readFully(echo);
            return java.util.Arrays.equals(java.util.Arrays.copyOfRange(frame, 4, frame.length), echo);
        }
    }

    /** Sends {@code frames} frames of 64 KB and never reads the echoes: the server's writes meet backpressure. */
    public static Socket nonReader(int port, int frames) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        Thread t = new Thread(() -> {
            try {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (int i = 0; i < frames; i++) {
                    out.writeInt(65536);
                    out.write(new byte[65536]);
                }
            } catch (IOException e) {
                // closed by the test, or stuck behind the server's full buffers until then
            }
        }, "non-reader");
        t.setDaemon(true);
        t.start();
        return s;
    }
}
