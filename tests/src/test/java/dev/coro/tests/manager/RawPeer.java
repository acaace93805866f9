package dev.coro.tests.manager;

import dev.coro.internal.ipc.Wire;
import dev.coro.internal.manager.HmacAuth;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A hand-driven connection to a manager, to send it what a well-behaved client never would. */
final class RawPeer implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;

    RawPeer(InetSocketAddress manager) throws IOException {
        socket = new Socket(manager.getAddress(), manager.getPort());
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Exchanges hellos; the server's challenge is then the next frame. */
    RawPeer hello() throws IOException {
        ByteBuffer h = ByteBuffer.allocate(Wire.HELLO_BYTES);
        Wire.putHello(h);
        out.write(h.array());
        out.flush();
        in.readFully(new byte[Wire.HELLO_BYTES]);
        return this;
    }

    /** Hellos and the whole HMAC handshake with {@code key}, up to the server's READY. */
    RawPeer authenticate(byte[] key) throws IOException {
        hello();
        HmacAuth.Client c = new HmacAuth.Client(key, "manager");
        byte[] challenge = frame(Wire.AUTH);
        send(Wire.AUTH, c.answer(challenge));
        c.verdict(frame(Wire.AUTH));
        frame(Wire.READY);
        return this;
    }

    /** The next frame's payload; fails if its type is not {@code type}. */
    byte[] frame(byte type) throws IOException {
        int len = in.readInt();
        byte t = in.readByte();
        byte[] payload = new byte[len - 1];
        in.readFully(payload);
        if (t != type) {
            throw new AssertionError("expected a " + Wire.typeName(type) + " frame, got " + Wire.typeName(t) + ": "
                    + (t == Wire.ERROR ? errorText(payload) : payload.length + " bytes"));
        }
        return payload;
    }

    /** The text of the ERROR frame the server sends before closing, then end of stream. */
    String error() throws IOException {
        String text = errorText(frame(Wire.ERROR));
        if (in.read() != -1) {
            throw new AssertionError("the connection stayed open after: " + text);
        }
        return text;
    }

    static String errorText(byte[] payload) {
        int n = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        return new String(payload, 2, n, StandardCharsets.UTF_8);
    }

    void send(byte type, byte[] payload) throws IOException {
        out.writeInt(1 + payload.length);
        out.writeByte(type);
        out.write(payload);
        out.flush();
    }

    /** True if the server closed the connection (end of stream, or reset) within the read timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() != -1) {
                // drain what came before the close (an ERROR frame)
            }
            return true;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
