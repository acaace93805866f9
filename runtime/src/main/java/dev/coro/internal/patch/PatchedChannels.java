package dev.coro.internal.patch;

import dev.coro.internal.IoWait;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.WritableByteChannel;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The patches of blocking-mode {@link SocketChannel}s and {@link ServerSocketChannel}s, TCP and Unix-domain, and of
 * {@link DatagramChannel}s: {@code connect}, {@code finishConnect}, {@code read}, {@code write} (plain and
 * scattering/gathering), {@code accept}, and a datagram channel's {@code receive} and {@code send}, whatever static
 * type the call site names ({@code ReadableByteChannel}, {@code ByteChannel}, ...; the object is checked at run time,
 * and any other channel runs the original call). A connected datagram channel's cooperative {@code read} waits for a
 * datagram with at least one byte: an empty one cannot be told from none in non-blocking mode.
 *
 * <p>One mechanism: a channel in blocking mode cannot wait on a selector, so the first time a coroutine would block
 * on one, the channel is <em>adopted</em>: switched to non-blocking mode under its {@code blockingLock()}, with the
 * mode its user chose kept in a side table ({@link Adopted#blocking}). From then on:
 * <ul>
 * <li>a coroutine's call tries the non-blocking operation and, while it would block, suspends on its loop's
 * selector; it returns what the JDK's blocking call returns (a read at least one byte or -1, a write every byte,
 * a connect true, an accept a channel);</li>
 * <li>a plain thread's call (or a pinned coroutine's) does the same but waits on a private selector, so it still
 * blocks as the JDK's call does;</li>
 * <li>patched {@code isBlocking()}/{@code configureBlocking(b)} report and record the user's mode: a channel its
 * user puts in non-blocking mode is left alone (its calls return 0 or null as the JDK's do);</li>
 * <li>a {@code close()} wakes a coroutine or thread waiting on the channel, which throws
 * {@link AsynchronousCloseException}, as the JDK's blocked call does. Patched close call sites wake them at once;
 * a close made elsewhere (unpatched code) is noticed within {@link #CLOSE_CHECK_NANOS}.</li>
 * </ul>
 * A channel no coroutine uses is never touched, and when the loops that used a channel have ended (their selectors
 * closed), it is switched back to its user's mode, so code after {@code Coro.run} sees exactly the JDK's channel.
 * Limits, while a loop still has the channel: code outside patched call sites ({@code socket()} adaptor streams,
 * code that is not instrumented, a {@code Channels.newInputStream} made there) sees it in non-blocking mode;
 * {@code Channels.newInputStream/newOutputStream/newReader/newWriter} made in rewritten code go through these
 * patches ({@link ChannelStreams}). Several tasks may wait on one channel: when it is ready its loop wakes them all, oldest first,
 * and those that find nothing wait again (which of them gets the data is as unspecified as with the JDK's
 * non-fair read and write locks).
 */
public final class PatchedChannels {
    private PatchedChannels() {
    }

    /** A channel coro put in non-blocking mode while its user sees the mode it chose. */
    static final class Adopted {
        /** The mode the user sees: blocking until the user says otherwise. */
        volatile boolean blocking = true;
        /** Who waits to read or accept, and to write or connect (coroutines only), so a close can wake them. */
        volatile WaitNode reader;
        volatile WaitNode writer;
        /** The last loop that waited on it: when a loop ends, the channel gets its user's mode back. */
        volatile Object loop;
    }

    /** What a waiter is woken with when its channel was closed. */
    private static final Object CLOSED = new Object();
    /** How often a waiter checks that its channel is still open (a close that no patched call site made). */
    static final long CLOSE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final Map<SelectableChannel, Adopted> ADOPTED = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The adoption of {@code ch} if this call is to be cooperative (its user's mode is blocking), adopting it if a
     * coroutine is about to use it in blocking mode; null to run the JDK's call unchanged (a channel the user made
     * non-blocking, or a blocking channel no coroutine has waited on, used by a plain thread).
     */
    private static Adopted cooperative(SelectableChannel ch, Stack st) throws IOException {
        if (ch == null) {
            return null; // not a channel these patches serve: the JDK's call runs
        }
        for (;;) {
            if (!ch.isBlocking()) {
                Adopted a = ADOPTED.get(ch);
                if (a == null || !a.blocking) {
                    return null;
                }
                if (st != null && a.loop != IoWait.loopOf(st) && st.task() != null) {
                    a.loop = IoWait.atLoopEnd(st, ch, PatchedChannels::restore);
                }
                return a;
            }
            if (st == null || st.task() == null || !ch.isOpen()) {
                return null;
            }
            synchronized (ch.blockingLock()) {
                if (ch.isBlocking()) {
                    ch.configureBlocking(false);
                    Adopted a = new Adopted();
                    ADOPTED.put(ch, a);
                    a.loop = IoWait.atLoopEnd(st, ch, PatchedChannels::restore);
                    return a;
                }
            }
        }
    }

    /**
     * A loop that waited on {@code ch} ended: gives the channel back its user's mode, unless another loop still
     * has it registered (then that loop's end does it).
     */
    private static void restore(Object channel) {
        SelectableChannel ch = (SelectableChannel) channel;
        synchronized (ch.blockingLock()) {
            Adopted a = adopted(ch);
            if (a == null) {
                return;
            }
            if (ch.isOpen()) {
                try {
                    ch.configureBlocking(a.blocking);
                } catch (java.nio.channels.IllegalBlockingModeException | IOException stillRegistered) {
                    return; // registered with another loop's selector, or the user's own
                }
            }
            ADOPTED.remove(ch);
        }
    }

    /** The adoption of {@code ch}, if coro adopted it (whatever the user's mode). */
    private static Adopted adopted(SelectableChannel ch) {
        return ch.isBlocking() ? null : ADOPTED.get(ch);
    }

    /**
     * Waits until {@code ch} is ready for {@code ops}. Returns true when the caller may retry now (a plain thread
     * or a pinned coroutine, which waited here), false when the coroutine is suspending and the caller must return
     * (it is called again with the same arguments on resume, and then calls {@link #resumed} first).
     */
    private static boolean await(SelectableChannel ch, Adopted a, int ops, Stack st) throws IOException {
        boolean writes = (ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0;
        if (st == null || st.task() == null) {
            blockUntilReady(ch, ops);
            return true;
        }
        try {
            IoWait.await(st, ch, ops, CLOSE_CHECK_NANOS);
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException(); // closed after the attempt, before the wait
        }
        if (!Suspend.isSuspending(st)) {
            checkOpen(ch); // a pinned coroutine waited here
            return true;
        }
        WaitNode n = Suspend.currentWait(st);
        if (writes) {
            a.writer = n;
        } else {
            a.reader = n;
        }
        if (!ch.isOpen()) {
            n.complete(CLOSED); // closed by another thread before the waiter was visible to close()
        }
        return false;
    }

    /** The end of a coroutine's wait, when the operation resumes: throws if the channel was closed meanwhile. */
    private static void resumed(SelectableChannel ch, Adopted a, int ops, Stack st) throws IOException {
        try {
            IoWait.await(st, ch, ops, 0);
        } finally {
            if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
                a.writer = null;
            } else {
                a.reader = null;
            }
        }
        checkOpen(ch);
    }

    /** A plain thread's wait on an adopted channel: a private selector, checking now and then for a close. */
    private static void blockUntilReady(SelectableChannel ch, int ops) throws IOException {
        try {
            while (!IoWait.block(ch, ops, CLOSE_CHECK_NANOS / 20)) {
                checkOpen(ch);
            }
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        }
        checkOpen(ch);
    }

    private static void checkOpen(SelectableChannel ch) throws AsynchronousCloseException {
        if (!ch.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    // ---- open and connect ----

    /** {@code SocketChannel.open(remote)}: opens and connects, TCP or Unix-domain, as the JDK's does. */
    public static SocketChannel open(SocketAddress remote, Stack st) throws IOException {
        SocketChannel sc;
        if (Suspend.isResuming(st)) {
            sc = (SocketChannel) st.popA();
        } else {
            Objects.requireNonNull(remote);
            if (remote instanceof InetSocketAddress) {
                sc = SocketChannel.open();
            } else if (remote instanceof UnixDomainSocketAddress) {
                sc = SocketChannel.open(StandardProtocolFamily.UNIX);
            } else {
                throw new UnsupportedAddressTypeException();
            }
        }
        try {
            connect(sc, remote, st);
        } catch (Throwable x) {
            try {
                sc.close();
            } catch (Throwable suppressed) {
                x.addSuppressed(suppressed);
            }
            throw x;
        }
        if (Suspend.isSuspending(st)) {
            st.pushA(sc);
            return null;
        }
        return sc;
    }

    public static SocketChannel open(SocketAddress remote) throws IOException {
        return SocketChannel.open(remote);
    }

    /** {@code connect(remote)}: in blocking mode, returns true once connected (or throws, the channel closed). */
    public static boolean connect(SocketChannel ch, SocketAddress remote, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return ch.connect(remote);
        }
        if (st != null && Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_CONNECT, st);
        } else if (ch.connect(remote)) {
            return true;
        }
        return finishConnecting(ch, a, st);
    }

    public static boolean connect(SocketChannel ch, SocketAddress remote) throws IOException {
        return connect(ch, remote, null);
    }

    /** {@code finishConnect()}: in blocking mode it waits for a connect in progress. */
    public static boolean finishConnect(SocketChannel ch, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return ch.finishConnect();
        }
        if (st != null && Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_CONNECT, st);
        }
        return finishConnecting(ch, a, st);
    }

    public static boolean finishConnect(SocketChannel ch) throws IOException {
        return finishConnect(ch, null);
    }

    private static boolean finishConnecting(SocketChannel ch, Adopted a, Stack st) throws IOException {
        while (!ch.finishConnect()) {
            if (!await(ch, a, SelectionKey.OP_CONNECT, st)) {
                return false;
            }
        }
        return true;
    }

    // ---- accept ----

    /** {@code ServerSocketChannel.accept()}: in blocking mode, waits for a connection (a blocking channel). */
    public static SocketChannel accept(ServerSocketChannel ch, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return ch.accept();
        }
        if (st != null && Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_ACCEPT, st);
        }
        for (;;) {
            SocketChannel c = ch.accept();
            if (c != null) {
                return c;
            }
            if (!await(ch, a, SelectionKey.OP_ACCEPT, st)) {
                return null;
            }
        }
    }

    public static SocketChannel accept(ServerSocketChannel ch) throws IOException {
        return accept(ch, null);
    }

    /** A socket or datagram channel, which the read and write patches serve; null for any other channel. */
    private static SelectableChannel socketOrDatagram(Channel ch) {
        return ch instanceof SocketChannel || ch instanceof DatagramChannel ? (SelectableChannel) ch : null;
    }

    // ---- datagrams ----

    /** {@code DatagramChannel.receive(dst)}: in blocking mode, waits for a datagram and returns its sender. */
    public static SocketAddress receive(DatagramChannel ch, ByteBuffer dst, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return ch.receive(dst);
        }
        if (st != null && Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_READ, st);
        }
        for (;;) {
            SocketAddress from = ch.receive(dst);
            if (from != null) {
                return from;
            }
            if (!await(ch, a, SelectionKey.OP_READ, st)) {
                return null;
            }
        }
    }

    public static SocketAddress receive(DatagramChannel ch, ByteBuffer dst) throws IOException {
        return receive(ch, dst, null);
    }

    /** {@code send(src, target)}: in blocking mode, waits while the send buffer has no room for the datagram. */
    public static int send(DatagramChannel ch, ByteBuffer src, SocketAddress target, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return ch.send(src, target);
        }
        if (st != null && Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_WRITE, st);
        }
        for (;;) {
            int n = ch.send(src, target);
            if (n != 0 || !src.hasRemaining()) {
                return n;
            }
            if (!await(ch, a, SelectionKey.OP_WRITE, st)) {
                return 0;
            }
        }
    }

    public static int send(DatagramChannel ch, ByteBuffer src, SocketAddress target) throws IOException {
        return send(ch, src, target, null);
    }

    // ---- reads ----

    /** {@code read(dst)}: in blocking mode, at least one byte, or -1 at EOF, or 0 if {@code dst} is full. */
    public static int read(ReadableByteChannel ch, ByteBuffer dst, Stack st) throws IOException {
        Adopted a = cooperative(socketOrDatagram(ch), st);
        if (a == null) {
            return ch.read(dst);
        }
        SelectableChannel sc = (SelectableChannel) ch;
        if (st != null && Suspend.isResuming(st)) {
            resumed(sc, a, SelectionKey.OP_READ, st);
        }
        for (;;) {
            int n = ch.read(dst);
            if (n != 0 || !dst.hasRemaining()) {
                return n;
            }
            if (!await(sc, a, SelectionKey.OP_READ, st)) {
                return 0;
            }
        }
    }

    public static int read(ReadableByteChannel ch, ByteBuffer dst) throws IOException {
        return read(ch, dst, null);
    }

    /**
     * For {@link ChannelStreams}' readers and writers: one read or write of {@code ch} that never waits in a
     * coroutine (0: nothing to read, or no room, yet), adopting the channel as a coroutine's blocking read would.
     * On a plain thread, or a channel the patches do not serve, the channel's own call (which may block).
     */
    static int readNow(SocketChannel ch, ByteBuffer dst, Stack st) throws IOException {
        cooperative(ch, st);
        return ch.read(dst);
    }

    static int writeNow(SocketChannel ch, ByteBuffer src, Stack st) throws IOException {
        cooperative(ch, st);
        return ch.write(src);
    }

    /**
     * For {@link ChannelStreams}' readers: waits until {@code ch} may be read. Returns true when the caller may
     * retry now (it waited, or had nothing to wait for), false when the coroutine is suspending (it is called again
     * on resume, and then ends the wait, throwing {@code AsynchronousCloseException} if the channel was closed).
     */
    static boolean awaitReadable(SocketChannel ch, Stack st) throws IOException {
        Adopted a = cooperative(ch, st);
        if (a == null) {
            return true;
        }
        if (Suspend.isResuming(st)) {
            resumed(ch, a, SelectionKey.OP_READ, st);
            return true;
        }
        return await(ch, a, SelectionKey.OP_READ, st);
    }

    public static long read(ScatteringByteChannel ch, ByteBuffer[] dsts, Stack st) throws IOException {
        return read(ch, dsts, 0, dsts.length, st);
    }

    public static long read(ScatteringByteChannel ch, ByteBuffer[] dsts) throws IOException {
        return read(ch, dsts, 0, dsts.length, null);
    }

    /** Scattering {@code read}: in blocking mode, at least one byte, or -1 at EOF, or 0 if the buffers are full. */
    public static long read(ScatteringByteChannel ch, ByteBuffer[] dsts, int offset, int length, Stack st)
            throws IOException {
        Adopted a = cooperative(socketOrDatagram(ch), st);
        if (a == null) {
            return ch.read(dsts, offset, length);
        }
        SelectableChannel sc = (SelectableChannel) ch;
        if (st != null && Suspend.isResuming(st)) {
            resumed(sc, a, SelectionKey.OP_READ, st);
        }
        for (;;) {
            long n = ch.read(dsts, offset, length);
            if (n != 0 || !hasRemaining(dsts, offset, length)) {
                return n;
            }
            if (!await(sc, a, SelectionKey.OP_READ, st)) {
                return 0;
            }
        }
    }

    public static long read(ScatteringByteChannel ch, ByteBuffer[] dsts, int offset, int length)
            throws IOException {
        return read(ch, dsts, offset, length, null);
    }

    // ---- writes ----

    /** {@code write(src)}: in blocking mode, every remaining byte (waiting while the peer reads slowly). */
    public static int write(WritableByteChannel ch, ByteBuffer src, Stack st) throws IOException {
        Adopted a = cooperative(socketOrDatagram(ch), st);
        if (a == null) {
            return ch.write(src);
        }
        SelectableChannel sc = (SelectableChannel) ch;
        int done = 0;
        if (st != null && Suspend.isResuming(st)) {
            done = st.popI();
            resumed(sc, a, SelectionKey.OP_WRITE, st);
        }
        while (src.hasRemaining()) {
            int n = ch.write(src);
            done += n;
            if (n == 0 && !await(sc, a, SelectionKey.OP_WRITE, st)) {
                st.pushI(done);
                return 0;
            }
        }
        return done;
    }

    public static int write(WritableByteChannel ch, ByteBuffer src) throws IOException {
        return write(ch, src, null);
    }

    public static long write(GatheringByteChannel ch, ByteBuffer[] srcs, Stack st) throws IOException {
        return write(ch, srcs, 0, srcs.length, st);
    }

    public static long write(GatheringByteChannel ch, ByteBuffer[] srcs) throws IOException {
        return write(ch, srcs, 0, srcs.length, null);
    }

    /** Gathering {@code write}: in blocking mode, every remaining byte of the buffers. */
    public static long write(GatheringByteChannel ch, ByteBuffer[] srcs, int offset, int length, Stack st)
            throws IOException {
        Adopted a = cooperative(socketOrDatagram(ch), st);
        if (a == null) {
            return ch.write(srcs, offset, length);
        }
        SelectableChannel sc = (SelectableChannel) ch;
        long done = 0;
        if (st != null && Suspend.isResuming(st)) {
            done = st.popJ();
            resumed(sc, a, SelectionKey.OP_WRITE, st);
        } else {
            Objects.checkFromIndexSize(offset, length, srcs.length);
        }
        while (hasRemaining(srcs, offset, length)) {
            long n = ch.write(srcs, offset, length);
            done += n;
            if (n == 0 && !await(sc, a, SelectionKey.OP_WRITE, st)) {
                st.pushJ(done);
                return 0;
            }
        }
        return done;
    }

    public static long write(GatheringByteChannel ch, ByteBuffer[] srcs, int offset, int length)
            throws IOException {
        return write(ch, srcs, offset, length, null);
    }

    private static boolean hasRemaining(ByteBuffer[] bs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    // ---- the mode the user sees, and close ----

    /** {@code isBlocking()}: the user's mode, for a channel coro adopted. */
    public static boolean isBlocking(SelectableChannel ch) {
        Adopted a = adopted(ch);
        return a != null ? a.blocking : ch.isBlocking();
    }

    /**
     * {@code configureBlocking(block)}: for a channel coro adopted, records the user's mode (the channel stays
     * non-blocking underneath: it may be registered with a loop's selector); else the JDK's call.
     */
    public static SelectableChannel configureBlocking(SelectableChannel ch, boolean block) throws IOException {
        synchronized (ch.blockingLock()) {
            Adopted a = adopted(ch);
            if (a == null) {
                return ch.configureBlocking(block);
            }
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            a.blocking = block;
            return ch;
        }
    }

    /** {@code close()} of any channel: for one coro adopted, also wakes whoever waits on it. */
    public static void close(Channel ch) throws IOException {
        try {
            ch.close();
        } finally {
            if (ch instanceof SelectableChannel) {
                Adopted a = adopted((SelectableChannel) ch);
                if (a != null) {
                    wakeClosed(a.reader);
                    wakeClosed(a.writer);
                }
            }
        }
    }

    private static void wakeClosed(WaitNode n) {
        IoWait.channelClosed(n); // every task waiting on it resumes, finds it closed, throws AsynchronousCloseException
    }
}
