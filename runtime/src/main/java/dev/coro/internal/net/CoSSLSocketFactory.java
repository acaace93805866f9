package dev.coro.internal.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * What {@code SSLSocketFactory.getDefault()} and {@code SSLContext.getSocketFactory()} return in rewritten code: TLS
 * sockets ({@link CoSSLSocket}) on cooperative sockets, with the context's engines. The methods that connect at once
 * connect the blocking way (a plain call); the patched {@code createSocket(host, port)} call site and
 * {@code createSocket()} followed by a patched {@code connect} are cooperative. Layering over an existing socket is
 * cooperative when that socket is coro's; over any other socket it is the JDK's own (blocking) TLS socket.
 */
public final class CoSSLSocketFactory extends SSLSocketFactory {
    private final SSLContext context;

    public CoSSLSocketFactory(SSLContext context) {
        this.context = context;
    }

    public SSLContext context() {
        return context;
    }

    /** TLS over a connected cooperative socket, client side. */
    public Socket layer(CoSocket s, String host, int port, boolean autoClose) throws IOException {
        return new CoSSLSocket(context, s, host, port, autoClose, true);
    }

    @Override
    public Socket createSocket() throws IOException {
        return new CoSSLSocket(context);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(InetAddress.getByName(host), port), host, null, 0);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(InetAddress.getByName(host), port), host, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null, null, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), null, localAddress, localPort);
    }

    private Socket connected(InetSocketAddress to, String host, InetAddress localAddress, int localPort)
            throws IOException {
        CoSocket s = new CoSocket();
        try {
            if (localAddress != null || localPort != 0) {
                s.bind(new InetSocketAddress(localAddress, localPort));
            }
            s.connect(to);
            return layer(s, host != null ? host : to.getAddress().getHostAddress(), to.getPort(), true);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        if (s instanceof CoSocket) {
            return layer((CoSocket) s, host, port, autoClose);
        }
        return context.getSocketFactory().createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
        return context.getSocketFactory().createSocket(s, consumed, autoClose);
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
        return "coro's cooperative SSLSocketFactory (" + context.getProtocol() + ")";
    }
}
