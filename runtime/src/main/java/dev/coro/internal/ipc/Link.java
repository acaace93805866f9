package dev.coro.internal.ipc;

import dev.coro.internal.IoWait;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.net.CoSSLSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A {@link Client}'s connection as coro's cooperative IO sees it: reads and writes are leaves that suspend the
 * calling task on its loop until the socket is ready (on a plain thread they block). Over a non-blocking
 * {@link SocketChannel} (TCP or Unix-domain) the wait is the loop's Selector; over TLS it is a {@link CoSSLSocket}
 * layered on such a channel. Buffers are heap buffers; what a call has done so far lives in the buffer's position,
 * so a resumed call is simply the same call again.
 */
abstract class Link implements AutoCloseable {

    /**
     * Reads what is there into {@code dst} (which has room): the bytes read, -1 at end of stream, or 0 while the
     * task is suspending (call again with the same buffer on resume).
     */
    abstract int read(ByteBuffer dst, Stack s) throws IOException;

    /** Writes all of {@code src}; returns early while the task is suspending (call again on resume). */
    abstract void write(ByteBuffer src, Stack s) throws IOException;

    @Override
    public abstract void close();

    /** Fills {@code dst}; a leaf like {@link #read}. */
    final void readFully(ByteBuffer dst, Stack s, String address) throws IOException {
        while (dst.hasRemaining()) {
            int n = read(dst, s);
            if (Suspend.isSuspending(s)) {
                return;
            }
            if (n < 0) {
                throw new java.io.EOFException("the queue broker at " + address + " closed the connection");
            }
        }
    }

    /** TCP or Unix-domain, in the clear. */
    static final class Plain extends Link {
        private final SocketChannel ch;

        Plain(SocketChannel ch) throws IOException {
            this.ch = ch;
            ch.configureBlocking(false);
        }

        /** Connects, or suspends until the connection is made; true once connected. */
        boolean connect(java.net.SocketAddress to, Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                IoWait.await(s, ch, SelectionKey.OP_CONNECT, 0);
            } else if (ch.connect(to)) {
                return true;
            }
            for (;;) {
                if (ch.finishConnect()) {
                    return true;
                }
                IoWait.await(s, ch, SelectionKey.OP_CONNECT, 0);
                if (Suspend.isSuspending(s)) {
                    return false;
                }
            }
        }

        SocketChannel channel() {
            return ch;
        }

        @Override
        int read(ByteBuffer dst, Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                IoWait.await(s, ch, SelectionKey.OP_READ, 0);
            }
            for (;;) {
                int n = ch.read(dst);
                if (n != 0) {
                    return n;
                }
                IoWait.await(s, ch, SelectionKey.OP_READ, 0);
                if (Suspend.isSuspending(s)) {
                    return 0;
                }
            }
        }

        @Override
        void write(ByteBuffer src, Stack s) throws IOException {
            if (Suspend.isResuming(s)) {
                IoWait.await(s, ch, SelectionKey.OP_WRITE, 0);
            }
            while (src.hasRemaining()) {
                if (ch.write(src) == 0) {
                    IoWait.await(s, ch, SelectionKey.OP_WRITE, 0);
                    if (Suspend.isSuspending(s)) {
                        return;
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }
    }

    /** TLS through coro's cooperative {@link CoSSLSocket}, over a connected plain link. */
    static final class Tls extends Link {
        private final CoSSLSocket ssl;
        private final CoSSLSocket.In in;
        private final CoSSLSocket.Out out;

        Tls(CoSSLSocket ssl) throws IOException {
            this.ssl = ssl;
            this.in = (CoSSLSocket.In) ssl.getInputStream();
            this.out = (CoSSLSocket.Out) ssl.getOutputStream();
        }

        /** The handshake, a leaf; its certificate checks and key agreement run on {@code Coro.blocking}'s pool. */
        void handshake(Stack s) throws IOException {
            ssl.startHandshake(s);
        }

        @Override
        int read(ByteBuffer dst, Stack s) throws IOException {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining(), s);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        @Override
        void write(ByteBuffer src, Stack s) throws IOException {
            out.write(src.array(), src.arrayOffset() + src.position(), src.remaining(), s);
            if (!Suspend.isSuspending(s)) {
                src.position(src.limit());
            }
        }

        @Override
        public void close() {
            try {
                ssl.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }
    }
}
