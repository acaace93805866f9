package dev.coro.internal.net;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * What {@code SocketFactory.getDefault()} and {@code ServerSocketFactory.getDefault()} return inside rewritten code:
 * factories of cooperative sockets. Libraries (a JDBC driver, a mail client) that make their sockets through the
 * default factory and then call {@code connect} get a socket that suspends its task instead of blocking its loop.
 * The factory methods that connect at once do so the blocking way (they are plain calls); the unconnected
 * {@code createSocket()} followed by {@code connect}, which is what libraries do to set a timeout, is cooperative.
 */
public final class CoSocketFactories {
    private CoSocketFactories() {
    }

    public static final SocketFactory SOCKETS = new SocketFactory() {
        @Override
        public Socket createSocket() throws IOException {
            return new CoSocket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(InetAddress.getByName(host), port), null, 0);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return connected(new InetSocketAddress(InetAddress.getByName(host), port), localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port), null, 0);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return connected(new InetSocketAddress(address, port), localAddress, localPort);
        }

        private Socket connected(InetSocketAddress to, InetAddress localAddress, int localPort) throws IOException {
            CoSocket s = new CoSocket();
            try {
                if (localAddress != null || localPort != 0) {
                    s.bind(new InetSocketAddress(localAddress, localPort));
                }
                s.connect(to);
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        @Override
        public String toString() {
            return "coro's cooperative SocketFactory";
        }
    };

    public static final ServerSocketFactory SERVER_SOCKETS = new ServerSocketFactory() {
        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new CoServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new CoServerSocket(port, 50, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return new CoServerSocket(port, backlog, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
            return new CoServerSocket(port, backlog, ifAddress);
        }

        @Override
        public String toString() {
            return "coro's cooperative ServerSocketFactory";
        }
    };
}
