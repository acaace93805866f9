package dev.coro.internal.ipc;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * TLS over one non-blocking channel of the {@link Broker}'s selector thread, with an {@link SSLEngine}: the
 * broker reads and writes plain bytes through it as it would through the channel. Delegated tasks (certificate
 * checks, key agreement: milliseconds of CPU) run on the broker's executor, so a handshake does not stall the
 * broker's other connections; meanwhile the engine is busy (the running task holds its lock), so reads and writes
 * do nothing and {@link #tasksRunning()} says so, and when they end {@code onTasksDone} runs (on the executor's
 * thread) for the broker to drive this connection again. Their failures come out of the engine's next unwrap or
 * wrap, as inline. Not thread-safe: the broker thread only.
 */
final class TlsIo {
    private final SSLEngine engine;
    private final SocketChannel ch;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    /** Decrypted bytes not yet handed to the reader (read mode). */
    private ByteBuffer appIn;
    private boolean inboundDone;
    /** Runs delegated tasks; null: inline. */
    private final Executor taskRunner;
    private final Runnable onTasksDone;
    private volatile boolean tasksRunning;

    TlsIo(SSLEngine engine, SocketChannel ch) throws SSLException {
        this(engine, ch, null, null);
    }

    TlsIo(SSLEngine engine, SocketChannel ch, Executor taskRunner, Runnable onTasksDone) throws SSLException {
        this.engine = engine;
        this.ch = ch;
        this.taskRunner = taskRunner;
        this.onTasksDone = onTasksDone;
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
            if (tasksRunning) {
                return 0; // the engine is busy: onTasksDone says when to read again
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
        while (src.hasRemaining() && !tasksRunning) {
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
        return netOut.hasRemaining() || (plainPending && !tasksRunning
                && engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP);
    }

    /** True while delegated tasks run on the executor: the connection need not be read until they end. */
    boolean tasksRunning() {
        return tasksRunning;
    }

    /** Runs delegated tasks and produces handshake messages the engine asks for. */
    private void handshake(SSLEngineResult.HandshakeStatus hs) throws IOException {
        for (;;) {
            switch (hs) {
                case NEED_TASK: {
                    if (taskRunner != null) {
                        offloadTasks();
                        return;
                    }
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

    private void offloadTasks() {
        List<Runnable> ts = new ArrayList<>(1);
        Runnable t;
        while ((t = engine.getDelegatedTask()) != null) {
            ts.add(t);
        }
        if (ts.isEmpty()) {
            return;
        }
        tasksRunning = true;
        try {
            taskRunner.execute(() -> {
                try {
                    for (Runnable each : ts) {
                        each.run();
                    }
                } finally {
                    tasksRunning = false;
                    onTasksDone.run();
                }
            });
        } catch (RuntimeException e) { // the executor is shut down (the broker is closing): inline
            for (Runnable each : ts) {
                each.run();
            }
            tasksRunning = false;
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
        if (tasksRunning) {
            return; // the engine is busy with the handshake: no alert, the connection just closes
        }
        try {
            engine.closeOutbound();
            handshake(SSLEngineResult.HandshakeStatus.NEED_WRAP);
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone already
        }
    }
}
