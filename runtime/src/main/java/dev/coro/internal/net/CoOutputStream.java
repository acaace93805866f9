package dev.coro.internal.net;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SelectionKey;
import java.util.Objects;

/**
 * A {@link CoSocket}'s output: a write returns once every byte is in the kernel's buffer. When the peer reads
 * slowly the buffer fills and the writer waits (backpressure): blocking when called plainly, suspended through
 * {@link #write(byte[], int, int, Stack)}.
 */
public final class CoOutputStream extends OutputStream implements SocketOutput {
    private final CoSocket socket;

    CoOutputStream(CoSocket socket) {
        this.socket = socket;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int done = 0;
        while (done < len) {
            int n = socket.writeNow(b, off + done, len - done);
            done += n;
            if (n == 0) {
                socket.awaitBlocking(SelectionKey.OP_WRITE);
            }
        }
    }

    /** The cooperative write: a leaf that keeps how far it got on the coroutine's stack while suspended. */
    public void write(byte[] b, int off, int len, Stack s) throws IOException {
        int done = 0;
        if (Suspend.isResuming(s)) {
            done = s.popI();
            socket.suspendOn(s, SelectionKey.OP_WRITE, 0);
            socket.writer = null;
        } else {
            Objects.checkFromIndexSize(off, len, b.length);
        }
        while (done < len) {
            int n = socket.writeNow(b, off + done, len - done);
            done += n;
            if (n == 0) {
                socket.suspendOn(s, SelectionKey.OP_WRITE, 0);
                if (Suspend.isSuspending(s)) {
                    s.pushI(done);
                    return;
                }
            }
        }
    }

    /** One write that never waits (for coro's wrappers around this stream): the bytes the socket took, maybe 0. */
    public int writeNow(byte[] b, int off, int len) throws IOException {
        return socket.writeNow(b, off, len);
    }

    @Override
    public int writeNow(byte[] b, int off, int len, Stack s) throws IOException {
        return writeNow(b, off, len);
    }

    @Override
    public boolean holdsUnsent() {
        return false;
    }

    /** Nothing is kept here: every byte {@link #writeNow} took is in the kernel's buffer. */
    @Override
    public boolean flushNow(Stack s) {
        return true;
    }

    /**
     * Waits, as a leaf, until the socket may be written: true to write now, false when {@code s} is suspending
     * (called again on resume, it ends the wait). A plain thread or pinned code blocks here instead.
     */
    @Override
    public boolean awaitWritable(Stack s) throws IOException {
        if (Suspend.isResuming(s)) {
            socket.suspendOn(s, SelectionKey.OP_WRITE, 0);
            socket.writer = null;
            return true;
        }
        socket.suspendOn(s, SelectionKey.OP_WRITE, 0);
        return !Suspend.isSuspending(s);
    }

    /** The one cooperative sink of coro's wrappers around this stream (made by them, kept here so they share it). */
    private Object sink;

    @Override
    public synchronized Object sink(java.util.function.Function<? super SocketOutput, Object> make) {
        if (sink == null) {
            sink = make.apply(this);
        }
        return sink;
    }

    @Override
    public void flush() {
        // nothing is buffered here
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
