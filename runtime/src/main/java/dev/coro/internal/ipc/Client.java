package dev.coro.internal.ipc;

import dev.coro.ChannelClosedException;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

import java.io.EOFException;
import java.io.IOException;
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
 * Requests carry ids and their replies complete waiters; deliveries fill each consumer's prefetch buffer. A reader
 * thread parses what comes in; a writer thread sends what the callers queued, many frames per write (a put returns
 * once its message is queued for sending). When the connection breaks, every waiter fails with a
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
    public static final int DEFAULT_PREFETCH = Integer.getInteger("coro.queue.prefetch", 256);
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
    /** The connection: a socket channel, or a TLS socket seen as one. */
    private final java.nio.channels.ByteChannel ch;
    private final int maxFrame;
    private final Thread reader;
    private final Thread writer;
    /** Reply waiters: WaitNodes (twins) or CompletableFutures (plain waits). */
    private final Map<Long, Object> pending = new ConcurrentHashMap<>();
    private final Map<Integer, RemoteConsumer> consumers = new ConcurrentHashMap<>();
    private final AtomicLong nextReq = new AtomicLong(1);
    private final AtomicInteger nextSub = new AtomicInteger(1);
    /** Pipe queues whose reading end closed (PEER_CLOSED): queue id to the message puts fail with. */
    private final Map<Integer, String> peerClosed = new ConcurrentHashMap<>();

    // the outbox, guarded by outLock
    private final Object outLock = new Object();
    private final WaitQueue spaceWaiters = new WaitQueue(outLock);
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);
    private ByteBuffer spare = ByteBuffer.allocate(64 * 1024);
    private boolean writerWaiting;
    private int lastAckPos = -1;
    private int lastAckSub;
    private long lastAckNext;
    private volatile RuntimeException failure;

    private Client(String address, java.nio.channels.ByteChannel ch, int maxFrame) {
        this.address = address;
        this.ch = ch;
        this.maxFrame = maxFrame;
        this.reader = new Thread(this::readLoop, "coro-queue-reader " + address);
        this.writer = new Thread(this::writeLoop, "coro-queue-writer " + address);
        reader.setDaemon(true);
        writer.setDaemon(true);
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
     * checking that the broker's certificate names {@code serverName} (the host the caller asked for).
     */
    public static Client connect(String address, Handshake handshake, int maxFrame, Duration timeout,
            javax.net.ssl.SSLContext tls, String serverName) throws IOException {
        SocketAddress sa = Broker.parseAddress(address);
        if (tls != null) {
            if (sa instanceof UnixDomainSocketAddress) {
                throw new IllegalArgumentException("TLS over a Unix-domain socket: " + address);
            }
            TlsLink link = TlsLink.open((java.net.InetSocketAddress) sa, tls, serverName, timeout);
            try {
                Client c = new Client(address, link, maxFrame + 64);
                c.greet(handshake, timeout);
                c.reader.start();
                c.writer.start();
                return c;
            } catch (IOException | RuntimeException e) {
                link.close();
                throw e;
            }
        }
        SocketChannel ch = sa instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            ch.connect(sa);
            if (!(sa instanceof UnixDomainSocketAddress)) {
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            }
            Client c = new Client(address, ch, maxFrame + 64);
            c.greet(handshake, timeout);
            c.reader.start();
            c.writer.start();
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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

    private void greet(Handshake handshake, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // the greeting (and the TLS handshake) runs with a watchdog: a broker that never answers must not hang us
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                timedOut.set(true);
                ch.close();
            } catch (InterruptedException | IOException ignored) {
                // finished in time
            }
        }, "coro-queue-connect-timeout");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            if (ch instanceof TlsLink) {
                ((TlsLink) ch).handshake(address);
            }
            ByteBuffer hello = ByteBuffer.allocate(Wire.HELLO_BYTES);
            Wire.putHello(hello);
            hello.flip();
            writeFully(hello);
            ByteBuffer theirs = ByteBuffer.allocate(Wire.HELLO_BYTES);
            readFully(theirs);
            theirs.flip();
            try {
                Wire.checkHello(theirs);
            } catch (ProtocolException e) {
                throw new ProtocolException("queue broker at " + address + ": " + e.getMessage());
            }
            Handshake.Exchange ex = handshake == null ? null : handshake.start(false, address);
            if (ex != null) {
                byte[] first = ex.initial();
                if (first != null) {
                    sendFrameNow(Wire.AUTH, first);
                }
            }
            for (;;) {
                ByteBuffer f = readFrameBlocking();
                byte type = f.get();
                if (type == Wire.AUTH && ex != null) {
                    byte[] msg = new byte[f.remaining()];
                    f.get(msg);
                    byte[] reply = ex.receive(msg);
                    if (reply != null) {
                        sendFrameNow(Wire.AUTH, reply);
                    }
                } else if (type == Wire.READY) {
                    if (ex != null && !ex.isComplete()) {
                        throw new ProtocolException("queue broker at " + address + " said READY before the handshake"
                                + " completed on this side");
                    }
                    return;
                } else if (type == Wire.ERROR) {
                    throw new ProtocolException("queue broker at " + address + " refused the connection: "
                            + Wire.getString(f, f.limit(), type));
                } else {
                    throw new ProtocolException("queue broker at " + address + ": unexpected "
                            + Wire.typeName(type) + " frame while connecting");
                }
            }
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new IOException("queue broker at " + address + " did not complete the hello and handshake"
                        + " within " + timeout.toMillis() + " ms", e);
            }
            throw e;
        } catch (RuntimeException e) {
            throw e; // the broker's refusal (ProtocolException), or this side's exchange failing, as it is
        } catch (Exception e) {
            throw new ProtocolException("handshake with the queue broker at " + address + " failed: "
                    + e.getMessage(), e);
        } finally {
            watchdog.interrupt();
        }
    }

    private void sendFrameNow(byte type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.putInt(1 + payload.length).put(type).put(payload).flip();
        writeFully(b);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("the queue broker at " + address + " closed the connection");
            }
        }
    }

    private ByteBuffer readFrameBlocking() throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(len);
        int n = len.getInt(0);
        Wire.checkLength(n, maxFrame);
        ByteBuffer f = ByteBuffer.allocate(n);
        readFully(f);
        f.flip();
        return f;
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

    private void wakeWriter() {
        if (writerWaiting) {
            writerWaiting = false;
            outLock.notify();
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

    private void writeLoop() {
        try {
            for (;;) {
                ByteBuffer b;
                synchronized (outLock) {
                    while (out.position() == 0 && failure == null) {
                        writerWaiting = true;
                        outLock.wait();
                    }
                    if (failure != null) {
                        return;
                    }
                    b = out;
                    out = spare;
                    spare = null;
                    lastAckPos = -1;
                    WaitNode w;
                    while ((w = spaceWaiters.pollWaiting()) != null) {
                        w.complete(null);
                    }
                }
                b.flip();
                writeFully(b);
                b.clear();
                if (b.capacity() > 1 << 20) {
                    b = ByteBuffer.allocate(64 * 1024);
                }
                synchronized (outLock) {
                    spare = b;
                }
            }
        } catch (IOException e) {
            fail("write failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            fail("the writer was interrupted", e);
        }
    }

    // ---- the reader ----

    private void readLoop() {
        ByteBuffer in = ByteBuffer.allocate(256 * 1024);
        List<Msg> batch = new ArrayList<>();
        try {
            for (;;) {
                if (ch.read(in) < 0) {
                    fail(in.position() > 0 ? "the connection closed mid-frame" : "the connection was closed", null);
                    return;
                }
                in.flip();
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
                            return;
                        default:
                            throw new ProtocolException("unexpected " + Wire.typeName(type) + " frame from the broker");
                    }
                    in.position(end);
                }
                if (batchOf != null) {
                    batchOf.offerAll(batch);
                    batch.clear();
                }
                in.compact();
            }
        } catch (IOException e) {
            fail("read failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            fail("protocol error from the broker: " + e.getMessage(), e);
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
            outLock.notifyAll();
            WaitNode w;
            while ((w = spaceWaiters.pollWaiting()) != null) {
                waiters.add(w);
            }
        }
        SHARED.remove(address, this);
        try {
            ch.close();
        } catch (IOException ignored) {
            // closed anyway
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

    /** A TLS socket as a byte channel (heap buffers only), over a plain socket that closing ends at once. */
    static final class TlsLink implements java.nio.channels.ByteChannel {
        private final java.net.Socket raw;
        private final javax.net.ssl.SSLSocket ssl;
        private final java.io.InputStream in;
        private final java.io.OutputStream out;

        private TlsLink(java.net.Socket raw, javax.net.ssl.SSLSocket ssl) throws IOException {
            this.raw = raw;
            this.ssl = ssl;
            this.in = ssl.getInputStream();
            this.out = ssl.getOutputStream();
        }

        static TlsLink open(java.net.InetSocketAddress sa, javax.net.ssl.SSLContext tls, String serverName,
                Duration timeout) throws IOException {
            java.net.Socket raw = new java.net.Socket();
            try {
                raw.setTcpNoDelay(true);
                raw.connect(sa, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
                String host = serverName != null ? serverName : sa.getHostString();
                javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                        .createSocket(raw, host, sa.getPort(), true);
                javax.net.ssl.SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host asked for
                ssl.setSSLParameters(p);
                ssl.setUseClientMode(true);
                return new TlsLink(raw, ssl);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        void handshake(String address) throws IOException {
            try {
                ssl.startHandshake();
            } catch (javax.net.ssl.SSLException e) {
                javax.net.ssl.SSLHandshakeException x = new javax.net.ssl.SSLHandshakeException("TLS handshake"
                        + " with " + address + " failed: " + e.getMessage() + " (does it serve TLS, with a"
                        + " certificate this side trusts for that host?)");
                x.initCause(e);
                throw x;
            }
        }

        @Override
        public int read(ByteBuffer b) throws IOException {
            int n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
            if (n > 0) {
                b.position(b.position() + n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer b) throws IOException {
            int n = b.remaining();
            out.write(b.array(), b.arrayOffset() + b.position(), n);
            b.position(b.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return !raw.isClosed();
        }

        @Override
        public void close() throws IOException {
            raw.close(); // first the plain socket: a thread blocked in the TLS socket fails at once
            try {
                ssl.close();
            } catch (IOException ignored) {
                // the plain socket is closed already
            }
        }
    }
}
