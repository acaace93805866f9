package dev.coro.internal.net;

import dev.coro.internal.IoWait;
import dev.coro.internal.Shutdown;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** A {@link ServerSocket} on a non-blocking channel, for patched code: {@code accept} suspends in coroutines. */
public final class CoServerSocket extends ServerSocket {
    private final ServerSocketChannel ch;
    private volatile int soTimeout;
    private volatile boolean closed;
    /** The coroutine waiting in accept, so close() (from any thread: the shutdown hook) can wake it. */
    private volatile WaitNode acceptor;

    public CoServerSocket() throws IOException {
        super(new NoSocketImpl());
        ch = ServerSocketChannel.open();
        ch.configureBlocking(false);
    }

    public CoServerSocket(int port, int backlog, InetAddress bindAddr) throws IOException {
        this();
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("Port value out of range: " + port);
        }
        try {
            bind(new InetSocketAddress(bindAddr, port), backlog);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void bind(SocketAddress endpoint) throws IOException {
        bind(endpoint, 50);
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        Shutdown.beforeBind(ch); // under the launcher: SO_REUSEPORT, so every worker can bind this port
        ch.bind(endpoint == null ? new InetSocketAddress(0) : endpoint, backlog < 1 ? 50 : backlog);
        Shutdown.listening(this);
    }

    @Override
    public Socket accept() throws IOException {
        for (;;) {
            SocketChannel c = acceptNow();
            if (c != null) {
                return new CoSocket(c);
            }
            if (!IoWait.block(ch, SelectionKey.OP_ACCEPT, TimeUnit.MILLISECONDS.toNanos(soTimeout))) {
                throw new SocketTimeoutException("Accept timed out");
            }
        }
    }

    /** The cooperative accept: a leaf. */
    public Socket accept(Stack s) throws IOException {
        if (Suspend.isResuming(s)) {
            if (!IoWait.await(s, ch, SelectionKey.OP_ACCEPT, 0)) {
                throw new SocketTimeoutException("Accept timed out");
            }
        }
        for (;;) {
            SocketChannel c = acceptNow();
            if (c != null) {
                return new CoSocket(c);
            }
            boolean ready = IoWait.await(s, ch, SelectionKey.OP_ACCEPT, TimeUnit.MILLISECONDS.toNanos(soTimeout));
            if (Suspend.isSuspending(s)) {
                acceptor = Suspend.currentWait(s);
                if (closed) {
                    wakeAcceptor(); // closed while it registered: it must not wait for a connection that never comes
                }
                return null;
            }
            if (!ready) {
                throw new SocketTimeoutException("Accept timed out");
            }
        }
    }

    private SocketChannel acceptNow() throws IOException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        if (!ch.socket().isBound()) {
            throw new SocketException("Socket is not bound yet");
        }
        try {
            return ch.accept();
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        Shutdown.closed(this);
        ch.close();
        wakeAcceptor();
    }

    private void wakeAcceptor() {
        WaitNode n = acceptor;
        if (n != null) {
            acceptor = null;
            IoWait.channelClosed(n); // it retries, and finds the socket closed
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isBound() {
        return ch.socket().isBound();
    }

    @Override
    public InetAddress getInetAddress() {
        return ch.socket().getInetAddress();
    }

    @Override
    public int getLocalPort() {
        return ch.socket().getLocalPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ch.socket().getLocalSocketAddress();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return null;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        soTimeout = timeout;
    }

    @Override
    public int getSoTimeout() {
        return soTimeout;
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        ChannelOptions.set(ch, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return ChannelOptions.get(ch, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
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

    @Override
    public String toString() {
        return isBound() ? "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]"
                : "ServerSocket[unbound]";
    }
}
