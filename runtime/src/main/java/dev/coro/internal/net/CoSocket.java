package dev.coro.internal.net;

import dev.coro.internal.IoWait;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Socket} on a non-blocking {@link SocketChannel}: what patched code gets for {@code new Socket(...)}.
 * Its operations come in two forms. The plain ones ({@code connect}, its streams' {@code read}/{@code write})
 * behave as the JDK's blocking socket: on a plain thread they block, honouring {@code SO_TIMEOUT}. The cooperative
 * ones, which patched call sites reach through {@code Patched}, suspend the calling coroutine on its loop's selector
 * instead, so one thread serves thousands of connections.
 */
public final class CoSocket extends Socket {
    final SocketChannel ch;
    private volatile int soTimeout;
    private volatile boolean closed;
    /** Once connected, {@link #isConnected()} stays true, closed or not, as the JDK's Socket does. */
    private volatile boolean connected;
    /**
     * A failed connect closes the socket: JDK 24 and later report it closed ({@code isClosed()}, "Socket is
     * closed"), as JDK-8343791 specified; before, the JDK's socket said open while its implementation was closed
     * ("Socket closed" from the next operation). Both are followed, whichever JDK runs (checked on 17 and 25 by
     * the conformance suite; 24 is the release of JDK-8343791).
     */
    private static final boolean CLOSED_ON_FAILED_CONNECT = Runtime.version().feature() >= 24;
    private final CoInputStream in = new CoInputStream(this);
    private final CoOutputStream out = new CoOutputStream(this);
    /** The coroutines waiting on this socket, so close() can wake them instead of leaving them to hang. */
    volatile WaitNode reader;
    volatile WaitNode writer;

    /** An unconnected socket. */
    public CoSocket() throws IOException {
        this(SocketChannel.open());
    }

    /** A cooperative socket over a channel connected by other means (it is made non-blocking). */
    public static CoSocket connected(SocketChannel ch) throws IOException {
        return new CoSocket(ch);
    }

    /** A connected socket accepted by a server. */
    CoSocket(SocketChannel ch) throws IOException {
        super(new NoSocketImpl());
        this.ch = ch;
        ch.configureBlocking(false);
        connected = ch.isConnected();
    }

    // ---- connect ----

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        if (!startConnect(endpoint)) {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeout);
            while (!finishConnect()) {
                if (!IoWait.block(ch, SelectionKey.OP_CONNECT, nanos) && timeout > 0) {
                    close();
                    throw new SocketTimeoutException("Connect timed out");
                }
            }
        }
    }

    /** Starts connecting; true if already connected. */
    boolean startConnect(SocketAddress endpoint) throws IOException {
        if (endpoint == null) {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (!(endpoint instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        if (ch.isConnected()) {
            // the JDK's message: "already connected" on 17, "Already connected" on 25 (with JDK-8343791's rework)
            throw new SocketException(CLOSED_ON_FAILED_CONNECT ? "Already connected" : "already connected");
        }
        InetSocketAddress a = (InetSocketAddress) endpoint;
        if (a.isUnresolved()) {
            if (CLOSED_ON_FAILED_CONNECT) {
                close();
            }
            throw new java.net.UnknownHostException(a.getHostName());
        }
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed"); // a connect failed before (JDK 23 and earlier)
        }
        try {
            return connected = ch.connect(a);
        } catch (IOException e) {
            connectFailed();
            throw e;
        }
    }

    boolean finishConnect() throws IOException {
        try {
            return connected = ch.finishConnect();
        } catch (IOException e) {
            connectFailed();
            throw e;
        }
    }

    private void connectFailed() throws IOException {
        if (CLOSED_ON_FAILED_CONNECT) {
            close();
        } else {
            ch.close();
        }
    }

    int soTimeoutMillis() {
        return soTimeout;
    }

    // ---- reads and writes on the channel, shared by both forms ----

    /** One non-blocking read: bytes read, -1 at EOF, 0 if nothing is there yet. */
    int readNow(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (len == 0) {
            return 0;
        }
        try {
            return ch.read(ByteBuffer.wrap(b, off, len));
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed");
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage()); // as the JDK's socket input stream reports it
        }
    }

    /** One non-blocking write: bytes written, maybe 0. */
    int writeNow(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        try {
            return ch.write(ByteBuffer.wrap(b, off, len));
        } catch (ClosedChannelException e) {
            // after shutdownOutput the channel refuses the write (JDK 25; 17's makes the system call), where the JDK's
            // socket makes the system call, which fails with EPIPE
            throw new SocketException(!closed && isOutputShutdown() ? "Broken pipe" : "Socket closed");
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage()); // "Broken pipe", ...: as the JDK's socket output stream
        }
    }

    /** The channel adaptor's input stream: only for {@code available()}, which works in non-blocking mode. */
    private InputStream adaptorInput;

    /** Bytes readable without waiting, as the JDK's socket input stream counts them (0 once input is shut down). */
    int available() throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (isInputShutdown()) {
            return 0;
        }
        try {
            InputStream a = adaptorInput;
            if (a == null) {
                adaptorInput = a = ch.socket().getInputStream();
            }
            return a.available();
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed");
        }
    }

    /** Waits for readiness the blocking way (a plain thread, or pinned code). */
    boolean awaitBlocking(int ops) throws IOException {
        long nanos = ops == SelectionKey.OP_READ ? TimeUnit.MILLISECONDS.toNanos(soTimeout) : 0;
        return IoWait.block(ch, ops, nanos);
    }

    // ---- streams ----

    @Override
    public InputStream getInputStream() throws IOException {
        checkOpenAndConnected();
        if (isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkOpenAndConnected();
        if (isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        return out;
    }

    private void checkOpenAndConnected() throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        if (!ch.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
    }

    // ---- close and half-close ----

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        ch.close();
        IoWait.channelClosed(reader);
        IoWait.channelClosed(writer);
        IoWait.wakeBlocked(ch); // a plain thread (a worker) blocked in a read or write: it finds the socket closed
    }


    @Override
    public void shutdownInput() throws IOException {
        checkOpenAndConnected();
        ch.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        checkOpenAndConnected();
        ch.shutdownOutput();
    }

    @Override
    public boolean isInputShutdown() {
        return !closed && ch.isConnected() && ch.socket().isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return !closed && ch.isConnected() && ch.socket().isOutputShutdown();
    }

    // ---- state and addresses ----

    @Override
    public boolean isConnected() {
        return connected || ch.isConnected();
    }

    @Override
    public boolean isBound() {
        return ch.socket().isBound();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        ch.bind(bindpoint);
    }

    @Override
    public InetAddress getInetAddress() {
        return ch.socket().getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return ch.socket().getLocalAddress();
    }

    @Override
    public int getPort() {
        return ch.socket().getPort();
    }

    @Override
    public int getLocalPort() {
        return ch.socket().getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return ch.socket().getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ch.socket().getLocalSocketAddress();
    }

    @Override
    public java.nio.channels.SocketChannel getChannel() {
        return null; // like a plain Socket: its channel is coro's business
    }

    // ---- options ----

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout can't be negative");
        }
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed"); // a connect failed before (JDK 23 and earlier)
        }
        soTimeout = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        return soTimeout;
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        set(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return get(StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return get(StandardSocketOptions.SO_KEEPALIVE);
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return get(StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("negative send size");
        }
        set(StandardSocketOptions.SO_SNDBUF, size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid receive size");
        }
        set(StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        set(StandardSocketOptions.SO_LINGER, on ? Math.min(linger, 65535) : -1);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return get(StandardSocketOptions.SO_LINGER);
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }

    private <T> void set(SocketOption<T> o, T v) throws SocketException {
        ChannelOptions.set(ch, o, v);
    }

    private <T> T get(SocketOption<T> o) throws SocketException {
        return ChannelOptions.get(ch, o);
    }

    @Override
    public String toString() {
        return ch.isConnected() ? "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport="
                + getLocalPort() + "]" : "Socket[unconnected]";
    }

    /** For the cooperative connect: starts connecting; true if already connected. */
    public boolean startConnectNow(SocketAddress endpoint) throws IOException {
        return startConnect(endpoint);
    }

    public boolean finishConnectNow() throws IOException {
        return finishConnect();
    }

    /** Suspends until the connect completes (or the timeout passes). */
    public boolean suspendOnConnect(Stack s, long timeoutNanos) throws IOException {
        return IoWait.await(s, ch, SelectionKey.OP_CONNECT, timeoutNanos);
    }

    /** The suspension point of a cooperative read/write/connect: registers the waiter so close() can wake it. */
    boolean suspendOn(Stack s, int ops, long timeoutNanos) throws IOException {
        boolean ready = IoWait.await(s, ch, ops, timeoutNanos);
        if (Suspend.isSuspending(s)) {
            WaitNode n = Suspend.currentWait(s);
            if (ops == SelectionKey.OP_WRITE) {
                writer = n;
            } else {
                reader = n;
            }
        }
        return ready;
    }
}
