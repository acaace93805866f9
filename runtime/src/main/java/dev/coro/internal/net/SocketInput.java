package dev.coro.internal.net;

import dev.coro.internal.Stack;

import java.io.IOException;

/**
 * A coro socket's input ({@link CoInputStream}, a TLS socket's {@link CoSSLSocket.In}) as coro's stream wrappers
 * drive it in a coroutine: reads that never wait, and a separate wait for what the last one lacked.
 */
public interface SocketInput {
    /**
     * One read that never waits: bytes read, -1 at EOF, 0 if it would have to wait (the stream remembers for
     * what, for {@link #awaitReadable}). {@code s}: the reading coroutine's stack (a TLS handshake's delegated
     * tasks then go to the pool), or null.
     */
    int readNow(byte[] b, int off, int len, Stack s) throws IOException;

    /**
     * Waits, as a leaf, for what the last {@link #readNow} lacked, or until the read timeout ({@code SO_TIMEOUT})
     * passes: 1 to read now, -1 if the timeout passed, 0 when {@code s} is suspending (called again on resume, it
     * ends the wait). A plain thread or pinned code blocks here instead.
     */
    int awaitReadable(Stack s) throws IOException;

    /** The blocking read, {@code SO_TIMEOUT} included (the stream's own). */
    int read(byte[] b, int off, int len) throws IOException;

    long skip(long n) throws IOException;

    int available() throws IOException;

    void close() throws IOException;
}
