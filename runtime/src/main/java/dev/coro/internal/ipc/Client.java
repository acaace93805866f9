package dev.coro.internal.ipc;

import dev.coro.ChannelClosedException;
import dev.coro.internal.CoTask;
import dev.coro.internal.Settings;
import dev.coro.internal.Stack;
import dev.coro.internal.StackRunnable;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;
import dev.coro.internal.net.CoSSLSocket;
import dev.coro.internal.net.CoSSLSocketFactory;
import dev.coro.internal.net.CoSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection to a {@link Broker}, shared by every coroutine and thread of a process that uses its queues.
 * Requests carry ids and their replies complete waiters; deliveries fill each consumer's prefetch buffer. The
 * connection's IO is coro's cooperative IO: a reader task parses what comes in and a writer task sends what the
 * callers queued, many frames per write (a put returns once its message is queued for sending), both on the
 * process's {@link IoLoop}, waiting on its Selector (over TLS, in a {@link CoSSLSocket}). When the connection
 * breaks, every waiter fails with a
 * {@link ChannelClosedException} naming the broker's address and the cause, and so does every later call.
 *
 * <pre>{@code
 * Client c = Client.connect("unix:/tmp/coro-ipc-123/queues.sock", null);
 * Endpoint q = c.attach("tasks");
 * q.put(bytes, -1, Stack.current());
 * }</pre>
 */
public final class Client implements AutoCloseable {
    /** Messages a consumer may hold unacknowledged before taking them (system property coro.queue.prefetch). */
    public static final int DEFAULT_PREFETCH = Settings.count("coro.queue.prefetch", 256, 0, 1 << 20);
    /** The most an adaptive consumer holds ahead of its gets. */
    static final int ADAPTIVE_MAX = 64;
    /** Takes closer than this (its callers outpace the broker's round trip): an adaptive consumer holds more ahead. */
    static final long ADAPTIVE_FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A take this long after the previous one (long tasks): an adaptive consumer holds nothing ahead. */
    static final long ADAPTIVE_SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int HIGH_WATER = 4 << 20;
    private static final Map<String, Client> SHARED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Client::flushAllAtExit, "coro-queue-flush"));
    }

    private final String address;
    /** The socket under the connection; closing it ends the connection at once, TLS or not. */
    private final Link.Plain transport;
    /** What frames are read from and written to: the transport, or TLS over it (set once the connector is done). */
    private volatile Link link;
    private final int maxFrame;
    /** Reply waiters: WaitNodes (twins) or CompletableFutures (plain waits). */
    private final Map<Long, Object> pending = new ConcurrentHashMap<>();
    private final Map<Integer, RemoteConsumer> consumers = new ConcurrentHashMap<>();
    private final AtomicLong nextReq = new AtomicLong(1);
    private final AtomicInteger nextSub = new AtomicInteger(1);
    /** Pipe queues whose reading end closed (PEER_CLOSED): queue id to the message puts fail with. */
    private final Map<Integer, String> peerClosed = new ConcurrentHashMap<>();
    /** The tasks that read and write the connection on the IO loop; set there once connected. */
    private volatile CoTask<?> readerTask;
    private volatile CoTask<?> writerTask;

    // the outbox, guarded by outLock
    private final Object outLock = new Object();
    private final WaitQueue spaceWaiters = new WaitQueue(outLock);
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);
    private ByteBuffer spare = ByteBuffer.allocate(64 * 1024);
    /** The writer task's wait for frames to send, while it has none. */
    private WaitNode writerWait;
    private int lastAckPos = -1;
    private int lastAckSub;
    private long lastAckNext;
    private volatile RuntimeException failure;
    /** The writer's failure, while the reader may still read what the broker said before closing. */
    private volatile IOException writeFailure;

    private Client(String address, Link.Plain transport, int maxFrame) {
        this.address = address;
        this.transport = transport;
        this.link = transport;
        this.maxFrame = maxFrame;
    }

    /** Connects, exchanges hellos, runs {@code handshake} (may be null) and waits for the broker's READY. */
    public static Client connect(String address, Handshake handshake) throws IOException {
        return connect(address, handshake, Wire.DEFAULT_MAX_FRAME, Duration.ofSeconds(10));
    }

    /**
     * Like {@link #connect(String, Handshake)}, accepting frames of up to {@code maxFrame} bytes (plus the delivery
     * header) and giving up if the hello and handshake take longer than {@code timeout}.
     */
    public static Client connect(String address, Handshake handshake, int maxFrame, Duration timeout)
            throws IOException {
        return connect(address, handshake, maxFrame, timeout, null, null);
    }

    /**
     * Like {@link #connect(String, Handshake, int, Duration)}, over TLS with {@code tls} (TCP only; null: plain),
     * checking that the broker's certificate names {@code serverName} (the host the caller asked for). Blocks the
     * calling thread; a coroutine uses {@link #start} and awaits its future instead.
     */
    public static Client connect(String address, Handshake handshake, int maxFrame, Duration timeout,
            javax.net.ssl.SSLContext tls, String serverName) throws IOException {
        CompletableFuture<Client> f = start(address, handshake, maxFrame, timeout, tls, serverName);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException) {
                throw (IOException) c;
            }
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            f.cancel(false); // the connector sees it and closes the connection
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting to the queue broker at "
                    + address);
        }
    }

    /**
     * Starts connecting: the connection is made, greeted and authenticated by a task on the process's IO loop,
     * cooperatively, TLS included. The future completes with the ready client, or fails with the
     * {@link IOException} or {@link RuntimeException} that {@link #connect} would throw; cancelling it abandons the
     * attempt.
     */
    public static CompletableFuture<Client> start(String address, Handshake handshake, int maxFrame,
            Duration timeout, javax.net.ssl.SSLContext tls, String serverName) throws IOException {
        SocketAddress sa = Broker.parseAddress(address);
        boolean unix = sa instanceof UnixDomainSocketAddress;
        if (tls != null && unix) {
            throw new IllegalArgumentException("TLS over a Unix-domain socket: " + address);
        }
        SocketChannel ch = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        Client c;
        try {
            c = new Client(address, new Link.Plain(ch), maxFrame + 64);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        Connector k = c.new Connector(sa, handshake, tls, serverName, timeout);
        IoLoop.start(k, "coro-queue-connect " + address, timeout.toNanos(), k::expire);
        return k.result;
    }

    /** This process's shared connection to {@code address}, made on first use (or after the last one broke). */
    public static Client shared(String address) {
        Client c = SHARED.get(address);
        if (c != null && c.failure == null) {
            return c;
        }
        synchronized (SHARED) {
            c = SHARED.get(address);
            if (c == null || c.failure != null) {
                try {
                    c = connect(address, null);
                } catch (IOException e) {
                    throw new ChannelClosedException("cannot connect to the queue broker at " + address + ": " + e);
                }
                SHARED.put(address, c);
            }
            return c;
        }
    }

    public String address() {
        return address;
    }

    public boolean isClosed() {
        return failure != null;
    }

    // ---- connecting ----

    /**
     * Connects, then (TLS) shakes hands, exchanges hellos, runs the handshake's exchange and waits for READY: a task
     * on the IO loop, a leaf at each step; each step's progress lives in its buffer, so a resumed step is simply
     * called again. Then it starts the reader and writer.
     */
    private final class Connector implements StackRunnable {
        private static final int CONNECT = 0;
        private static final int TLS = 1;
        private static final int SEND = 2;
        private static final int HELLO = 3;
        private static final int LENGTH = 4;
        private static final int FRAME = 5;

        final CompletableFuture<Client> result = new CompletableFuture<>();
        private final SocketAddress to;
        private final Handshake handshake;
        private final javax.net.ssl.SSLContext tls;
        private final String serverName;
        private final Duration timeout;
        private int step = CONNECT;
        /** What the step reads or writes. */
        private ByteBuffer buf;
        /** The step after {@link #SEND}. */
        private int afterSend;
        private Link.Tls tlsLink;
        private Handshake.Exchange ex;
        private volatile boolean timedOut;

        Connector(SocketAddress to, Handshake handshake, javax.net.ssl.SSLContext tls, String serverName,
                Duration timeout) {
            this.to = to;
            this.handshake = handshake;
            this.tls = tls;
            this.serverName = serverName;
            this.timeout = timeout;
        }

        /** The timeout passed (IO loop): the connection is closed and the connector, waiting on it, cancelled. */
        boolean expire() {
            if (result.isDone()) {
                return false;
            }
            timedOut = true;
            transport.close();
            return true;
        }

        @Override
        public void run(Stack s) {
            try {
                if (result.isCancelled()) {
                    throw new java.util.concurrent.CancellationException("connecting was abandoned");
                }
                if (!steps(s)) {
                    return; // suspending
                }
                writerTask = IoLoop.spawnHere(new Writer(), "coro-queue-writer " + address);
                readerTask = IoLoop.spawnHere(new Reader(), "coro-queue-reader " + address);
                if (!result.complete(Client.this)) {
                    fail("the caller stopped waiting for the connection", null);
                }
            } catch (Throwable e) {
                transport.close();
                result.completeExceptionally(explain(e));
            }
        }

        /** True once READY came; false while suspending. */
        private boolean steps(Stack s) throws Exception {
            for (;;) {
                switch (step) {
                    case CONNECT:
                        if (!transport.connect(to, s)) {
                            return false;
                        }
                        if (!(to instanceof UnixDomainSocketAddress)) {
                            transport.channel().setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                        }
                        if (tls != null) {
                            tlsLink = new Link.Tls(layerTls(transport.channel(), (InetSocketAddress) to));
                            step = TLS;
                            break;
                        }
                        sendHello();
                        break;
                    case TLS:
                        tlsLink.handshake(s);
                        if (Suspend.isSuspending(s)) {
                            return false;
                        }
                        link = tlsLink;
                        sendHello();
                        break;
                    case SEND:
                        link.write(buf, s);
                        if (Suspend.isSuspending(s)) {
                            return false;
                        }
                        buf = ByteBuffer.allocate(afterSend == HELLO ? Wire.HELLO_BYTES : 4);
                        step = afterSend;
                        break;
                    case HELLO:
                        link.readFully(buf, s, address);
                        if (Suspend.isSuspending(s)) {
                            return false;
                        }
                        buf.flip();
                        try {
                            Wire.checkHello(buf);
                        } catch (ProtocolException e) {
                            throw new ProtocolException("queue broker at " + address + ": " + e.getMessage());
                        }
                        ex = handshake == null ? null : handshake.start(false, address);
                        byte[] first = ex == null ? null : ex.initial();
                        if (first != null) {
                            send(frame(Wire.AUTH, first), LENGTH);
                        } else {
                            buf = ByteBuffer.allocate(4);
                            step = LENGTH;
                        }
                        break;
                    case LENGTH:
                        link.readFully(buf, s, address);
                        if (Suspend.isSuspending(s)) {
                            return false;
                        }
                        int n = buf.getInt(0);
                        Wire.checkLength(n, maxFrame);
                        buf = ByteBuffer.allocate(n);
                        step = FRAME;
                        break;
                    case FRAME:
                        link.readFully(buf, s, address);
                        if (Suspend.isSuspending(s)) {
                            return false;
                        }
                        buf.flip();
                        if (handled(buf)) {
                            return true;
                        }
                        break;
                    default:
                        throw new IllegalStateException("step " + step);
                }
            }
        }

        private void sendHello() {
            ByteBuffer hello = ByteBuffer.allocate(Wire.HELLO_BYTES);
            Wire.putHello(hello);
            hello.flip();
            send(hello, HELLO);
        }

        private void send(ByteBuffer b, int then) {
            buf = b;
            afterSend = then;
            step = SEND;
        }

        /** One frame while connecting: true for READY. */
        private boolean handled(ByteBuffer f) throws Exception {
            byte type = f.get();
            if (type == Wire.AUTH && ex != null) {
                byte[] msg = new byte[f.remaining()];
                f.get(msg);
                byte[] reply = ex.receive(msg);
                if (reply != null) {
                    send(frame(Wire.AUTH, reply), LENGTH);
                } else {
                    buf = ByteBuffer.allocate(4);
                    step = LENGTH;
                }
                return false;
            }
            if (type == Wire.READY) {
                if (ex != null && !ex.isComplete()) {
                    throw new ProtocolException("queue broker at " + address + " said READY before the handshake"
                            + " completed on this side");
                }
                return true;
            }
            if (type == Wire.ERROR) {
                throw new ProtocolException("queue broker at " + address + " refused the connection: "
                        + Wire.getString(f, f.limit(), type));
            }
            throw new ProtocolException("queue broker at " + address + ": unexpected " + Wire.typeName(type)
                    + " frame while connecting");
        }

        private CoSSLSocket layerTls(SocketChannel ch, InetSocketAddress sa) throws IOException {
            String host = serverName != null ? serverName : sa.getHostString();
            CoSSLSocket ssl = (CoSSLSocket) new CoSSLSocketFactory(tls).layer(CoSocket.connected(ch), host,
                    sa.getPort(), true);
            javax.net.ssl.SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host asked for
            ssl.setSSLParameters(p);
            ssl.setUseClientMode(true);
            return ssl;
        }

        /** What the caller of connect is told. */
        private Throwable explain(Throwable e) {
            if (timedOut) {
                return new IOException("queue broker at " + address + " did not complete the hello and handshake"
                        + " within " + timeout.toMillis() + " ms", e);
            }
            if (e instanceof javax.net.ssl.SSLException && step == TLS) {
                javax.net.ssl.SSLHandshakeException x = new javax.net.ssl.SSLHandshakeException("TLS handshake"
                        + " with " + address + " failed: " + e.getMessage() + " (does it serve TLS, with a"
                        + " certificate this side trusts for that host?)");
                x.initCause(e);
                return x;
            }
            if (e instanceof IOException || e instanceof RuntimeException || e instanceof Error) {
                return e; // the broker's refusal (ProtocolException), or this side's exchange failing, as it is
            }
            return new ProtocolException("handshake with the queue broker at " + address + " failed: "
                    + e.getMessage(), e);
        }
    }

    private static ByteBuffer frame(byte type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.putInt(1 + payload.length).put(type).put(payload).flip();
        return b;
    }

    // ---- queues ----

    /** The queue of that name on the broker; fails if there is none. */
    public Endpoint attach(String name) {
        long req = nextReq.getAndIncrement();
        byte[] n = Wire.utf8(name);
        if (n.length > 65535) {
            throw new IllegalArgumentException("queue name too long");
        }
        CompletableFuture<int[]> f = new CompletableFuture<>();
        pending.put(req, f);
        synchronized (outLock) {
            checkOpen();
            ensure(5 + 8 + 2 + n.length);
            out.putInt(1 + 8 + 2 + n.length).put(Wire.ATTACH).putLong(req).putShort((short) n.length).put(n);
            wakeWriter();
        }
        int[] r = awaitPlain(f, "attaching queue '" + name + "'");
        return new RemoteQueue(name, r[0], r[1]);
    }

    /** Waits (at most 10 s) until the broker has handled every frame queued before this call. */
    public void flush() {
        if (failure != null) {
            return;
        }
        long req = nextReq.getAndIncrement();
        CompletableFuture<int[]> f = new CompletableFuture<>();
        pending.put(req, f);
        synchronized (outLock) {
            checkOpen();
            ensure(13);
            out.putInt(9).put(Wire.SYNC).putLong(req);
            wakeWriter();
        }
        awaitPlain(f, "flushing");
    }

    /** A plain wait (connect-time and close-time calls): the reader completes a future. */
    private <V> V awaitPlain(CompletableFuture<V> f, String what) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new ChannelClosedException("queue broker at " + address + ": " + c);
        } catch (TimeoutException e) {
            throw new ChannelClosedException("queue broker at " + address + " did not answer within 10 s ("
                    + what + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted while " + what);
        }
    }

    @SuppressWarnings("unchecked")
    private static void completeWaiter(Object w, Object value) {
        if (w instanceof WaitNode) {
            ((WaitNode) w).complete(value);
        } else {
            ((CompletableFuture<Object>) w).complete(value);
        }
    }

    private static void failWaiter(Object w, RuntimeException e) {
        if (w instanceof WaitNode) {
            ((WaitNode) w).fail(e);
        } else {
            ((CompletableFuture<?>) w).completeExceptionally(e);
        }
    }

    private static ChannelClosedException closedError(String message, Throwable cause) {
        ChannelClosedException e = new ChannelClosedException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private void checkOpen() {
        RuntimeException f = failure;
        if (f != null) {
            throw closedError(f.getMessage(), f);
        }
    }

    private void ensure(int n) {
        if (out.remaining() < n) {
            ByteBuffer b = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + n));
            out.flip();
            b.put(out);
            out = b;
        }
    }

    /** Under outLock: the writer task, if it waits for frames, goes on (through the IO loop's door). */
    private void wakeWriter() {
        WaitNode w = writerWait;
        if (w != null) {
            writerWait = null;
            w.complete(null);
        }
    }

    private void sendAck(int sub, long tag) {
        synchronized (outLock) {
            if (failure != null) {
                return; // the broker redelivers whatever this connection held
            }
            if (lastAckPos >= 0 && lastAckSub == sub && lastAckNext == tag) {
                int countAt = lastAckPos + 5 + 4 + 8;
                out.putInt(countAt, out.getInt(countAt) + 1);
                lastAckNext++;
                return;
            }
            ensure(21);
            lastAckPos = out.position();
            lastAckSub = sub;
            lastAckNext = tag + 1;
            out.putInt(17).put(Wire.ACK).putInt(sub).putLong(tag).putInt(1);
            wakeWriter();
        }
    }

    /** See {@link Wire#CREDIT_TO}. Called under the consumer's monitor, so that its frames go out in order. */
    private void sendCreditTo(int sub, long received, int window) {
        synchronized (outLock) {
            if (failure != null) {
                return;
            }
            ensure(21);
            out.putInt(17).put(Wire.CREDIT_TO).putInt(sub).putLong(received).putInt(window);
            wakeWriter();
        }
    }

    private void sendSub(int sub, int qid, int credit) {
        synchronized (outLock) {
            checkOpen();
            ensure(17);
            out.putInt(13).put(Wire.SUB).putInt(sub).putInt(qid).putInt(credit);
            wakeWriter();
        }
    }

    private void sendUnsub(int sub) {
        synchronized (outLock) {
            if (failure != null) {
                return;
            }
            ensure(9);
            out.putInt(5).put(Wire.UNSUB).putInt(sub);
            wakeWriter();
        }
    }

    // ---- the writer ----

    /**
     * Sends what the callers queued, many frames per write: a task on the IO loop that waits for frames, then for
     * the socket. The buffer it sends keeps its progress, so a resumed write is the same call again.
     */
    private final class Writer implements StackRunnable {
        private ByteBuffer sending;

        @Override
        public void run(Stack s) {
            try {
                if (sending == null && Suspend.isResuming(s)) {
                    Suspend.resumeWait(s, null); // frames came (or the connection failed)
                }
                for (;;) {
                    if (sending == null) {
                        synchronized (outLock) {
                            if (failure != null) {
                                return;
                            }
                            if (out.position() == 0) {
                                WaitNode w = Suspend.prepareWait(s, "frames to send");
                                w.markExternal();
                                writerWait = w;
                                return;
                            }
                            sending = out;
                            out = spare;
                            spare = null;
                            lastAckPos = -1;
                            WaitNode w;
                            while ((w = spaceWaiters.pollWaiting()) != null) {
                                w.complete(null);
                            }
                        }
                        sending.flip();
                    }
                    link.write(sending, s);
                    if (Suspend.isSuspending(s)) {
                        return;
                    }
                    ByteBuffer b = sending;
                    sending = null;
                    b.clear();
                    if (b.capacity() > 1 << 20) {
                        b = ByteBuffer.allocate(64 * 1024);
                    }
                    synchronized (outLock) {
                        spare = b;
                    }
                }
            } catch (java.util.concurrent.CancellationException e) {
                fail("closed", null); // only fail() cancels: the failure is set already
            } catch (IOException e) {
                writeFailed(e);
            } catch (RuntimeException e) {
                fail("the writer failed: " + e, e);
            }
        }
    }

    /**
     * A write failed (the broker closed its end: a broken pipe, a reset). What the broker said before closing (its
     * ERROR frame: shut down, a protocol error) may still be waiting to be read, and is the better explanation: the
     * reader, which meets it or the end of the stream next, fails the connection; if it has not within a second,
     * the write error does.
     */
    private void writeFailed(IOException e) {
        writeFailure = e;
        IoLoop.loop().spawnLater(1_000_000_000L, (StackRunnable) s -> fail("write failed: " + e.getMessage(), e),
                "coro-queue-write-failed " + address);
    }

    // ---- the reader ----

    /** Parses what comes in: a task on the IO loop, suspended in its read while the broker has nothing to say. */
    private final class Reader implements StackRunnable {
        private ByteBuffer in = ByteBuffer.allocate(256 * 1024);
        private final List<Msg> batch = new ArrayList<>();

        @Override
        public void run(Stack s) {
            try {
                for (;;) {
                    int n = link.read(in, s);
                    if (Suspend.isSuspending(s)) {
                        return;
                    }
                    if (n < 0) {
                        IOException w = writeFailure;
                        fail(w != null ? "write failed: " + w.getMessage()
                                : in.position() > 0 ? "the connection closed mid-frame" : "the connection was closed",
                                w);
                        return;
                    }
                    in.flip();
                    if (!consume()) {
                        return;
                    }
                    in.compact();
                }
            } catch (java.util.concurrent.CancellationException e) {
                fail("closed", null); // only fail() cancels: the failure is set already
            } catch (IOException e) {
                IOException w = writeFailure;
                fail(w != null ? "write failed: " + w.getMessage() : "read failed: " + e.getMessage(),
                        w != null ? w : e);
            } catch (RuntimeException e) {
                fail("protocol error from the broker: " + e.getMessage(), e);
            }
        }

        /** Handles every whole frame in {@code in}; false if the broker ended the connection. */
        private boolean consume() throws IOException {
            RemoteConsumer batchOf = null;
            while (in.remaining() >= 4) {
                int len = in.getInt(in.position());
                Wire.checkLength(len, maxFrame);
                if (in.remaining() < 4 + len) {
                    if (in.capacity() < 4 + len) {
                        ByteBuffer b = ByteBuffer.allocate(Math.max(4 + len, in.capacity() * 2));
                        b.put(in);
                        b.flip();
                        in = b;
                    }
                    break;
                }
                in.position(in.position() + 4);
                int end = in.position() + len;
                byte type = in.get();
                if (type == Wire.DELIVER) {
                    Wire.need(in, 24, end, type);
                    int sub = in.getInt();
                    long tag = in.getLong();
                    long id = in.getLong();
                    int deliveries = in.getInt();
                    byte[] body = new byte[end - in.position()];
                    in.get(body);
                    RemoteConsumer c = consumers.get(sub);
                    if (c != batchOf && batchOf != null) {
                        batchOf.offerAll(batch);
                        batch.clear();
                    }
                    batchOf = c;
                    if (c != null) {
                        Msg m = new Msg(id, deliveries, body);
                        m.tag = tag;
                        batch.add(m);
                    }
                    continue;
                }
                if (batchOf != null) {
                    batchOf.offerAll(batch);
                    batch.clear();
                    batchOf = null;
                }
                switch (type) {
                    case Wire.REPLY: {
                        Wire.need(in, 16, end, type);
                        long req = in.getLong();
                        int a = in.getInt();
                        int b = in.getInt();
                        Object n = pending.remove(req);
                        if (n != null) {
                            completeWaiter(n, new int[] {a, b});
                        }
                        break;
                    }
                    case Wire.FAIL: {
                        Wire.need(in, 8, end, type);
                        long req = in.getLong();
                        String message = Wire.getString(in, end, type);
                        Object n = pending.remove(req);
                        if (n != null) {
                            failWaiter(n, new IllegalStateException(message));
                        }
                        break;
                    }
                    case Wire.SEALED: {
                        Wire.need(in, 4, end, type);
                        int sub = in.getInt();
                        String message = Wire.getString(in, end, type);
                        RemoteConsumer c = consumers.get(sub);
                        if (c != null) {
                            c.sealed(message);
                        }
                        break;
                    }
                    case Wire.PEER_CLOSED: {
                        Wire.need(in, 4, end, type);
                        int qid = in.getInt();
                        peerClosed.put(qid, Wire.getString(in, end, type));
                        break;
                    }
                    case Wire.ERROR:
                        fail("the broker closed the connection: " + Wire.getString(in, end, type), null);
                        return false;
                    default:
                        throw new ProtocolException("unexpected " + Wire.typeName(type) + " frame from the broker");
                }
                in.position(end);
            }
            if (batchOf != null) {
                batchOf.offerAll(batch);
                batch.clear();
            }
            return true;
        }
    }

    private void fail(String why, Throwable cause) {
        ChannelClosedException e = closedError("the queue broker at " + address + " is gone: " + why, cause);
        List<Object> waiters = new ArrayList<>();
        synchronized (outLock) {
            if (failure != null) {
                return;
            }
            failure = e;
            wakeWriter(); // it sees the failure and ends
            WaitNode w;
            while ((w = spaceWaiters.pollWaiting()) != null) {
                waiters.add(w);
            }
        }
        SHARED.remove(address, this);
        link.close();
        transport.close();
        // a task waiting on the socket is not woken by closing it (the writer, if it waits for frames, ends anyway)
        for (CoTask<?> t : new CoTask<?>[] {readerTask, writerTask}) {
            if (t != null) {
                t.cancel();
            }
        }
        for (Long req : pending.keySet()) {
            Object n = pending.remove(req);
            if (n != null) {
                waiters.add(n);
            }
        }
        for (RemoteConsumer c : consumers.values()) {
            c.failAll(waiters);
        }
        for (Object w : waiters) {
            failWaiter(w, closedError(e.getMessage(), e));
        }
    }

    /** Closes the connection: the broker puts back whatever this process held unacknowledged. */
    @Override
    public void close() {
        try {
            flush();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        fail("closed by this process", null);
    }

    private static void flushAllAtExit() {
        for (Client c : SHARED.values()) {
            try {
                c.flush();
            } catch (RuntimeException ignored) {
                // best effort at exit
            }
        }
    }

    /** A queue seen through this connection. */
    private final class RemoteQueue implements Endpoint {
        private final String name;
        private final int qid;
        private final int capacity;

        RemoteQueue(String name, int qid, int capacity) {
            this.name = name;
            this.qid = qid;
            this.capacity = capacity;
        }

        @Override
        public String address() {
            return address;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public boolean put(byte[] body, long nanos, Stack s) {
            if (!Suspend.isResuming(s)) {
                String closed = peerClosed.get(qid);
                if (closed != null) {
                    throw new ChannelClosedException(closed);
                }
            }
            return capacity == 0 ? putUnbounded(body, s) : putBounded(body, nanos, s);
        }

        private void checkSize(byte[] body) {
            if (body.length > maxFrame - 128) {
                throw new IllegalArgumentException("a message of " + body.length + " bytes is over the queue's"
                        + " frame limit (" + (maxFrame - 128) + " bytes)");
            }
        }

        private boolean putUnbounded(byte[] body, Stack s) {
            if (Suspend.isResuming(s)) {
                byte[] saved = (byte[]) s.popA(); // the arguments are not passed again on resume
                Suspend.resumeWait(s, null);
                synchronized (outLock) {
                    appendPut(saved);
                }
                return true;
            }
            checkSize(body);
            WaitNode node;
            synchronized (outLock) {
                if (out.position() < HIGH_WATER) {
                    appendPut(body);
                    return true;
                }
                checkOpen();
                node = Suspend.prepareWait(s, "put while the connection's send buffer is full");
                node.markExternal();
                spaceWaiters.add(node);
            }
            if (node.isPlainThread()) {
                Suspend.blockOn(node, 0);
                node.outcome();
                synchronized (outLock) {
                    appendPut(body);
                }
                return true;
            }
            s.pushA(body);
            return true;
        }

        private void appendPut(byte[] body) {
            checkOpen();
            ensure(9 + body.length);
            out.putInt(5 + body.length).put(Wire.PUT).putInt(qid).put(body);
            wakeWriter();
        }

        private boolean putBounded(byte[] body, long nanos, Stack s) {
            if (Suspend.isResuming(s)) {
                int[] r = (int[]) Suspend.resumeWait(s, null);
                return r[0] == 1;
            }
            checkSize(body);
            long req = nextReq.getAndIncrement();
            WaitNode node = Suspend.prepareWait(s, "put on a full process queue");
            node.markExternal();
            pending.put(req, node);
            long millis = nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
            synchronized (outLock) {
                if (failure != null) {
                    pending.remove(req);
                    node.abandon();
                    checkOpen();
                }
                ensure(25 + body.length);
                out.putInt(21 + body.length).put(Wire.PUT_WAIT).putLong(req).putInt(qid).putLong(millis).put(body);
                wakeWriter();
            }
            if (node.isPlainThread()) {
                // the broker answers within the timeout (or the connection fails): no deadline of our own
                Suspend.blockOn(node, 0);
                return ((int[]) node.outcome())[0] == 1;
            }
            return false;
        }

        @Override
        public Runnable claimEnd() {
            long req = nextReq.getAndIncrement();
            CompletableFuture<int[]> f = new CompletableFuture<>();
            pending.put(req, f);
            synchronized (outLock) {
                checkOpen();
                ensure(17);
                out.putInt(13).put(Wire.CLAIM).putLong(req).putInt(qid);
                wakeWriter();
            }
            int[] r;
            try {
                r = awaitPlain(f, "claiming a pipe end");
            } catch (IllegalStateException e) { // FAIL: the end is closed, or not a pipe's
                if (e.getMessage() != null && e.getMessage().startsWith("pipe '")) {
                    throw new ChannelClosedException(e.getMessage());
                }
                throw e;
            }
            if (r[1] == 1) {
                peerClosed.putIfAbsent(qid, "the other end of the pipe (queue '" + name + "' at " + address
                        + ") was closed");
            }
            java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
            return () -> {
                if (released.compareAndSet(false, true)) {
                    synchronized (outLock) {
                        if (failure != null) {
                            return; // the broker let go of this connection's holds when it ended
                        }
                        ensure(9);
                        out.putInt(5).put(Wire.RELEASE).putInt(qid);
                        wakeWriter();
                    }
                }
            };
        }

        @Override
        public Endpoint.Consumer consumer() {
            return consumer(capacity > 0 ? 0 : DEFAULT_PREFETCH);
        }

        @Override
        public Endpoint.Consumer consumer(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch is negative: " + prefetch);
            }
            return new RemoteConsumer(this, nextSub.getAndIncrement(), prefetch, false);
        }

        @Override
        public Endpoint.Consumer adaptiveConsumer() {
            return new RemoteConsumer(this, nextSub.getAndIncrement(), 0, true);
        }

        @Override
        public void flush() {
            Client.this.flush();
        }
    }

    /**
     * A subscription: prefetched deliveries and the coroutines and threads waiting for them.
     *
     * <p>Credit: the consumer wants {@code max(waiting getters, ahead)} messages kept or on their way, and tells the
     * broker so with absolute {@link Wire#CREDIT_TO} frames (it tops up in batches of a quarter of {@code ahead}, at
     * once when a getter would otherwise go without; it takes back at once). {@code ahead} is the prefetch window, 0
     * for pull mode (each waiting get asks for one message) or, for an adaptive consumer, what its callers' pace asks
     * for: it doubles (up to {@link #ADAPTIVE_MAX}) each time a get finds nothing kept although the previous message
     * was taken less than {@link #ADAPTIVE_FAST_NANOS} before (the callers are faster than the round trip to the
     * broker), and drops to 0 once a caller takes longer than {@link #ADAPTIVE_SLOW_NANOS} between gets (long
     * tasks: hold nothing ahead, so that work spreads over the consumers).
     */
    private final class RemoteConsumer implements Endpoint.Consumer {
        private final RemoteQueue q;
        private final int id;
        private final boolean adaptive;
        private final ArrayDeque<Msg> items = new ArrayDeque<>();
        private final WaitQueue getters = new WaitQueue(this);
        private int ahead;
        /** The window last asked for, less the deliveries received since: an estimate, for when to ask again. */
        private int granted;
        /** The tag of the last delivery received. */
        private long received;
        /** When a get last handed out a message (adaptive consumers); 0: never. */
        private long lastTaken;
        private volatile boolean closed;
        /** SEALED: every message of this (pipe) queue was delivered; gets fail with this once items are empty. */
        private String sealed;

        RemoteConsumer(RemoteQueue q, int id, int window, boolean adaptive) {
            this.q = q;
            this.id = id;
            this.ahead = window;
            this.adaptive = adaptive;
            this.granted = window;
            consumers.put(id, this);
            sendSub(id, q.qid, window);
        }

        /** Under the monitor: asks for what is wanted now, if that is less than asked before or enough more. */
        private void updateCredit() {
            int want = Math.max(getters.size(), ahead) - items.size();
            if (want < 0) {
                want = 0;
            }
            if (want == granted) {
                return;
            }
            if (want > granted && items.size() + granted >= getters.size()
                    && want - granted < Math.max(1, ahead >> 2)) {
                return; // no getter goes without: wait for a batch's worth
            }
            granted = want;
            sendCreditTo(id, received, want);
        }

        /** Adaptive consumers, at each get (under the monitor): adjusts {@code ahead} to the callers' pace. */
        private void adapt() {
            if (lastTaken == 0) {
                return;
            }
            long gap = System.nanoTime() - lastTaken;
            if (gap > ADAPTIVE_SLOW_NANOS) {
                ahead = 0;
            } else if (gap < ADAPTIVE_FAST_NANOS && items.isEmpty() && ahead < ADAPTIVE_MAX) {
                ahead = Math.min(ADAPTIVE_MAX, Math.max(1, ahead * 2));
            }
        }

        /** A get gave up waiting: takes back the credit it asked for (a delivery already on its way stays kept). */
        private void gaveUp() {
            synchronized (this) {
                updateCredit();
            }
        }

        /** Reader thread: hands deliveries to waiting getters, keeps the rest. */
        void offerAll(List<Msg> msgs) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                for (Msg m : msgs) {
                    received = m.tag;
                    if (granted > 0) {
                        granted--;
                    }
                    WaitNode w;
                    boolean handed = false;
                    while ((w = getters.pollWaiting()) != null) {
                        if (w.complete(m)) {
                            handed = true;
                            break;
                        }
                    }
                    if (!handed) {
                        items.addLast(m); // (a message handed to a getter must not also be kept for the next get)
                    } else if (adaptive) {
                        lastTaken = System.nanoTime();
                    }
                }
                updateCredit();
            }
        }

        /** Reader thread: the queue is sealed and everything in it was delivered to this consumer. */
        void sealed(String message) {
            List<Object> waiting = new ArrayList<>();
            synchronized (this) {
                sealed = message;
                if (items.isEmpty()) {
                    failAll(waiting);
                }
            }
            for (Object w : waiting) {
                failWaiter(w, new ChannelClosedException(message));
            }
        }

        void failAll(List<Object> into) {
            synchronized (this) {
                WaitNode w;
                while ((w = getters.pollWaiting()) != null) {
                    into.add(w);
                }
            }
        }

        @Override
        public Msg get(long nanos, Stack s) {
            if (Suspend.isResuming(s)) {
                Msg got = (Msg) Suspend.resumeWait(s, null);
                if (got == null) {
                    gaveUp();
                }
                return got;
            }
            WaitNode node;
            Msg m;
            synchronized (this) {
                if (closed) {
                    throw new ChannelClosedException("this handle on queue '" + q.name + "' is closed");
                }
                if (adaptive) {
                    adapt();
                }
                m = items.pollFirst();
                if (m != null) {
                    node = null;
                    if (adaptive) {
                        lastTaken = System.nanoTime();
                    }
                } else {
                    checkOpen();
                    if (sealed != null) {
                        throw new ChannelClosedException(sealed);
                    }
                    if (nanos == 0) {
                        updateCredit(); // what the pace asks for now, even if this get takes nothing
                        return null;
                    }
                    node = Suspend.prepareWait(s, "get on an empty process queue");
                    node.markExternal();
                    getters.add(node);
                }
                updateCredit();
            }
            if (node == null) {
                return m;
            }
            if (node.isPlainThread()) {
                if (Suspend.blockOn(node, nanos < 0 ? 0 : nanos)) {
                    return (Msg) node.outcome();
                }
                gaveUp();
                return null;
            }
            if (nanos > 0) {
                Suspend.timeoutWait(s, nanos);
            }
            return null;
        }

        @Override
        public void ack(Msg m) {
            if (!closed) { // once closed, the broker took back everything unacknowledged
                sendAck(id, m.tag);
            }
        }

        @Override
        public void close(Msg unacked) {
            List<Object> waiting = new ArrayList<>();
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                items.clear();
                failAll(waiting);
            }
            consumers.remove(id);
            sendUnsub(id); // the broker puts back everything of this subscription not acknowledged
            for (Object w : waiting) {
                failWaiter(w, new ChannelClosedException("the handle on queue '" + q.name + "' was closed"));
            }
        }
    }
}
