package dev.coro.internal.net;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** A {@link CoSocket}'s input: blocking when called plainly, suspending through {@link #read(byte[], int, int, Stack)}. */
public final class CoInputStream extends InputStream implements SocketInput {
    private final CoSocket socket;
    private boolean eof;
    /** The last cooperative read returned fewer bytes than asked for: the next one waits for readiness first. */
    private boolean drained;

    CoInputStream(CoSocket socket) {
        this.socket = socket;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        drained = false;
        for (;;) {
            int n = readNow(b, off, len);
            if (n != 0 || len == 0) {
                return n;
            }
            if (!socket.awaitBlocking(SelectionKey.OP_READ)) {
                throw new SocketTimeoutException("Read timed out");
            }
        }
    }

    /**
     * The cooperative read: suspends until data, EOF or the socket's timeout. A leaf; on resume it is called again
     * with the same arguments (the agent keeps them for patched calls).
     */
    public int read(byte[] b, int off, int len, Stack s) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        boolean resuming = Suspend.isResuming(s);
        if (resuming) {
            boolean ready = socket.suspendOn(s, SelectionKey.OP_READ, 0);
            socket.reader = null;
            if (!ready) {
                return readOrTimeOut(b, off, len);
            }
        }
        // After a short read the kernel's buffer is most likely empty: wait for readiness first rather than pay a
        // read that would only say EAGAIN (one system call in three of a request/response exchange).
        boolean waitFirst = !resuming && drained && len > 0 && !socket.isClosed()
                && !socket.isInputShutdown();
        for (;;) {
            if (!waitFirst) {
                int n = readNow(b, off, len);
                if (n != 0 || len == 0) {
                    drained = n > 0 && n < len;
                    return n;
                }
            }
            waitFirst = false;
            boolean ready = socket.suspendOn(s, SelectionKey.OP_READ,
                    TimeUnit.MILLISECONDS.toNanos(socket.soTimeoutMillis()));
            if (Suspend.isSuspending(s)) {
                return 0;
            }
            if (!ready) {
                return readOrTimeOut(b, off, len);
            }
        }
    }

    /** The wait timed out; data that came in at the last moment is still returned rather than reported late. */
    private int readOrTimeOut(byte[] b, int off, int len) throws IOException {
        int n = readNow(b, off, len);
        if (n != 0) {
            return n;
        }
        throw new SocketTimeoutException("Read timed out");
    }

    public int read(Stack s) throws IOException {
        if (Suspend.isResuming(s)) {
            byte[] one = (byte[]) s.popA();
            int n = read(one, 0, 1, s);
            return n < 0 ? -1 : one[0] & 0xff;
        }
        byte[] one = new byte[1];
        int n = read(one, 0, 1, s);
        if (Suspend.isSuspending(s)) {
            s.pushA(one);
            return 0;
        }
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * One read that never waits (for coro's wrappers around this stream, which wait through
     * {@link #awaitReadable}): bytes read, -1 at EOF, 0 if the socket has nothing yet.
     */
    public int readNow(byte[] b, int off, int len) throws IOException {
        if (eof) {
            return -1;
        }
        int n = socket.readNow(b, off, len);
        if (n < 0) {
            eof = true;
        }
        return n;
    }

    /** {@link #readNow(byte[], int, int)}: a plain socket has nothing to hand to the pool. */
    @Override
    public int readNow(byte[] b, int off, int len, Stack s) throws IOException {
        return readNow(b, off, len);
    }

    /**
     * Waits, as a leaf, until the socket may be read or its read timeout ({@code SO_TIMEOUT}) passes: 1 to read
     * now, -1 if the timeout passed, 0 when {@code s} is suspending (called again on resume, it ends the wait).
     * A plain thread or pinned code blocks here instead.
     */
    @Override
    public int awaitReadable(Stack s) throws IOException {
        if (Suspend.isResuming(s)) {
            boolean ready = socket.suspendOn(s, SelectionKey.OP_READ, 0);
            socket.reader = null;
            return ready ? 1 : -1;
        }
        if (eof || socket.isClosed() || socket.isInputShutdown()) {
            return 1; // the read says what there is to say
        }
        boolean ready = socket.suspendOn(s, SelectionKey.OP_READ,
                TimeUnit.MILLISECONDS.toNanos(socket.soTimeoutMillis()));
        if (Suspend.isSuspending(s)) {
            return 0;
        }
        return ready ? 1 : -1;
    }

    @Override
    public int available() throws IOException {
        return eof && !socket.isClosed() ? 0 : socket.available(); // closed: "Socket closed", as the JDK's
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
