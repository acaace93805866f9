package dev.coro.internal.net;

import dev.coro.internal.Stack;

import java.io.IOException;
import java.util.function.Function;

/**
 * A coro socket's output ({@link CoOutputStream}, a TLS socket's {@link CoSSLSocket.Out}) as coro's stream wrappers
 * drive it in a coroutine: writes that never wait, and a separate wait for what the last one lacked.
 */
public interface SocketOutput {
    /**
     * One write that never waits: the bytes the stream took, maybe 0 (it then remembers what it waits for, for
     * {@link #awaitWritable}). Bytes taken may still sit in the stream (a TLS record the kernel took only part of):
     * {@link #flushNow} sends them. {@code s}: the writing coroutine's stack, or null.
     */
    int writeNow(byte[] b, int off, int len, Stack s) throws IOException;

    /** Sends what the stream holds without waiting: true when nothing is left (else it remembers what it waits for). */
    boolean flushNow(Stack s) throws IOException;

    /** Whether bytes {@link #writeNow} took are still held here, not all sent yet (a pure query). */
    boolean holdsUnsent();

    /**
     * Waits, as a leaf, for what the last {@link #writeNow} or {@link #flushNow} lacked: true to write now, false
     * when {@code s} is suspending (called again on resume, it ends the wait). A plain thread or pinned code blocks
     * here instead.
     */
    boolean awaitWritable(Stack s) throws IOException;

    /** Every byte, blocking (the stream's own write). */
    void write(byte[] b, int off, int len) throws IOException;

    /**
     * The one cooperative sink of coro's wrappers around this stream (made by {@code make} the first time, kept
     * here so they share it).
     */
    Object sink(Function<? super SocketOutput, Object> make);

    void close() throws IOException;
}
