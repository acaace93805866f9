package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.net.CoSSLServerSocketFactory;
import dev.coro.internal.net.CoSSLSocket;
import dev.coro.internal.net.CoSSLSocketFactory;
import dev.coro.internal.net.CoSocket;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.security.NoSuchAlgorithmException;
import java.security.Security;

/**
 * The TLS patches (group {@code sockets}): the factories rewritten code gets its TLS sockets from make
 * {@link CoSSLSocket}s on cooperative sockets, so handshakes, reads and writes suspend a coroutine. The streams'
 * reads and writes reach here through {@link PatchedNet}'s dispatch on the stream's class.
 */
public final class PatchedTls {
    private PatchedTls() {
    }

    // ---- factories (never wait) ----

    /** {@code SSLSocketFactory.getDefault()}: the default context's, cooperative (unless a provider is configured). */
    public static SocketFactory defaultSocketFactory() {
        if (Security.getProperty("ssl.SocketFactory.provider") != null) {
            return SSLSocketFactory.getDefault();
        }
        try {
            return new CoSSLSocketFactory(SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
            return SSLSocketFactory.getDefault(); // the JDK's, with its own error on use
        }
    }

    /** {@code SSLServerSocketFactory.getDefault()}. */
    public static ServerSocketFactory defaultServerSocketFactory() {
        if (Security.getProperty("ssl.ServerSocketFactory.provider") != null) {
            return SSLServerSocketFactory.getDefault();
        }
        try {
            return new CoSSLServerSocketFactory(SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
            return SSLServerSocketFactory.getDefault();
        }
    }

    /** {@code context.getSocketFactory()}. */
    public static SSLSocketFactory getSocketFactory(SSLContext context) {
        context.getSocketFactory(); // the JDK's checks: an uninitialised context fails here as it would
        return new CoSSLSocketFactory(context);
    }

    /** {@code context.getServerSocketFactory()}. */
    public static SSLServerSocketFactory getServerSocketFactory(SSLContext context) {
        context.getServerSocketFactory();
        return new CoSSLServerSocketFactory(context);
    }

    // ---- connecting and handshaking ----

    /** {@code factory.createSocket(host, port)}: the connect suspends. */
    public static Socket createSocket(SSLSocketFactory factory, String host, int port, Stack st) throws IOException {
        if (!(factory instanceof CoSSLSocketFactory)) {
            return factory.createSocket(host, port);
        }
        Socket s = PatchedNet.newSocket(host, port, st); // resumes its own connect
        if (Suspend.isSuspending(st)) {
            return null;
        }
        return ((CoSSLSocketFactory) factory).layer((CoSocket) s, host, port, true);
    }

    public static Socket createSocket(SSLSocketFactory factory, String host, int port) throws IOException {
        return factory.createSocket(host, port);
    }

    /** {@code PatchedNet.connect} on a TLS socket: connects its transport cooperatively, then makes its engine. */
    static void connect(CoSSLSocket socket, SocketAddress endpoint, int timeout, Stack st) throws IOException {
        PatchedNet.connect(socket.transport(), endpoint, timeout, st);
        if (!Suspend.isSuspending(st)) {
            socket.connected(endpoint);
        }
    }

    /** {@code sslSocket.startHandshake()}. */
    public static void startHandshake(SSLSocket socket, Stack st) throws IOException {
        if (socket instanceof CoSSLSocket) {
            ((CoSSLSocket) socket).startHandshake(st);
        } else {
            socket.startHandshake();
        }
    }

    public static void startHandshake(SSLSocket socket) throws IOException {
        socket.startHandshake();
    }

    // ---- streams (from PatchedNet's dispatch) ----

    static int read(CoSSLSocket.In in, Stack st) throws IOException {
        return in.read(st);
    }

    static int read(CoSSLSocket.In in, byte[] b, int off, int len, Stack st) throws IOException {
        return in.read(b, off, len, st);
    }

    static byte[] readAllBytes(CoSSLSocket.In in, Stack st) throws IOException {
        ByteArrayOutputStream acc;
        byte[] buf;
        if (Suspend.isResuming(st)) {
            buf = (byte[]) st.popA();
            acc = (ByteArrayOutputStream) st.popA();
        } else {
            acc = new ByteArrayOutputStream();
            buf = new byte[8192];
        }
        for (;;) {
            int n = in.read(buf, 0, buf.length, st);
            if (Suspend.isSuspending(st)) {
                st.pushA(acc);
                st.pushA(buf);
                return null;
            }
            if (n < 0) {
                return acc.toByteArray();
            }
            acc.write(buf, 0, n);
        }
    }

    static void write(CoSSLSocket.Out out, int b, Stack st) throws IOException {
        byte[] one = Suspend.isResuming(st) ? (byte[]) st.popA() : new byte[] {(byte) b};
        out.write(one, 0, 1, st);
        if (Suspend.isSuspending(st)) {
            st.pushA(one);
        }
    }

    static void write(CoSSLSocket.Out out, byte[] b, int off, int len, Stack st) throws IOException {
        out.write(b, off, len, st);
    }
}
