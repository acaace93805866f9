package dev.coro.internal.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The impl under coro's sockets, which do everything on their channel instead: any path of Socket or ServerSocket
 * that still reaches an impl fails with a clear message instead of quietly opening a second, real socket.
 */
final class NoSocketImpl extends SocketImpl {
    private static SocketException unsupported() {
        return new SocketException("not supported by coro's cooperative socket");
    }

    @Override
    protected void create(boolean stream) {
        // nothing to create: the channel is the socket
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw unsupported();
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw unsupported();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw unsupported();
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw unsupported();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw unsupported();
    }

    @Override
    protected int available() throws IOException {
        throw unsupported();
    }

    @Override
    protected void close() {
        // the channel is closed by its socket
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw unsupported();
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        throw unsupported();
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        throw unsupported();
    }
}
