package dev.coro.internal.net;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;

/**
 * A TLS server socket on a {@link CoServerSocket}: its accepted sockets are {@link CoSSLSocket}s in server mode,
 * configured as this server socket (protocols, suites, client authentication). The handshake happens on the
 * accepted socket's first read or write, as with the JDK's. Its settings live in a stand-in engine.
 */
public final class CoSSLServerSocket extends SSLServerSocket {
    private final SSLContext context;
    private final CoServerSocket server;
    private final SSLEngine config;

    CoSSLServerSocket(SSLContext context, CoServerSocket server) throws IOException {
        this.context = context;
        this.server = server;
        this.config = context.createSSLEngine();
        this.config.setUseClientMode(false);
    }

    @Override
    public Socket accept() throws IOException {
        return wrap(server.accept());
    }

    /** The cooperative accept: a leaf. */
    public Socket accept(Stack s) throws IOException {
        Socket c = server.accept(s);
        if (Suspend.isSuspending(s)) {
            return null;
        }
        return wrap(c);
    }

    private Socket wrap(Socket c) throws IOException {
        synchronized (config) {
            return CoSSLSocket.accepted(context, (CoSocket) c, config);
        }
    }

    @Override
    public void bind(SocketAddress endpoint) throws IOException {
        server.bind(endpoint);
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        server.bind(endpoint, backlog);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    @Override
    public boolean isClosed() {
        return server.isClosed();
    }

    @Override
    public boolean isBound() {
        return server.isBound();
    }

    @Override
    public InetAddress getInetAddress() {
        return server.getInetAddress();
    }

    @Override
    public int getLocalPort() {
        return server.getLocalPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return server.getLocalSocketAddress();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return null;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        server.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws IOException {
        return server.getSoTimeout();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        server.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return server.getReuseAddress();
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        server.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return server.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return server.supportedOptions();
    }

    @Override
    public String toString() {
        return "CoSSLServerSocket[" + server + "]";
    }

    // ---- TLS settings, handed to every accepted socket ----

    @Override
    public String[] getEnabledCipherSuites() {
        synchronized (config) {
            return config.getEnabledCipherSuites();
        }
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        synchronized (config) {
            config.setEnabledCipherSuites(suites);
        }
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return config.getSupportedCipherSuites();
    }

    @Override
    public String[] getSupportedProtocols() {
        return config.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        synchronized (config) {
            return config.getEnabledProtocols();
        }
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        synchronized (config) {
            config.setEnabledProtocols(protocols);
        }
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        synchronized (config) {
            config.setNeedClientAuth(need);
        }
    }

    @Override
    public boolean getNeedClientAuth() {
        synchronized (config) {
            return config.getNeedClientAuth();
        }
    }

    @Override
    public void setWantClientAuth(boolean want) {
        synchronized (config) {
            config.setWantClientAuth(want);
        }
    }

    @Override
    public boolean getWantClientAuth() {
        synchronized (config) {
            return config.getWantClientAuth();
        }
    }

    @Override
    public void setUseClientMode(boolean mode) {
        synchronized (config) {
            config.setUseClientMode(mode);
        }
    }

    @Override
    public boolean getUseClientMode() {
        synchronized (config) {
            return config.getUseClientMode();
        }
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        synchronized (config) {
            config.setEnableSessionCreation(flag);
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        synchronized (config) {
            return config.getEnableSessionCreation();
        }
    }

    @Override
    public SSLParameters getSSLParameters() {
        synchronized (config) {
            return config.getSSLParameters();
        }
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        synchronized (config) {
            config.setSSLParameters(params);
        }
    }
}
