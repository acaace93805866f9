package dev.coro.internal.net;

import dev.coro.internal.Blocking;
import dev.coro.internal.IoWait;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;

import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * An {@link SSLSocket} on a {@link CoSocket}, driven by an {@link SSLEngine}: what patched code gets from
 * {@code SSLSocketFactory.getDefault()}, {@code SSLContext.getSocketFactory()} and coro's TLS server sockets.
 *
 * <p>All the TLS work happens in non-blocking <em>steps</em> (wrap, unwrap, delegated tasks, reading and writing the
 * channel as far as it goes without waiting), each under the socket's monitor. A step that cannot go on says what
 * it waits for (the channel readable or writable); the caller then waits: a plain thread blocks on a private
 * selector, honouring {@code SO_TIMEOUT}, as the JDK's socket would, and a coroutine calling through the patched
 * twins ({@link In#read(byte[], int, int, Stack)}, {@link Out#write(byte[], int, int, Stack)},
 * {@link #startHandshake(Stack)}) suspends on its loop's selector. Nothing is held while waiting, so a reader and a
 * writer (two threads, or two tasks) use one socket at once.
 *
 * <p>The handshake happens on the first read or write, or on {@code startHandshake}. Its delegated tasks (certificate
 * checks, key agreement: milliseconds of CPU each) run inline on a plain thread; a coroutine hands them to the
 * {@link Blocking} pool and suspends until they are done, so its loop keeps running the other tasks. While they run
 * the engine is busy (a task holds its lock), so no step touches it: a step finding them running says NEED_TASK and
 * its caller waits for them too. Their failures (an untrusted certificate) come out of the engine's next wrap or
 * unwrap as the JDK's exceptions, as they would inline. An end of stream during the handshake
 * fails with the JDK's {@link SSLHandshakeException} "Remote host terminated the handshake"; after it, with or
 * without the peer's close_notify, reads return -1 (the JDK's default). {@code close()} sends close_notify if the
 * kernel takes it at once (a few bytes: it always does unless the peer stopped reading), then closes the socket.
 */
public final class CoSSLSocket extends SSLSocket {
    static final int NEED_READ = -2;
    static final int NEED_WRITE = -3;
    /** The handshake's delegated tasks run on the pool: wait until {@link #tasks} completes. */
    static final int NEED_TASK = -4;
    private static final int DONE = 0;
    private static final int PROGRESS = 1;
    private static final int EOF = -1;
    /** Pushed with the op when another task already waited on the channel for it: this one polls instead. */
    private static final int CONTENDED = 0x100;
    /** Pushed when a coroutine waits for the delegated tasks on the pool. */
    private static final int TASKS = 0x200;
    private static final long CONTENDED_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * A writer that must read to go on (a handshake message it waits for) waits at most this long before it looks
     * again: a reader on the same socket may take that message and finish the handshake itself, and then nothing
     * more arrives until this writer sends.
     */
    private static final long WRITER_READ_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLContext context;
    private final CoSocket transport;
    private final boolean autoClose;
    private final Object lock = new Object();
    /** Until connected: a stand-in that holds the configuration; then the real engine, made for the peer. */
    private SSLEngine engine;
    private boolean engineReady;
    private final List<Consumer<SSLEngine>> settings = new ArrayList<>();
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private boolean handshakeBegun;
    private boolean inboundDone;
    /**
     * The delegated tasks a coroutine handed to the pool, until a step sees them done (under the lock). The engine
     * must not be touched meanwhile: the running task holds its lock.
     */
    private CompletableFuture<Void> tasks;
    private volatile boolean closed;
    private final In in = new In();
    private final Out out = new Out();
    private final List<HandshakeCompletedListener> listeners = new CopyOnWriteArrayList<>();

    /** An unconnected client socket: {@code connect} makes its engine for the peer it connects to. */
    CoSSLSocket(SSLContext context) throws IOException {
        this.context = context;
        this.transport = new CoSocket();
        this.autoClose = true;
        this.engine = context.createSSLEngine();
        this.engine.setUseClientMode(true);
    }

    /** Layered over a connected {@link CoSocket}: {@code host} names the peer (for SNI and host checks), or null. */
    CoSSLSocket(SSLContext context, CoSocket transport, String host, int port, boolean autoClose, boolean client)
            throws SocketException {
        if (!transport.isConnected()) {
            throw new SocketException("Underlying socket is not connected");
        }
        this.context = context;
        this.transport = transport;
        this.autoClose = autoClose;
        this.engine = host == null ? context.createSSLEngine() : context.createSSLEngine(host, port);
        this.engine.setUseClientMode(client);
        ready();
    }

    /** A server-side TLS socket over an accepted cooperative socket, with {@code context}'s default engine. */
    public static CoSSLSocket serverSide(SSLContext context, CoSocket transport) throws SocketException {
        return new CoSSLSocket(context, transport, null, -1, true, false);
    }

    /** An accepted server-side socket, configured like its server socket's stand-in engine {@code config}. */
    static CoSSLSocket accepted(SSLContext context, CoSocket transport, SSLEngine config) throws SocketException {
        CoSSLSocket s = new CoSSLSocket(context, transport, null, -1, true, config.getUseClientMode());
        s.engine.setSSLParameters(config.getSSLParameters());
        s.engine.setEnableSessionCreation(config.getEnableSessionCreation());
        return s;
    }

    /** The cooperative socket under the TLS. */
    public CoSocket transport() {
        return transport;
    }

    /** After the transport connected to {@code endpoint}: makes the real engine, replaying the settings made so far. */
    public void connected(SocketAddress endpoint) {
        synchronized (lock) {
            if (engineReady) {
                return;
            }
            InetSocketAddress a = (InetSocketAddress) endpoint;
            SSLEngine e = context.createSSLEngine(a.getHostString(), a.getPort());
            e.setUseClientMode(engine.getUseClientMode());
            for (Consumer<SSLEngine> s : settings) {
                s.accept(e);
            }
            settings.clear();
            engine = e;
            ready();
        }
    }

    private void ready() {
        SSLSession session = engine.getSession();
        netIn = ByteBuffer.allocate(session.getPacketBufferSize());
        appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
        netOut = ByteBuffer.allocate(session.getPacketBufferSize());
        engineReady = true;
    }

    /** Applies a setting to the engine now, and again to the real one if this is still the stand-in. */
    private void configure(Consumer<SSLEngine> setting) {
        synchronized (lock) {
            setting.accept(engine);
            if (!engineReady) {
                settings.add(setting);
            }
        }
    }

    // ---- the non-blocking steps (under the lock) ----

    private void checkUsable() throws SocketException {
        if (closed || transport.isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!engineReady) {
            if (!transport.isConnected()) {
                throw new SocketException("Socket is not connected");
            }
            connected(transport.getRemoteSocketAddress());
        }
    }

    private boolean handshaking() {
        SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
        return hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && hs != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private void begin() throws SSLException {
        if (!handshakeBegun) {
            handshakeBegun = true;
            engine.beginHandshake();
        }
    }

    /** One read attempt: bytes read, -1 at the end of the stream, or NEED_READ / NEED_WRITE. */
    int readStep(byte[] b, int off, int len, boolean offload) throws IOException {
        synchronized (lock) {
            checkUsable();
            if (tasksRunning()) {
                return NEED_TASK;
            }
            try {
                begin();
                for (;;) {
                    if (appIn.position() > 0) {
                        if (len == 0) {
                            return 0;
                        }
                        appIn.flip();
                        int n = Math.min(len, appIn.remaining());
                        appIn.get(b, off, n);
                        appIn.compact();
                        return n;
                    }
                    if (inboundDone) {
                        answerCloseNotify();
                        return -1;
                    }
                    if (len == 0) {
                        return 0;
                    }
                    if (handshaking()) {
                        int h = handshakeStep(offload);
                        if (h != DONE) {
                            return h;
                        }
                        continue;
                    }
                    int u = unwrapOnce();
                    if (u == NEED_READ) {
                        return NEED_READ;
                    }
                    if (u == EOF) {
                        endOfInput();
                    }
                }
            } catch (SSLException e) {
                throw fatal(e);
            }
        }
    }

    /**
     * One write attempt over {@code b[off, off+len)}: how many bytes the engine took (0 with {@code len} 0 once all
     * of it is sent), or NEED_READ / NEED_WRITE.
     */
    int writeStep(byte[] b, int off, int len, boolean offload) throws IOException {
        synchronized (lock) {
            checkUsable();
            if (tasksRunning()) {
                return NEED_TASK;
            }
            if (engine.isOutboundDone()) {
                throw new SocketException("Socket output is already shutdown");
            }
            try {
                begin();
                for (;;) {
                    if (!flushNow()) {
                        return NEED_WRITE;
                    }
                    if (handshaking()) {
                        int h = handshakeStep(offload);
                        if (h != DONE) {
                            return h;
                        }
                        continue;
                    }
                    if (len == 0) {
                        return 0;
                    }
                    int n = wrapOnce(ByteBuffer.wrap(b, off, len));
                    if (n > 0) {
                        flushNow(); // as far as it goes; the next step sends the rest
                        return n;
                    }
                }
            } catch (SSLException e) {
                throw fatal(e);
            } finally {
                wakeReaderIfBuffered();
            }
        }
    }

    /**
     * A writer's handshake step may have read the peer's next records from the channel (the client's first data
     * right behind its Finished, say) while a reader task waits for the channel to become readable: nothing would
     * wake that reader, since the bytes are no longer in the channel. Wake it to unwrap them.
     */
    private void wakeReaderIfBuffered() {
        WaitNode r = transport.reader;
        if (r != null && r.isWaiting() && (netIn.position() > 0 || appIn.position() > 0 || inboundDone)) {
            IoWait.wakeWaiters(r);
        }
    }

    /** One handshake attempt: DONE once the handshake is over and its messages are sent, else NEED_*. */
    int handshakeStepLocked(boolean restart, boolean offload) throws IOException {
        synchronized (lock) {
            checkUsable();
            if (tasksRunning()) {
                return NEED_TASK;
            }
            try {
                if (restart && handshakeBegun && !handshaking()) {
                    engine.beginHandshake(); // as the JDK's startHandshake once negotiated: a new handshake/key update
                } else {
                    begin();
                }
                return handshakeStep(offload);
            } catch (SSLException e) {
                throw fatal(e);
            } finally {
                wakeReaderIfBuffered();
            }
        }
    }

    /** {@code offload}: a coroutine's step, whose delegated tasks go to the pool (NEED_TASK); else they run inline. */
    private int handshakeStep(boolean offload) throws IOException {
        for (;;) {
            if (!flushNow()) {
                return NEED_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK:
                    if (offload) {
                        if (offloadTasks()) {
                            return NEED_TASK;
                        }
                    } else {
                        runTasks();
                    }
                    break;
                case NEED_WRAP:
                    if (engine.isOutboundDone()) {
                        return DONE;
                    }
                    wrapOnce(EMPTY);
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (inboundDone) {
                        throw new SSLHandshakeException("Remote host terminated the handshake");
                    }
                    int u = unwrapOnce();
                    if (u == NEED_READ) {
                        return NEED_READ;
                    }
                    if (u == EOF) {
                        throw new SSLHandshakeException("Remote host terminated the handshake");
                    }
                    break;
                default:
                    return DONE;
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** Starts the delegated tasks on the pool, in order, one after the other; false if there were none. */
    private boolean offloadTasks() {
        List<Runnable> ts = new ArrayList<>(1);
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            ts.add(task);
        }
        if (ts.isEmpty()) {
            return false;
        }
        tasks = Blocking.runAsync(() -> {
            for (Runnable t : ts) {
                t.run();
            }
            // the engine may hand out more once these ran: the next step sees NEED_TASK again and offloads them
        });
        return true;
    }

    /** True while delegated tasks run on the pool; forgets them once done. Under the lock. */
    private boolean tasksRunning() {
        if (tasks == null) {
            return false;
        }
        if (!tasks.isDone()) {
            return true;
        }
        CompletableFuture<Void> done = tasks;
        tasks = null;
        if (done.isCompletedExceptionally()) {
            // a task threw (the JDK's never do: they keep their failure for the next wrap/unwrap); as inline, the
            // caller gets it
            try {
                done.join();
            } catch (CompletionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                }
                if (c instanceof Error) {
                    throw (Error) c;
                }
                throw e;
            }
        }
        return false;
    }

    private CompletableFuture<Void> pendingTasks() {
        synchronized (lock) {
            return tasks;
        }
    }

    /** Wraps {@code src} into the output buffer: the bytes consumed. */
    private int wrapOnce(ByteBuffer src) throws IOException {
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
            handshakeFinished();
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && netOut.position() == 0) {
            netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2, engine.getSession().getPacketBufferSize()));
        }
        return r.bytesConsumed();
    }

    /** Unwraps what has arrived: PROGRESS, or NEED_READ when a record is incomplete and the channel has no more. */
    private int unwrapOnce() throws IOException {
        netIn.flip();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
        }
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
            handshakeFinished();
        }
        switch (r.getStatus()) {
            case CLOSED:
                inboundDone = true;
                return PROGRESS;
            case BUFFER_OVERFLOW:
                ByteBuffer bigger = ByteBuffer.allocate(appIn.position()
                        + engine.getSession().getApplicationBufferSize());
                appIn.flip();
                bigger.put(appIn);
                appIn = bigger;
                return PROGRESS;
            case BUFFER_UNDERFLOW:
                if (!netIn.hasRemaining()) {
                    ByteBuffer more = ByteBuffer.allocate(netIn.capacity()
                            + engine.getSession().getPacketBufferSize());
                    netIn.flip();
                    more.put(netIn);
                    netIn = more;
                }
                int n = readChannel(netIn);
                return n > 0 ? PROGRESS : n == 0 ? NEED_READ : EOF;
            default:
                return PROGRESS;
        }
    }

    /** The peer closed its end after the handshake without close_notify: as the JDK, the stream just ends. */
    private void endOfInput() {
        inboundDone = true;
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // "closing inbound before receiving peer's close_notify": the JDK's socket accepts this too
        }
    }

    /** After the peer's close_notify the engine may owe it one back (TLS 1.2): sent if it goes out at once. */
    private void answerCloseNotify() {
        try {
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                wrapOnce(EMPTY);
                flushNow();
            }
        } catch (IOException e) {
            // best effort, as the peer is leaving
        }
    }

    /** Sends what is buffered as far as the channel takes it; true when nothing is left. */
    private boolean flushNow() throws IOException {
        if (netOut.position() == 0) {
            return true;
        }
        netOut.flip();
        try {
            transport.ch.write(netOut);
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed");
        } finally {
            netOut.compact();
        }
        return netOut.position() == 0;
    }

    private int readChannel(ByteBuffer into) throws IOException {
        try {
            return transport.ch.read(into);
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed");
        }
    }

    /** A TLS failure: the alert goes to the peer if it can, the socket closes, and the failure is thrown. */
    private SSLException fatal(SSLException e) {
        try {
            engine.closeOutbound();
            netOut.clear();
            wrapOnce(EMPTY);
            flushNow();
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone already
        }
        closed = true;
        try {
            transport.close();
        } catch (IOException ignored) {
            // closing
        }
        return e;
    }

    private void handshakeFinished() {
        if (listeners.isEmpty()) {
            return;
        }
        HandshakeCompletedEvent ev = new HandshakeCompletedEvent(this, engine.getSession());
        List<HandshakeCompletedListener> ls = new ArrayList<>(listeners);
        // as the JDK: on their own thread, so a listener may use the socket
        Thread t = new Thread(() -> ls.forEach(l -> l.handshakeCompleted(ev)), "HandshakeCompletedNotify-Thread");
        t.setDaemon(true);
        t.start();
    }

    // ---- waiting ----

    private long readTimeoutNanos() {
        return TimeUnit.MILLISECONDS.toNanos(transport.soTimeoutMillis());
    }

    private static int op(int need) {
        return need == NEED_READ ? SelectionKey.OP_READ : SelectionKey.OP_WRITE;
    }

    /** Plain code: waits the blocking way; false on timeout. */
    private boolean block(int need, long timeoutNanos) throws IOException {
        if (need == NEED_TASK) {
            CompletableFuture<Void> f = pendingTasks();
            if (f != null) {
                // a coroutine's tasks, on the pool: waits for them as it would wait for the engine's lock; their
                // failure, if any, is thrown by the next step
                f.handle((v, e) -> null).join();
            }
            return true;
        }
        return IoWait.block(transport.ch, op(need), timeoutNanos);
    }

    /**
     * Coroutine code: suspends until the channel is ready; on a plain thread blocks. Returns the code to push if it
     * suspended (see {@link #resumeWait}), else -1 with {@code ready[0]} set.
     */
    private int await(Stack s, int need, long timeoutNanos, boolean[] ready) throws IOException {
        if (need == NEED_TASK) {
            CompletableFuture<Void> f = pendingTasks();
            if (f != null) {
                // their failure, if any, is thrown by the next step
                Blocking.await(s, f.handle((v, e) -> null));
                if (Suspend.isSuspending(s)) {
                    return TASKS;
                }
            }
            ready[0] = true;
            return -1;
        }
        int op = op(need);
        WaitNode other = op == SelectionKey.OP_READ ? transport.reader : transport.writer;
        if (s.task() != null && other != null && other.isWaiting()) {
            // another task waits on this channel for the same readiness (a reader, while a writer's handshake
            // needs the peer's answer): one registration per direction, so this one polls
            Suspend.sleep(s, CONTENDED_POLL_NANOS);
            ready[0] = true;
            return Suspend.isSuspending(s) ? op | CONTENDED : -1;
        }
        ready[0] = transport.suspendOn(s, op, timeoutNanos);
        return Suspend.isSuspending(s) ? op : -1;
    }

    /** The resumed half of {@link #await}: whether the channel became ready (false: the wait timed out). */
    private boolean resumeWait(Stack s, int code) throws IOException {
        if (code == TASKS) {
            Blocking.await(s, null);
            return true;
        }
        if ((code & CONTENDED) != 0) {
            Suspend.sleep(s, 0);
            return true;
        }
        boolean ready = transport.suspendOn(s, code, 0);
        if (code == SelectionKey.OP_READ) {
            transport.reader = null;
        } else {
            transport.writer = null;
        }
        return ready;
    }

    // ---- handshake ----

    @Override
    public void startHandshake() throws IOException {
        checkConnectedForHandshake();
        boolean restart = true;
        for (;;) {
            int r = handshakeStepLocked(restart, false);
            restart = false;
            if (r == DONE) {
                return;
            }
            if (!block(r, r == NEED_READ ? readTimeoutNanos() : 0)) {
                throw new SocketTimeoutException("Read timed out");
            }
        }
    }

    /** The cooperative {@code startHandshake}: a leaf that suspends while the handshake waits for the peer. */
    public void startHandshake(Stack s) throws IOException {
        boolean restart = true;
        if (Suspend.isResuming(s)) {
            if (!resumeWait(s, s.popI())) {
                throw new SocketTimeoutException("Read timed out");
            }
            restart = false;
        } else {
            checkConnectedForHandshake();
        }
        boolean[] ready = new boolean[1];
        for (;;) {
            int r = handshakeStepLocked(restart, s.task() != null);
            restart = false;
            if (r == DONE) {
                return;
            }
            int code = await(s, r, r == NEED_READ ? readTimeoutNanos() : 0, ready);
            if (code >= 0) {
                s.pushI(code);
                return;
            }
            if (!ready[0]) {
                throw new SocketTimeoutException("Read timed out");
            }
        }
    }

    private void checkConnectedForHandshake() throws SocketException {
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        if (closed || transport.isClosed()) {
            throw new SocketException("Socket has been closed or broken");
        }
    }

    // ---- streams ----

    /** The TLS socket's input: blocking when called plainly, suspending through {@link #read(byte[], int, int, Stack)}. */
    public final class In extends InputStream implements SocketInput {
        /** What the last {@link #readNow} that found nothing waits for: NEED_READ, NEED_WRITE or NEED_TASK. */
        private int need = NEED_READ;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n;
            do {
                n = read(one, 0, 1);
            } while (n == 0);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            for (;;) {
                int r = readStep(b, off, len, false);
                if (r >= -1) {
                    return r;
                }
                if (!block(r, r == NEED_READ ? readTimeoutNanos() : 0)) {
                    throw new SocketTimeoutException("Read timed out");
                }
            }
        }

        /** The cooperative read: a leaf, called again with the same arguments on resume. */
        public int read(byte[] b, int off, int len, Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                if (!resumeWait(s, s.popI())) {
                    throw new SocketTimeoutException("Read timed out");
                }
            } else {
                Objects.checkFromIndexSize(off, len, b.length);
            }
            boolean[] ready = new boolean[1];
            for (;;) {
                int r = readStep(b, off, len, s.task() != null);
                if (r >= -1) {
                    return r;
                }
                int code = await(s, r, r == NEED_READ ? readTimeoutNanos() : 0, ready);
                if (code >= 0) {
                    s.pushI(code);
                    return 0;
                }
                if (!ready[0]) {
                    throw new SocketTimeoutException("Read timed out");
                }
            }
        }

        /** The cooperative {@code read()}. */
        public int read(Stack s) throws IOException {
            byte[] one = Suspend.isResuming(s) ? (byte[]) s.popA() : new byte[1];
            int n = read(one, 0, 1, s);
            if (Suspend.isSuspending(s)) {
                s.pushA(one);
                return 0;
            }
            return n < 0 ? -1 : one[0] & 0xff;
        }

        /**
         * One read step that never waits (for coro's wrappers around this stream): decrypted bytes, -1 at the end
         * of the stream, or 0 if it must wait: for the channel to be readable (a record is incomplete), writable (a
         * handshake message to send), or for the handshake's delegated tasks (a coroutine's, {@code s} a task's,
         * run on the pool), which {@link #awaitReadable} then waits for.
         */
        @Override
        public int readNow(byte[] b, int off, int len, Stack s) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            int r = readStep(b, off, len, s != null && s.task() != null);
            if (r >= -1) {
                return r;
            }
            need = r;
            return 0;
        }

        /**
         * Waits, as a leaf, for what the last {@link #readNow} lacked (the contended case polls, as the
         * cooperative read): 1 to read now, -1 if {@code SO_TIMEOUT} passed waiting for the peer, 0 when {@code s}
         * is suspending (called again on resume, it ends the wait). A plain thread or pinned code blocks instead.
         */
        @Override
        public int awaitReadable(Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                return resumeWait(s, s.popI()) ? 1 : -1;
            }
            if (closed || transport.isClosed()) {
                return 1; // the read says what there is to say
            }
            int r = need;
            need = NEED_READ;
            boolean[] ready = new boolean[1];
            int code = await(s, r, r == NEED_READ ? readTimeoutNanos() : 0, ready);
            if (code >= 0) {
                s.pushI(code);
                return 0;
            }
            return ready[0] ? 1 : -1;
        }

        @Override
        public int available() {
            synchronized (lock) {
                return appIn == null ? 0 : appIn.position();
            }
        }

        @Override
        public void close() throws IOException {
            CoSSLSocket.this.close();
        }
    }

    /** The TLS socket's output: a write returns once every byte is encrypted and in the kernel's buffer. */
    public final class Out extends OutputStream implements SocketOutput {
        /** What the last {@link #writeNow} or {@link #flushNow} that stopped waits for: NEED_WRITE, NEED_READ, NEED_TASK. */
        private int need = NEED_WRITE;
        /** The one cooperative sink of coro's wrappers around this stream. */
        private Object sink;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            int done = 0;
            for (;;) {
                int r = writeStep(b, off + done, len - done, false);
                if (r >= 0) {
                    if (r == 0 && done == len) {
                        return;
                    }
                    done += r;
                } else {
                    block(r, r == NEED_READ ? WRITER_READ_POLL_NANOS : 0); // then look again, ready or not
                }
            }
        }

        /** The cooperative write: a leaf that keeps how far it got on the coroutine's stack while suspended. */
        public void write(byte[] b, int off, int len, Stack s) throws IOException {
            int done = 0;
            if (Suspend.isResuming(s)) {
                int code = s.popI();
                done = s.popI();
                resumeWait(s, code);
            } else {
                Objects.checkFromIndexSize(off, len, b.length);
            }
            boolean[] ready = new boolean[1];
            for (;;) {
                int r = writeStep(b, off + done, len - done, s.task() != null);
                if (r >= 0) {
                    if (r == 0 && done == len) {
                        return;
                    }
                    done += r;
                } else {
                    int code = await(s, r, r == NEED_READ ? WRITER_READ_POLL_NANOS : 0, ready);
                    if (code >= 0) {
                        s.pushI(done);
                        s.pushI(code);
                        return;
                    }
                }
            }
        }

        /**
         * Write steps that never wait (for coro's wrappers around this stream): the bytes the engine took, maybe 0
         * (it must wait: for the channel to be writable, for the peer's handshake message, or for the handshake's
         * delegated tasks, which {@link #awaitWritable} then waits for). The last record may be only partly in
         * the kernel's buffer: {@link #flushNow} sends the rest.
         */
        @Override
        public int writeNow(byte[] b, int off, int len, Stack s) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            boolean offload = s != null && s.task() != null;
            int done = 0;
            while (done < len) {
                int r = writeStep(b, off + done, len - done, offload);
                if (r < 0) {
                    need = r;
                    break;
                }
                done += r;
            }
            return done;
        }

        /** Sends what the engine wrapped (and the handshake's messages) without waiting: true once all is sent. */
        @Override
        public boolean flushNow(Stack s) throws IOException {
            int r = writeStep(EMPTY.array(), 0, 0, s != null && s.task() != null);
            if (r >= 0) {
                return true;
            }
            need = r;
            return false;
        }

        /** Whether a record wrapped for the writers is not all in the kernel's buffer yet. */
        @Override
        public boolean holdsUnsent() {
            synchronized (lock) {
                return engineReady && !closed && netOut.position() > 0;
            }
        }

        /**
         * Waits, as a leaf, for what the last {@link #writeNow} or {@link #flushNow} lacked (the peer's handshake
         * message at most {@code WRITER_READ_POLL_NANOS}, as the blocking write): true to write now, false when
         * {@code s} is suspending (called again on resume, it ends the wait). A plain thread or pinned code blocks
         * instead.
         */
        @Override
        public boolean awaitWritable(Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                resumeWait(s, s.popI());
                return true;
            }
            if (closed || transport.isClosed()) {
                return true; // the write says what there is to say
            }
            int r = need;
            need = NEED_WRITE;
            boolean[] ready = new boolean[1];
            int code = await(s, r, r == NEED_READ ? WRITER_READ_POLL_NANOS : 0, ready);
            if (code >= 0) {
                s.pushI(code);
                return false;
            }
            return true;
        }

        @Override
        public synchronized Object sink(java.util.function.Function<? super SocketOutput, Object> make) {
            if (sink == null) {
                sink = make.apply(this);
            }
            return sink;
        }

        @Override
        public void flush() {
            // every write is sent before it returns
        }

        @Override
        public void close() throws IOException {
            CoSSLSocket.this.close();
        }
    }

    @Override
    public InputStream getInputStream() throws IOException {
        checkStreams();
        if (isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkStreams();
        if (isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        return out;
    }

    private void checkStreams() throws SocketException {
        if (closed || transport.isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!transport.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
    }

    // ---- close ----

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            // while delegated tasks run on the pool the engine is busy: no close_notify (the handshake is not over)
            if (engineReady && handshakeBegun && !transport.isClosed() && (tasks == null || tasks.isDone())) {
                try {
                    engine.closeOutbound();
                    for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                        wrapOnce(EMPTY);
                    }
                    flushNow(); // close_notify, if the kernel takes it now
                } catch (IOException | RuntimeException ignored) {
                    // the peer may be gone
                }
            }
        }
        if (autoClose) {
            transport.close(); // wakes a task waiting on it: it finds the socket closed
        } else {
            IoWait.channelClosed(transport.reader);
            IoWait.channelClosed(transport.writer);
        }
    }


    @Override
    public boolean isClosed() {
        return closed || transport.isClosed();
    }

    @Override
    public void shutdownInput() throws IOException {
        throw new UnsupportedOperationException("The method shutdownInput() is not supported in SSLSocket");
    }

    @Override
    public void shutdownOutput() throws IOException {
        throw new UnsupportedOperationException("The method shutdownOutput() is not supported in SSLSocket");
    }

    @Override
    public boolean isInputShutdown() {
        synchronized (lock) {
            return engineReady && engine.isInboundDone() || transport.isInputShutdown();
        }
    }

    @Override
    public boolean isOutputShutdown() {
        synchronized (lock) {
            return engineReady && engine.isOutboundDone() || transport.isOutputShutdown();
        }
    }

    // ---- connect and the socket's state: the transport's ----

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        transport.connect(endpoint, timeout);
        connected(endpoint);
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        transport.bind(bindpoint);
    }

    @Override
    public boolean isConnected() {
        return transport.isConnected();
    }

    @Override
    public boolean isBound() {
        return transport.isBound();
    }

    @Override
    public InetAddress getInetAddress() {
        return transport.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return transport.getLocalAddress();
    }

    @Override
    public int getPort() {
        return transport.getPort();
    }

    @Override
    public int getLocalPort() {
        return transport.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return transport.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return transport.getLocalSocketAddress();
    }

    @Override
    public java.nio.channels.SocketChannel getChannel() {
        return null;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        transport.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return transport.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        transport.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return transport.getTcpNoDelay();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        transport.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return transport.getKeepAlive();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        transport.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return transport.getReuseAddress();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        transport.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return transport.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        transport.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return transport.getReceiveBufferSize();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        transport.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return transport.getSoLinger();
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException("This method is not supported by SSLSockets");
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        throw new SocketException("This method is ineffective, since sending urgent data is not supported by "
                + "SSLSockets");
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        throw new SocketException("This method is ineffective, since sending urgent data is not supported by "
                + "SSLSockets");
    }

    @Override
    public <T> java.net.Socket setOption(SocketOption<T> name, T value) throws IOException {
        transport.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return transport.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return transport.supportedOptions();
    }

    // ---- TLS settings: the engine's ----

    @Override
    public String[] getSupportedCipherSuites() {
        synchronized (lock) {
            return engine.getSupportedCipherSuites();
        }
    }

    @Override
    public String[] getEnabledCipherSuites() {
        synchronized (lock) {
            return engine.getEnabledCipherSuites();
        }
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        String[] copy = suites == null ? null : suites.clone();
        configure(e -> e.setEnabledCipherSuites(copy));
    }

    @Override
    public String[] getSupportedProtocols() {
        synchronized (lock) {
            return engine.getSupportedProtocols();
        }
    }

    @Override
    public String[] getEnabledProtocols() {
        synchronized (lock) {
            return engine.getEnabledProtocols();
        }
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        String[] copy = protocols == null ? null : protocols.clone();
        configure(e -> e.setEnabledProtocols(copy));
    }

    @Override
    public SSLSession getSession() {
        boolean handshake;
        synchronized (lock) {
            handshake = (!engineReady || !handshakeBegun || handshaking()) && isConnected() && !isClosed();
        }
        if (handshake) {
            // as the JDK: the session needs a handshake; a failed one gives an invalid session
            try {
                startHandshakeIfNeeded();
            } catch (IOException e) {
                // falls through to the engine's (invalid) session
            }
        }
        synchronized (lock) {
            return engine.getSession();
        }
    }

    private void startHandshakeIfNeeded() throws IOException {
        for (;;) {
            int r = handshakeStepLocked(false, false);
            if (r == DONE) {
                return;
            }
            if (!block(r, r == NEED_READ ? readTimeoutNanos() : 0)) {
                throw new SocketTimeoutException("Read timed out");
            }
        }
    }

    @Override
    public SSLSession getHandshakeSession() {
        synchronized (lock) {
            return engine.getHandshakeSession();
        }
    }

    @Override
    public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        listeners.add(listener);
    }

    @Override
    public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        if (!listeners.remove(listener)) {
            throw new IllegalArgumentException("listener not registered");
        }
    }

    @Override
    public void setUseClientMode(boolean mode) {
        configure(e -> e.setUseClientMode(mode));
    }

    @Override
    public boolean getUseClientMode() {
        synchronized (lock) {
            return engine.getUseClientMode();
        }
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        configure(e -> e.setNeedClientAuth(need));
    }

    @Override
    public boolean getNeedClientAuth() {
        synchronized (lock) {
            return engine.getNeedClientAuth();
        }
    }

    @Override
    public void setWantClientAuth(boolean want) {
        configure(e -> e.setWantClientAuth(want));
    }

    @Override
    public boolean getWantClientAuth() {
        synchronized (lock) {
            return engine.getWantClientAuth();
        }
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        configure(e -> e.setEnableSessionCreation(flag));
    }

    @Override
    public boolean getEnableSessionCreation() {
        synchronized (lock) {
            return engine.getEnableSessionCreation();
        }
    }

    @Override
    public SSLParameters getSSLParameters() {
        synchronized (lock) {
            return engine.getSSLParameters();
        }
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        configure(e -> e.setSSLParameters(params));
    }

    @Override
    public String getApplicationProtocol() {
        synchronized (lock) {
            return engine.getApplicationProtocol();
        }
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        synchronized (lock) {
            return engine.getHandshakeApplicationProtocol();
        }
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> selector) {
        configure(e -> e.setHandshakeApplicationProtocolSelector(
                selector == null ? null : (eng, protocols) -> selector.apply(this, protocols)));
    }

    @Override
    public String toString() {
        return "CoSSLSocket[" + transport + "]";
    }
}
