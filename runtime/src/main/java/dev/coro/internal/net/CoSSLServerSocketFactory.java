package dev.coro.internal.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * What {@code SSLServerSocketFactory.getDefault()} and {@code SSLContext.getServerSocketFactory()} return in
 * rewritten code: TLS server sockets ({@link CoSSLServerSocket}) whose accept and connections are cooperative.
 */
public final class CoSSLServerSocketFactory extends SSLServerSocketFactory {
    private final SSLContext context;

    public CoSSLServerSocketFactory(SSLContext context) {
        this.context = context;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
        return new CoSSLServerSocket(context, new CoServerSocket());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return new CoSSLServerSocket(context, new CoServerSocket(port, 50, null));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return new CoSSLServerSocket(context, new CoServerSocket(port, backlog, null));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return new CoSSLServerSocket(context, new CoServerSocket(port, backlog, ifAddress));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return context.getDefaultSSLParameters().getCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return context.getSupportedSSLParameters().getCipherSuites();
    }

    @Override
    public String toString() {
        return "coro's cooperative SSLServerSocketFactory (" + context.getProtocol() + ")";
    }
}
