package dev.coro.internal.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * The impl under {@link CoDatagramSocket}, which does everything on its channel instead: a path of DatagramSocket
 * that still reaches an impl fails with a clear message instead of quietly opening a second, real socket.
 */
@SuppressWarnings("deprecation")
final class NoDatagramSocketImpl extends DatagramSocketImpl {
    private static SocketException unsupported() {
        return new SocketException("not supported by coro's cooperative datagram socket");
    }

    @Override
    protected void create() throws SocketException {
        throw unsupported();
    }

    @Override
    protected void bind(int lport, InetAddress laddr) throws SocketException {
        throw unsupported();
    }

    @Override
    protected void send(DatagramPacket p) throws IOException {
        throw unsupported();
    }

    @Override
    protected int peek(InetAddress i) throws IOException {
        throw unsupported();
    }

    @Override
    protected int peekData(DatagramPacket p) throws IOException {
        throw unsupported();
    }

    @Override
    protected void receive(DatagramPacket p) throws IOException {
        throw unsupported();
    }

    @Override
    protected void setTTL(byte ttl) throws IOException {
        throw unsupported();
    }

    @Override
    protected byte getTTL() throws IOException {
        throw unsupported();
    }

    @Override
    protected void setTimeToLive(int ttl) throws IOException {
        throw unsupported();
    }

    @Override
    protected int getTimeToLive() throws IOException {
        throw unsupported();
    }

    @Override
    protected void join(InetAddress inetaddr) throws IOException {
        throw unsupported();
    }

    @Override
    protected void leave(InetAddress inetaddr) throws IOException {
        throw unsupported();
    }

    @Override
    protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw unsupported();
    }

    @Override
    protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw unsupported();
    }

    @Override
    protected void close() {
        // the channel is closed by its socket
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
