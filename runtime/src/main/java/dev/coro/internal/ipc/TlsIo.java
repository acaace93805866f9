package dev.coro.internal.ipc;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * TLS over one non-blocking channel of the {@link Broker}'s selector thread, with an {@link SSLEngine}: the
 * broker reads and writes plain bytes through it as it would through the channel. Delegated tasks (certificate
 * checks) run inline on the broker thread: they are short, and a handshake costs the broker what it costs anyway.
 * Not thread-safe: the broker thread only.
 */
final class TlsIo {
    private final SSLEngine engine;
    private final SocketChannel ch;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    /** Decrypted bytes not yet handed to the reader (read mode). */
    private ByteBuffer appIn;
    private boolean inboundDone;

    TlsIo(SSLEngine engine, SocketChannel ch) throws SSLException {
        this.engine = engine;
        this.ch = ch;
        int packet = engine.getSession().getPacketBufferSize();
        netIn = ByteBuffer.allocate(packet);
        netOut = ByteBuffer.allocate(packet);
        netOut.flip();
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        appIn.flip();
        engine.beginHandshake();
    }

    /**
     * Reads decrypted bytes into {@code dst}: how many, 0 if none are ready, -1 at the end (the peer closed).
     * Handshake messages are answered on the way.
     */
    int read(ByteBuffer dst) throws IOException {
        for (;;) {
            if (appIn.hasRemaining()) {
                int n = Math.min(appIn.remaining(), dst.remaining());
                ByteBuffer slice = appIn.duplicate();
                slice.limit(slice.position() + n);
                dst.put(slice);
                appIn.position(appIn.position() + n);
                return n;
            }
            if (inboundDone) {
                return -1;
            }
            // what is buffered first, then the channel
            netIn.flip();
            SSLEngineResult r;
            appIn.clear();
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
                netIn.compact();
            }
            handshake(r.getHandshakeStatus());
            switch (r.getStatus()) {
                case OK:
                    if (r.bytesProduced() == 0 && r.bytesConsumed() == 0 && fill() == 0) {
                        return 0;
                    }
                    continue;
                case BUFFER_UNDERFLOW: {
                    if (netIn.remaining() == 0) {
                        ByteBuffer b = ByteBuffer.allocate(netIn.capacity() * 2);
                        netIn.flip();
                        b.put(netIn);
                        netIn = b;
                    }
                    int n = fill();
                    if (n < 0) {
                        if (netIn.position() == 0) {
                            return -1; // between records: a plain end of the connection
                        }
                        throw new EOFException("the peer closed the connection in the middle of a TLS record ("
                                + netIn.position() + " bytes of it came)");
                    }
                    if (n == 0) {
                        return 0;
                    }
                    continue;
                }
                case BUFFER_OVERFLOW:
                    appIn = ByteBuffer.allocate(appIn.capacity() * 2);
                    appIn.flip();
                    continue;
                case CLOSED:
                default:
                    inboundDone = true;
                    flushNet();
                    return -1;
            }
        }
    }

    /** Reads from the channel into netIn: bytes read, -1 at the end. */
    private int fill() throws IOException {
        int n = ch.read(netIn);
        if (n < 0) {
            inboundDone = true;
            try {
                engine.closeInbound();
            } catch (SSLException e) {
                // the peer ended the connection without close_notify: an end all the same
            }
        }
        return n;
    }

    /**
     * Encrypts and sends what it can of {@code src}: the bytes taken from it (0 while the handshake needs the
     * peer's next message, or the channel is full).
     */
    int write(ByteBuffer src) throws IOException {
        if (!flushNet()) {
            return 0;
        }
        int taken = 0;
        while (src.hasRemaining()) {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                break; // application data waits for the handshake; the next read moves it on
            }
            netOut.compact();
            SSLEngineResult r;
            try {
                r = engine.wrap(src, netOut);
            } finally {
                netOut.flip();
            }
            taken += r.bytesConsumed();
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                ByteBuffer b = ByteBuffer.allocate(netOut.capacity() * 2);
                b.put(netOut);
                b.flip();
                netOut = b;
            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("the TLS connection is closed");
            }
            handshake(r.getHandshakeStatus());
            if (!flushNet()) {
                break;
            }
        }
        return taken;
    }

    /** True while encrypted bytes wait for room in the channel, or plain ones could be sent once there is. */
    boolean wantsWrite(boolean plainPending) {
        return netOut.hasRemaining()
                || (plainPending && engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP);
    }

    /** Runs delegated tasks and produces handshake messages the engine asks for. */
    private void handshake(SSLEngineResult.HandshakeStatus hs) throws IOException {
        for (;;) {
            switch (hs) {
                case NEED_TASK: {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                    hs = engine.getHandshakeStatus();
                    continue;
                }
                case NEED_WRAP: {
                    netOut.compact();
                    SSLEngineResult r;
                    try {
                        r = engine.wrap(ByteBuffer.allocate(0), netOut);
                    } finally {
                        netOut.flip();
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        ByteBuffer b = ByteBuffer.allocate(netOut.capacity() * 2);
                        b.put(netOut);
                        b.flip();
                        netOut = b;
                    }
                    flushNet();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        return;
                    }
                    hs = r.getHandshakeStatus();
                    continue;
                }
                default:
                    return;
            }
        }
    }

    /** Writes pending encrypted bytes; true if none are left. */
    private boolean flushNet() throws IOException {
        while (netOut.hasRemaining()) {
            if (ch.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Sends close_notify, best effort (the broker does not wait for the peer's). */
    void closeOutbound() {
        try {
            engine.closeOutbound();
            handshake(SSLEngineResult.HandshakeStatus.NEED_WRAP);
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone already
        }
    }
}
