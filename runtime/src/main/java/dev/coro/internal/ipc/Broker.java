package dev.coro.internal.ipc;

import dev.coro.internal.CoTask;
import dev.coro.internal.IoWait;
import dev.coro.internal.Loop;
import dev.coro.internal.Stack;
import dev.coro.internal.StackRunnable;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.net.CoSSLSocket;
import dev.coro.internal.net.CoSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds named queues and serves them to other processes over one listening channel, Unix-domain or TCP, from one
 * coro loop on a daemon thread of its own: an accepting task, and per connection a reader and a writer task over
 * coro's cooperative sockets (TLS: coro's {@link CoSSLSocket}). All the broker's state belongs to that loop; the
 * only locks are the queues' monitors, which the broker's own process shares through the in-process fast path,
 * {@link BrokerQueue}.
 *
 * <p>Per connection: hellos, then the optional {@link Handshake}, then queue frames ({@link Wire}). A connection that
 * breaks the protocol gets an ERROR frame naming the cause, is reported to the error sink and closed; the others
 * are not affected. A connection's unacknowledged deliveries go back to the front of their queues when it closes
 * for any reason, with their ids, to be delivered again with a higher delivery count; with a lease
 * ({@link #declare(String, int, Duration)}), also when a delivery stays unacknowledged longer than that.
 *
 * <pre>{@code
 * Broker b = Broker.start(Broker.unixChannel(), new Broker.Options());
 * BrokerQueue tasks = b.declare("tasks", 0, Duration.ofSeconds(30));
 * // clients: Client.connect(b.address(), null).attach("tasks")
 * b.close();
 * }</pre>
 */
public final class Broker implements AutoCloseable {
    /** How a broker runs. */
    public static final class Options {
        int maxFrame = Wire.DEFAULT_MAX_FRAME;
        Handshake handshake;
        Consumer<String> errors = m -> System.err.println("coro: " + m);
        long handshakeTimeoutNanos = Duration.ofSeconds(10).toNanos();
        String threadName = "coro-queue-broker";
        javax.net.ssl.SSLContext tls;

        /**
         * Serves TLS (TCP only) with {@code context}'s key and certificate: each connection's first bytes must be
         * a TLS handshake, and everything after it, the hello and the {@link Handshake} included, is encrypted.
         */
        public Options tls(javax.net.ssl.SSLContext context) {
            this.tls = context;
            return this;
        }

        /** The largest frame accepted, type byte and payload (default 16 MiB). */
        public Options maxFrame(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("maxFrame too small: " + bytes);
            }
            this.maxFrame = bytes;
            return this;
        }

        /** Runs {@code h} on every connection before any queue frame is accepted. */
        public Options handshake(Handshake h) {
            this.handshake = h;
            return this;
        }

        /** Where protocol errors and dropped connections are reported (default: standard error). */
        public Options errors(Consumer<String> sink) {
            this.errors = sink;
            return this;
        }

        /** A connection that has not finished its hello and handshake within this is dropped (default 10 s). */
        public Options handshakeTimeout(Duration d) {
            this.handshakeTimeoutNanos = d.toNanos();
            return this;
        }

        public Options threadName(String name) {
            this.threadName = name;
            return this;
        }
    }

    private final ServerSocketChannel server;
    private final Options options;
    private final String address;
    private final Path socketDir;
    /** The broker's loop: one daemon thread whose tasks accept, read and write every connection. */
    private final Loop loop;
    private final Map<String, BrokerQueue> byName = new ConcurrentHashMap<>();
    private final List<BrokerQueue> queues = new CopyOnWriteArrayList<>();
    private final ArrayList<Conn> conns = new ArrayList<>();
    private final ArrayList<BrokerQueue> touched = new ArrayList<>();
    /** Connections that sent ERROR and close once it is out. */
    private final ArrayList<Conn> flushing = new ArrayList<>();
    private volatile boolean closing;
    private volatile boolean closed;
    private int peerCount;
    /** Remote puts waiting with a timeout (the sweeper then looks every few ms; racy reads are harmless). */
    private volatile int timedPuts;

    private Broker(ServerSocketChannel server, Options options, Path socketDir) throws IOException {
        this.server = server;
        this.options = options;
        this.socketDir = socketDir;
        SocketAddress local = server.getLocalAddress();
        this.address = addressOf(local);
        server.configureBlocking(false);
        this.loop = Loop.startDaemon(options.threadName + " " + address);
        loop.execute(() -> {
            loop.spawn(new Acceptor(), "accept " + address);
            loop.spawn(new Sweeper(), "leases and handshake timeouts " + address);
        });
    }

    /** Starts a broker on {@code server}, which must be bound; it owns and closes the channel. */
    public static Broker start(ServerSocketChannel server, Options options) throws IOException {
        Path dir = null;
        SocketAddress local = server.getLocalAddress();
        if (local instanceof UnixDomainSocketAddress) {
            Path p = ((UnixDomainSocketAddress) local).getPath();
            if (p.getParent() != null && p.getFileName().toString().equals(SOCKET_NAME)) {
                dir = p.getParent();
            }
        }
        return new Broker(server, options, dir);
    }

    private static final String SOCKET_NAME = "queues.sock";

    /**
     * A Unix-domain server channel bound to a socket file in a fresh private directory (0700); a broker started on
     * it deletes both when it closes.
     */
    public static ServerSocketChannel unixChannel() throws IOException {
        Path dir;
        try {
            dir = Files.createTempDirectory("coro-ipc-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            dir = Files.createTempDirectory("coro-ipc-");
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(dir.resolve(SOCKET_NAME)));
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(dir);
            throw e;
        }
        return ch;
    }

    /** A TCP server channel bound to {@code address} (port 0: any free one). */
    public static ServerSocketChannel tcpChannel(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
        ch.bind(address);
        return ch;
    }

    /** {@code unix:/path} or {@code tcp:host:port}. */
    public static String addressOf(SocketAddress a) {
        if (a instanceof UnixDomainSocketAddress) {
            return "unix:" + ((UnixDomainSocketAddress) a).getPath();
        }
        InetSocketAddress i = (InetSocketAddress) a;
        String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "tcp:" + host + ":" + i.getPort();
    }

    /** The inverse of {@link #addressOf}. */
    public static SocketAddress parseAddress(String a) {
        if (a.startsWith("unix:")) {
            return UnixDomainSocketAddress.of(a.substring(5));
        }
        if (a.startsWith("tcp:")) {
            String hp = a.substring(4);
            int c = hp.lastIndexOf(':');
            if (c < 0) {
                throw new IllegalArgumentException("bad broker address (no port): " + a);
            }
            String host = hp.substring(0, c);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host, Integer.parseInt(hp.substring(c + 1)));
        }
        throw new IllegalArgumentException("bad broker address (unix:PATH or tcp:HOST:PORT): " + a);
    }

    public String address() {
        return address;
    }

    public int maxFrame() {
        return options.maxFrame;
    }

    /** Declares an unbounded queue without leases, or returns the one of that name. */
    public BrokerQueue declare(String name) {
        return declare(name, 0, null);
    }

    /**
     * Declares a queue ({@code capacity} 0: unbounded; {@code lease} null: deliveries stay the consumer's until it
     * acknowledges or disconnects), or returns the existing one of that name.
     */
    public synchronized BrokerQueue declare(String name, int capacity, Duration lease) {
        if (closing) {
            throw new dev.coro.ChannelClosedException("the queue broker at " + address + " is shut down");
        }
        if (name.isEmpty() || Wire.utf8(name).length > 4096) {
            throw new IllegalArgumentException("a queue name must have 1 to 4096 bytes: '" + name + "'");
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity is negative: " + capacity);
        }
        BrokerQueue q = byName.get(name);
        if (q != null) {
            return q;
        }
        q = new BrokerQueue(this, queues.size(), name, capacity, lease == null ? 0 : Math.max(1, lease.toNanos()));
        queues.add(q);
        byName.put(name, q);
        return q;
    }

    /**
     * Declares a pipe: two unbounded queues, {@code base-ab} (the first end writes, the second reads) and
     * {@code base-ba}, and the two ends that hold them ({@link PipeEnd}).
     */
    public synchronized void declarePipe(String base) {
        BrokerQueue ab = declare(base + "-ab");
        BrokerQueue ba = declare(base + "-ba");
        if (ab.writerEnd != null) {
            throw new IllegalArgumentException("pipe '" + base + "' exists at " + address);
        }
        PipeEnd first = new PipeEnd(base, "the first end", ab, ba);
        PipeEnd second = new PipeEnd(base, "the second end", ba, ab);
        first.peer = second;
        second.peer = first;
        ab.writerEnd = first;
        ba.writerEnd = second;
    }

    /** The queue of that name, or null. */
    public BrokerQueue queue(String name) {
        return byName.get(name);
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Shuts down: every connection gets an ERROR frame saying so and is closed, waiters of this process fail with
     * {@link dev.coro.ChannelClosedException}; the socket file and its directory are deleted.
     */
    @Override
    public void close() {
        if (!closing) {
            closing = true;
            loop.execute(() -> loop.spawn(new ShutDown(), "shut down " + address));
        }
        if (!loop.inLoop()) {
            loop.awaitEnd(10_000);
        }
    }

    // ---- requests from other threads ----

    void requestDispatch(BrokerQueue q) {
        if (loop.inLoop()) {
            touched.add(q);
            return;
        }
        if (q.dispatchRequested.compareAndSet(false, true)) {
            execute(() -> {
                q.dispatchRequested.set(false);
                touched.add(q);
            });
        }
    }

    /** Runs {@code r} on the broker thread: now if this is it, else soon. */
    void onBrokerThread(Runnable r) {
        if (loop.inLoop()) {
            r.run();
        } else {
            execute(r);
        }
    }

    /** Runs {@code r} on the broker's loop, then serves the queues it touched. */
    void execute(Runnable r) {
        loop.execute(() -> {
            r.run();
            dispatchTouched();
        });
    }

    /** Sends REPLY(req, value) on {@code conn}: now on the broker thread, else through it. */
    void replyLater(Conn conn, long req, int value, boolean timed) {
        if (loop.inLoop()) {
            conn.reply(req, value);
        } else {
            execute(() -> conn.reply(req, value));
        }
    }

    // ---- the broker's tasks ----

    /** Hands what queues touched since the last time have to their subscribers (their connections' writers send). */
    private void dispatchTouched() {
        if (touched.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (int i = 0; i < touched.size(); i++) {
            touched.get(i).dispatch(now);
        }
        touched.clear();
    }

    /** Accepts connections while the listening channel is acceptable, suspended on the loop's Selector meanwhile. */
    private final class Acceptor implements StackRunnable {
        private boolean pausing;

        @Override
        public void run(Stack s) {
            try {
                for (;;) {
                    if (pausing) {
                        Suspend.sleep(s, 50_000_000L); // after a failed accept (out of descriptors): not a busy loop
                        if (Suspend.isSuspending(s)) {
                            return;
                        }
                        pausing = false;
                    }
                    if (Suspend.isResuming(s)) {
                        IoWait.await(s, server, SelectionKey.OP_ACCEPT, 0);
                    }
                    SocketChannel ch;
                    try {
                        ch = server.accept();
                    } catch (IOException e) {
                        if (closing) {
                            return;
                        }
                        options.errors.accept("queue broker " + address + ": accept failed: " + e);
                        pausing = true;
                        continue;
                    }
                    if (ch == null) {
                        IoWait.await(s, server, SelectionKey.OP_ACCEPT, 0);
                        if (Suspend.isSuspending(s)) {
                            return;
                        }
                        continue;
                    }
                    open(ch);
                }
            } catch (java.util.concurrent.CancellationException e) {
                // the broker shuts down
            } catch (IOException e) {
                if (!closing) {
                    options.errors.accept("queue broker " + address + ": cannot accept connections any more: " + e);
                }
            }
        }
    }

    private void open(SocketChannel ch) {
        String peer;
        try {
            SocketAddress ra = ch.getRemoteAddress();
            peer = ra instanceof InetSocketAddress ? ra.toString() : "unix peer #" + (++peerCount);
        } catch (IOException e) {
            peer = "peer #" + (++peerCount);
        }
        Conn c = new Conn(ch, peer);
        try {
            Link.Plain plain = new Link.Plain(ch);
            // TLS: coro's cooperative socket; its handshake's delegated tasks run on Coro.blocking's pool
            c.link = options.tls == null ? plain
                    : new Link.Tls(CoSSLSocket.serverSide(options.tls, CoSocket.connected(ch)));
        } catch (IOException e) {
            options.errors.accept("queue broker " + address + ": connection from " + peer + ": " + e
                    + "; connection closed");
            try {
                ch.close();
            } catch (IOException ignored) {
                // closed anyway
            }
            return;
        }
        conns.add(c);
        Wire.putHello(c.out);
        c.reader = loop.spawn(c.new Reader(), "read " + peer + " (" + address + ")");
        c.writer = loop.spawn(c.new Writer(), "write " + peer + " (" + address + ")");
    }

    /** Every few ms while puts wait with a timeout, else every 50 ms: {@link #sweep}. */
    private final class Sweeper implements StackRunnable {
        @Override
        public void run(Stack s) {
            try {
                for (;;) {
                    Suspend.sleep(s, timedPuts > 0 ? 5_000_000L : 50_000_000L); // on resume: ends the sleep
                    if (Suspend.isSuspending(s)) {
                        return;
                    }
                    sweep(System.nanoTime());
                }
            } catch (java.util.concurrent.CancellationException e) {
                // the broker shuts down
            }
        }
    }

    /** Timed puts that ran out fail, leases that ran out go back; connections stuck before READY are dropped. */
    private void sweep(long now) {
        int timed = 0;
        for (BrokerQueue q : queues) {
            timed += q.expirePuts(now);
        }
        timedPuts = timed;
        for (BrokerQueue q : queues) {
            if (q.leaseNanos > 0) {
                for (Sub s : new ArrayList<>(q.subs)) {
                    List<Msg> expired = s.expire(now);
                    if (!expired.isEmpty()) {
                        q.requeue(expired);
                        touched.add(q);
                    }
                }
            }
        }
        for (Conn c : new ArrayList<>(conns)) {
            if (c.state != Conn.OPEN && now - c.openedAt > options.handshakeTimeoutNanos) {
                c.protocolError(new ProtocolException("no hello and handshake within "
                        + Duration.ofNanos(options.handshakeTimeoutNanos).toMillis() + " ms"));
            }
        }
        dispatchTouched();
    }

    /**
     * Closes every connection with an ERROR frame saying so (given up to a second to go out), ends the queues,
     * deletes the socket file, then ends the broker's loop.
     */
    private final class ShutDown implements StackRunnable {
        private long deadline;

        @Override
        public void run(Stack s) {
            try {
                if (!Suspend.isResuming(s)) {
                    deadline = System.nanoTime() + 1_000_000_000L;
                    shutdownNow();
                }
                for (;;) {
                    Suspend.sleep(s, 10_000_000L); // on resume: ends the sleep
                    if (Suspend.isSuspending(s)) {
                        return;
                    }
                    if (flushing.isEmpty() || System.nanoTime() - deadline > 0) {
                        break;
                    }
                }
            } finally {
                if (!Suspend.isSuspending(s)) {
                    loop.endDaemon(); // what is left (a peer that does not read its ERROR) is cancelled
                }
            }
        }
    }

    private void shutdownNow() {
        if (closed) {
            return;
        }
        closing = true;
        for (Conn c : new ArrayList<>(conns)) {
            c.sendErrorAndClose("the queue broker at " + address + " shut down", false);
        }
        for (BrokerQueue q : queues) {
            q.shutdown("the queue broker shut down");
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (socketDir != null) {
            try {
                Files.deleteIfExists(socketDir.resolve(SOCKET_NAME));
                Files.deleteIfExists(socketDir);
            } catch (IOException e) {
                options.errors.accept("queue broker " + address + ": could not delete " + socketDir + ": " + e);
            }
        }
        closed = true;
    }

    /** A subscription: one remote consumer of one queue, with its prefetch credit and unacknowledged deliveries. */
    final class Sub {
        final Conn conn;
        final int id;
        final BrokerQueue q;
        int credit;
        /** The queue is a sealed pipe queue and this subscription was told so (after its last delivery). */
        boolean toldSealed;
        private Msg[] ring = new Msg[16];
        private int head;
        private int size;
        private long headTag = 1;
        /** The tag of the last delivery sent (tags count up from 1 per subscription). */
        long lastSent;

        Sub(Conn conn, int id, BrokerQueue q, int credit) {
            this.conn = conn;
            this.id = id;
            this.q = q;
            this.credit = credit;
        }

        /** Broker thread, under the queue's monitor. */
        void deliver(Msg m) {
            credit--;
            if (size == ring.length) {
                Msg[] bigger = new Msg[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = ring[(head + i) & (ring.length - 1)];
                }
                ring = bigger;
                head = 0;
            }
            long tag = headTag + size;
            lastSent = tag;
            ring[(head + size) & (ring.length - 1)] = m;
            size++;
            conn.deliver(this, tag, m);
        }

        void ack(long first, int count) {
            long end = headTag + size;
            if (count < 1 || first + count > end) {
                throw new ProtocolException("ACK of deliveries " + first + ".." + (first + count - 1)
                        + " on subscription " + id + ": only " + headTag + ".." + (end - 1) + " were delivered");
            }
            for (long t = Math.max(first, headTag); t < first + count; t++) {
                ring[(int) ((head + (t - headTag)) & (ring.length - 1))] = null;
            }
            popNulls();
        }

        private void popNulls() {
            while (size > 0 && ring[head] == null) {
                head = (head + 1) & (ring.length - 1);
                size--;
                headTag++;
            }
        }

        List<Msg> expire(long now) {
            List<Msg> out = new ArrayList<>();
            synchronized (q) {
                popNulls();
                while (size > 0) {
                    Msg m = ring[head];
                    if (m != null && m.leaseDeadline - now > 0) {
                        break;
                    }
                    if (m != null) {
                        out.add(m);
                    }
                    ring[head] = null;
                    head = (head + 1) & (ring.length - 1);
                    size--;
                    headTag++;
                }
            }
            return out;
        }

        /** Everything unacknowledged, in delivery order; forgets it. */
        List<Msg> drain() {
            List<Msg> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                Msg m = ring[(head + i) & (ring.length - 1)];
                if (m != null) {
                    out.add(m);
                }
            }
            headTag += size;
            size = 0;
            return out;
        }
    }

    /** One client connection; broker thread only. */
    final class Conn {
        static final int HELLO = 0;
        static final int AUTH = 1;
        static final int OPEN = 2;
        /** The largest frame accepted before the handshake completed (handshake messages are small). */
        static final int PRE_OPEN_MAX_FRAME = 4096;
        /** Replies and deliveries waiting to be sent beyond which the connection is not read from. */
        static final int OUT_LIMIT = 8 << 20;

        final SocketChannel ch;
        /** What frames are read from and written to: the channel, or coro's TLS socket over it. */
        Link link;
        final String peer;
        final long openedAt = System.nanoTime();
        CoTask<?> reader;
        CoTask<?> writer;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        /** What the broker queues for the peer; the writer takes it whole for each write. */
        ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        /** The buffer the writer is sending, or null. */
        private ByteBuffer sending;
        private ByteBuffer spare;
        /** The writer, while it waits for something to send; the reader, while the peer does not read. */
        private WaitNode writerWait;
        private WaitNode spaceWait;
        /** After an ERROR: the writer sends what is queued, then closes. */
        private boolean flushThenClose;
        int state = HELLO;
        Handshake.Exchange exchange;
        final Map<Integer, Sub> subs = new HashMap<>();
        boolean dead;
        private BrokerQueue batchQueue;
        /** Pipe ends this connection holds (its process restored them). */
        private final java.util.Set<PipeEnd> claimed = new java.util.HashSet<>();
        private final ArrayList<byte[]> batch = new ArrayList<>();

        Conn(SocketChannel ch, String peer) {
            this.ch = ch;
            this.peer = peer;
        }

        /** Wakes the writer if it waits for something to send. */
        void markDirty() {
            WaitNode w = writerWait;
            if (w != null && !dead) {
                writerWait = null;
                w.complete(null);
            }
        }

        /** Bytes queued for this peer and not yet taken by its socket. */
        private int pending() {
            return out.position() + (sending == null ? 0 : sending.remaining());
        }

        private void ensureOut(int n) {
            if (out.remaining() < n) {
                int cap = Math.max(out.capacity() * 2, out.position() + n);
                ByteBuffer b = ByteBuffer.allocate(cap);
                out.flip();
                b.put(out);
                out = b;
            }
        }

        void deliver(Sub sub, long tag, Msg m) {
            int len = 1 + 4 + 8 + 8 + 4 + m.body.length;
            ensureOut(4 + len);
            out.putInt(len).put(Wire.DELIVER).putInt(sub.id).putLong(tag).putLong(m.id).putInt(m.deliveries)
                    .put(m.body);
            markDirty();
        }

        void reply(long req, int value) {
            reply(req, value, 0);
        }

        void reply(long req, int value, int value2) {
            if (dead) {
                return;
            }
            ensureOut(4 + 17);
            out.putInt(17).put(Wire.REPLY).putLong(req).putInt(value).putInt(value2);
            markDirty();
        }

        void frame(byte type, byte[] payload) {
            ensureOut(5 + payload.length);
            out.putInt(1 + payload.length).put(type).put(payload);
            markDirty();
        }

        /** Tells subscription {@code sub} that its (pipe) queue is sealed and it has had every message. */
        void sealed(int sub, String message) {
            if (dead) {
                return;
            }
            byte[] m = Wire.utf8(message);
            int n = Math.min(m.length, 65535);
            ensureOut(4 + 1 + 4 + 2 + n);
            out.putInt(1 + 4 + 2 + n).put(Wire.SEALED).putInt(sub).putShort((short) n).put(m, 0, n);
            markDirty();
        }

        /** Tells a holder of a pipe end that what it sends to queue {@code qid} can no longer be received. */
        void peerClosed(int qid, String message) {
            if (dead) {
                return;
            }
            byte[] m = Wire.utf8(message);
            int n = Math.min(m.length, 65535);
            ensureOut(4 + 1 + 4 + 2 + n);
            out.putInt(1 + 4 + 2 + n).put(Wire.PEER_CLOSED).putInt(qid).putShort((short) n).put(m, 0, n);
            markDirty();
        }

        void failReply(long req, String message) {
            byte[] m = Wire.utf8(message);
            int n = Math.min(m.length, 65535);
            ensureOut(4 + 1 + 8 + 2 + n);
            out.putInt(1 + 8 + 2 + n).put(Wire.FAIL).putLong(req).putShort((short) n).put(m, 0, n);
            markDirty();
        }

        /**
         * Reads and handles frames: a task suspended in its read while the peer says nothing. A peer that does not
         * read what it asked for (more than {@link #OUT_LIMIT} queued for it) is not read from until it does; a peer
         * that keeps sending yields to the others every 16 reads.
         */
        final class Reader implements StackRunnable {
            private static final int READ = 0;
            private static final int SPACE = 1;
            private static final int YIELD = 2;
            private int phase = READ;
            private int reads;

            @Override
            public void run(Stack s) {
                try {
                    for (;;) {
                        if (phase == READ) {
                            int n = link.read(in, s);
                            if (Suspend.isSuspending(s)) {
                                return;
                            }
                            if (dead) {
                                return;
                            }
                            if (n < 0) {
                                ended();
                                return;
                            }
                            parse();
                            dispatchTouched();
                            if (dead) {
                                return;
                            }
                            phase = pending() >= OUT_LIMIT ? SPACE : ++reads % 16 == 0 ? YIELD : READ;
                        } else if (phase == SPACE) {
                            if (Suspend.isResuming(s)) {
                                Suspend.resumeWait(s, null);
                            } else if (pending() >= OUT_LIMIT) {
                                spaceWait = Suspend.prepareWait(s, "its peer to read what it asked for");
                                return;
                            }
                            phase = READ;
                        } else {
                            Suspend.yieldNow(s);
                            if (Suspend.isSuspending(s)) {
                                return;
                            }
                            phase = READ;
                        }
                    }
                } catch (java.util.concurrent.CancellationException e) {
                    // closed
                } catch (ProtocolException e) {
                    protocolError(e);
                } catch (IOException e) {
                    ioFailed("read", e);
                } catch (RuntimeException e) {
                    protocolError(new ProtocolException("bad request: " + e, e));
                }
            }

            /** The peer closed: a frame left half-read is its protocol error. */
            private void ended() {
                if (in.position() > 0) {
                    parse();
                    dispatchTouched();
                }
                if (!dead && in.position() > 0) {
                    protocolError(new ProtocolException("connection closed mid-frame: a truncated frame of "
                            + in.position() + " bytes"));
                } else {
                    close(null);
                }
            }
        }

        /**
         * Sends what the broker queued for this peer, everything queued since its last write in one write; after an
         * ERROR ({@link #sendErrorAndClose}) it sends what is left, then closes the connection.
         */
        final class Writer implements StackRunnable {
            @Override
            public void run(Stack s) {
                try {
                    if (sending == null && Suspend.isResuming(s)) {
                        Suspend.resumeWait(s, null);
                    }
                    for (;;) {
                        if (sending == null) {
                            if (dead && !flushThenClose) {
                                return;
                            }
                            if (out.position() == 0) {
                                if (flushThenClose) {
                                    finishClose();
                                    return;
                                }
                                writerWait = Suspend.prepareWait(s, "replies and deliveries to send");
                                return;
                            }
                            sending = out;
                            out = spare != null ? spare : ByteBuffer.allocate(16 * 1024);
                            spare = null;
                            sending.flip();
                        }
                        link.write(sending, s);
                        if (Suspend.isSuspending(s)) {
                            return;
                        }
                        ByteBuffer b = sending;
                        sending = null;
                        b.clear();
                        spare = b.capacity() > 1 << 20 ? null : b;
                        WaitNode w = spaceWait;
                        if (w != null && pending() < OUT_LIMIT) {
                            spaceWait = null;
                            w.complete(null);
                        }
                    }
                } catch (java.util.concurrent.CancellationException e) {
                    finishClose();
                } catch (IOException e) {
                    if (flushThenClose) {
                        finishClose(); // the peer may be gone already
                    } else {
                        ioFailed("write", e);
                    }
                }
            }
        }

        /** Handles every whole frame in {@code in}; keeps a partial one. */
        private void parse() {
            in.flip();
            try {
                while (!dead) {
                    if (state == HELLO) {
                        if (in.remaining() < Wire.HELLO_BYTES) {
                            break;
                        }
                        Wire.checkHello(in);
                        startHandshake();
                        continue;
                    }
                    if (in.remaining() < 4) {
                        break;
                    }
                    int len = in.getInt(in.position());
                    // before the handshake completed, a peer is not trusted with big buffers
                    Wire.checkLength(len, state == OPEN ? options.maxFrame : PRE_OPEN_MAX_FRAME);
                    if (in.remaining() < 4 + len) {
                        if (in.capacity() < 4 + len) {
                            ByteBuffer b = ByteBuffer.allocate(Math.max(4 + len, in.capacity() * 2));
                            b.put(in);
                            in = b;
                            in.flip();
                        }
                        break;
                    }
                    in.position(in.position() + 4);
                    int end = in.position() + len;
                    byte type = in.get();
                    frame(type, end);
                    in.position(end);
                }
            } finally {
                flushBatch();
                if (!dead) {
                    in.compact();
                }
            }
        }

        private void startHandshake() throws ProtocolException {
            Handshake h = options.handshake;
            if (h == null) {
                ready();
                return;
            }
            state = AUTH;
            try {
                exchange = h.start(true, peer);
                byte[] first = exchange.initial();
                if (first != null) {
                    frame(Wire.AUTH, first);
                }
                if (exchange.isComplete()) {
                    ready();
                }
            } catch (ProtocolException e) {
                throw e;
            } catch (Exception e) {
                throw new ProtocolException("handshake failed: " + e.getMessage(), e);
            }
        }

        private void ready() {
            state = OPEN;
            exchange = null;
            frame(Wire.READY, new byte[0]);
        }

        private void frame(byte type, int end) {
            if (type != Wire.PUT) {
                flushBatch();
            }
            if (state == AUTH) {
                if (type != Wire.AUTH) {
                    throw new ProtocolException(Wire.typeName(type) + " frame before the handshake completed");
                }
                byte[] msg = new byte[end - in.position()];
                in.get(msg);
                try {
                    byte[] reply = exchange.receive(msg);
                    if (reply != null) {
                        frame(Wire.AUTH, reply);
                    }
                } catch (ProtocolException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ProtocolException("handshake failed: " + e.getMessage(), e);
                }
                if (exchange.isComplete()) {
                    ready();
                }
                return;
            }
            switch (type) {
                case Wire.PUT: {
                    Wire.need(in, 4, end, type);
                    BrokerQueue q = queueById(in.getInt());
                    byte[] body = new byte[end - in.position()];
                    in.get(body);
                    if (q.capacity() > 0) {
                        throw new ProtocolException("PUT to bounded queue '" + q.name() + "' (use PUT_WAIT)");
                    }
                    if (batchQueue != q) {
                        flushBatch();
                        batchQueue = q;
                    }
                    batch.add(body);
                    return;
                }
                case Wire.PUT_WAIT: {
                    Wire.need(in, 20, end, type);
                    long req = in.getLong();
                    BrokerQueue q = queueById(in.getInt());
                    long timeoutMillis = in.getLong();
                    byte[] body = new byte[end - in.position()];
                    in.get(body);
                    int r = q.putWaitFromRemote(this, req, body, timeoutMillis, System.nanoTime());
                    if (r >= 0) {
                        reply(req, r);
                    } else if (timeoutMillis > 0) {
                        timedPuts++;
                    }
                    touched.add(q);
                    return;
                }
                case Wire.ATTACH: {
                    Wire.need(in, 8, end, type);
                    long req = in.getLong();
                    String name = Wire.getString(in, end, type);
                    Wire.done(in, end, type);
                    BrokerQueue q = byName.get(name);
                    if (q == null) {
                        failReply(req, "no queue named '" + name + "' at " + address);
                    } else {
                        // the capacity tells the client whether puts must wait for room
                        reply(req, q.qid, q.capacity());
                    }
                    return;
                }
                case Wire.SUB: {
                    Wire.need(in, 12, end, type);
                    int id = in.getInt();
                    BrokerQueue q = queueById(in.getInt());
                    int credit = in.getInt();
                    Wire.done(in, end, type);
                    if (credit < 0 || subs.containsKey(id)) {
                        throw new ProtocolException("SUB " + id + ": " + (credit < 0 ? "negative credit"
                                : "subscription exists"));
                    }
                    Sub s = new Sub(this, id, q, credit);
                    subs.put(id, s);
                    q.addSub(s);
                    touched.add(q);
                    return;
                }
                case Wire.CREDIT_TO: {
                    Wire.need(in, 16, end, type);
                    Sub s = sub(in.getInt());
                    long received = in.getLong();
                    int window = in.getInt();
                    Wire.done(in, end, type);
                    if (window < 0 || received < 0 || received > s.lastSent) {
                        throw new ProtocolException("CREDIT_TO " + window + " after delivery " + received
                                + " on subscription " + s.id + " (delivered up to " + s.lastSent + ")");
                    }
                    s.q.setCredit(s, (int) Math.max(0, window - (s.lastSent - received)));
                    touched.add(s.q);
                    return;
                }
                case Wire.ACK: {
                    Wire.need(in, 16, end, type);
                    Sub s = sub(in.getInt());
                    long first = in.getLong();
                    int count = in.getInt();
                    Wire.done(in, end, type);
                    synchronized (s.q) {
                        s.ack(first, count);
                    }
                    return;
                }
                case Wire.UNSUB: {
                    Wire.need(in, 4, end, type);
                    Sub s = sub(in.getInt());
                    Wire.done(in, end, type);
                    subs.remove(s.id);
                    endSub(s);
                    return;
                }
                case Wire.CLAIM: {
                    Wire.need(in, 12, end, type);
                    long req = in.getLong();
                    BrokerQueue q = queueById(in.getInt());
                    Wire.done(in, end, type);
                    PipeEnd e = q.writerEnd;
                    if (e == null) {
                        failReply(req, "queue '" + q.name() + "' at " + address + " is not a pipe's end");
                    } else if (!e.claim(this)) {
                        failReply(req, "pipe '" + e.pipe + "': " + e.label + " of the pipe was closed ("
                                + e.closedReason() + ")");
                    } else {
                        claimed.add(e);
                        // value2: whether the other end is closed already (then this end's sends fail)
                        reply(req, 1, e.peer.isClosed() ? 1 : 0);
                    }
                    return;
                }
                case Wire.RELEASE: {
                    Wire.need(in, 4, end, type);
                    BrokerQueue q = queueById(in.getInt());
                    Wire.done(in, end, type);
                    PipeEnd e = q.writerEnd;
                    if (e == null || !claimed.contains(e)) {
                        throw new ProtocolException("RELEASE of queue '" + q.name() + "', which this connection"
                                + " does not hold as a pipe end");
                    }
                    e.release(this, false, "closed by its holder in another process");
                    return;
                }
                case Wire.SYNC: {
                    Wire.need(in, 8, end, type);
                    long req = in.getLong();
                    Wire.done(in, end, type);
                    reply(req, 0);
                    return;
                }
                case Wire.AUTH:
                    throw new ProtocolException("AUTH frame after the handshake");
                default:
                    throw new ProtocolException("unknown frame type " + Wire.typeName(type) + " (" + (end
                            - in.position() + 1) + " bytes)");
            }
        }

        private void flushBatch() {
            if (!batch.isEmpty()) {
                batchQueue.putAllFromRemote(batch);
                touched.add(batchQueue);
                batch.clear();
            }
            batchQueue = null;
        }

        private BrokerQueue queueById(int qid) {
            if (qid < 0 || qid >= queues.size()) {
                throw new ProtocolException("no queue with id " + qid);
            }
            return queues.get(qid);
        }

        private Sub sub(int id) {
            Sub s = subs.get(id);
            if (s == null) {
                throw new ProtocolException("no subscription " + id);
            }
            return s;
        }

        private void endSub(Sub s) {
            List<Msg> back;
            synchronized (s.q) {
                s.q.removeSub(s);
                back = s.drain();
            }
            if (!back.isEmpty()) {
                s.q.requeue(back);
            }
            touched.add(s.q);
        }

        /** A read or write failed: TLS (both drive its handshake) or the connection itself. */
        private void ioFailed(String what, IOException e) {
            if (e instanceof javax.net.ssl.SSLException) {
                close("TLS failed: " + e.getMessage() + (state == HELLO ? " (a client without TLS, or one that"
                        + " does not trust this server's certificate?)" : ""));
            } else {
                close(what + " failed: " + e.getMessage());
            }
        }

        void protocolError(ProtocolException e) {
            if (dead) {
                return;
            }
            options.errors.accept("queue broker " + address + ": connection from " + peer + ": protocol error: "
                    + e.getMessage() + "; connection closed");
            sendErrorAndClose("protocol error: " + e.getMessage(), true);
        }

        /**
         * Appends ERROR and ends the connection's part in the broker now; its writer sends what is queued and
         * closes the socket (the broker's shutdown gives it a second; a connection's own error, as long as the
         * peer reads).
         */
        void sendErrorAndClose(String message, boolean reported) {
            if (dead) {
                return;
            }
            byte[] m = Wire.utf8(message);
            int n = Math.min(m.length, 65535);
            ensureOut(7 + n);
            out.putInt(3 + n).put(Wire.ERROR).putShort((short) n).put(m, 0, n);
            flushThenClose = true;
            flushing.add(this);
            // a peer that never lets the ERROR out (it does not read, or stalls its TLS handshake) is cut off
            loop.spawnLater(1_000_000_000L, (StackRunnable) s -> {
                if (flushThenClose) {
                    finishClose();
                }
            }, "cut off " + peer + " (" + address + ")");
            WaitNode w = writerWait;
            writerWait = null;
            end(null);
            if (w != null) {
                w.complete(null);
            }
            if (reader != null) {
                reader.cancel(); // nothing more is read from it
            }
        }

        void close(String why) {
            if (dead) {
                return;
            }
            end(why);
            finishClose();
        }

        /** Closes the socket and stops both tasks. */
        private void finishClose() {
            flushThenClose = false;
            flushing.remove(this);
            dead = true;
            link.close();
            for (CoTask<?> t : new CoTask<?>[] {reader, writer}) {
                if (t != null) {
                    t.cancel(); // the one running now just ends; the other is woken from its wait
                }
            }
        }

        /** The connection's part in the broker ends: its holds go back, its subscriptions end. */
        private void end(String why) {
            dead = true;
            if (why != null && !closing) {
                options.errors.accept("queue broker " + address + ": connection from " + peer + ": " + why
                        + "; connection closed");
            }
            conns.remove(this);
            batch.clear();
            for (Sub s : subs.values()) {
                endSub(s);
            }
            subs.clear();
            for (BrokerQueue q : queues) {
                q.forgetPuts(this);
            }
            for (PipeEnd e : claimed) {
                e.release(this, true, "the process holding it exited or lost its connection"
                        + (why == null ? "" : ": " + why));
            }
            claimed.clear();
        }
    }
}
