package dev.coro.internal.patch;

import dev.coro.internal.Shutdown;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.Worker;
import dev.coro.internal.net.CoDatagramSocket;
import dev.coro.internal.net.CoInputStream;
import dev.coro.internal.net.CoMulticastSocket;
import dev.coro.internal.net.CoOutputStream;
import dev.coro.internal.net.CoSSLServerSocket;
import dev.coro.internal.net.CoSSLSocket;
import dev.coro.internal.net.CoServerSocket;
import dev.coro.internal.net.CoSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;

/**
 * The socket patches: {@code new Socket(...)} and {@code new ServerSocket(...)} in rewritten code make coro's
 * channel-backed sockets, and reads, writes, connects and accepts on them suspend the calling coroutine. Calls on
 * any other stream or socket go to the JDK unchanged.
 */
public final class PatchedNet {
    private PatchedNet() {
    }

    // ---- construction ----

    public static Socket newSocket() throws IOException {
        return new CoSocket();
    }

    /** {@code new Socket(host, port)}: plain form (kept blocking, e.g. inside synchronized). */
    public static Socket newSocket(String host, int port) throws IOException {
        CoSocket s = new CoSocket();
        s.connect(new InetSocketAddress(InetAddress.getByName(host), port));
        return s;
    }

    public static Socket newSocket(InetAddress address, int port) throws IOException {
        CoSocket s = new CoSocket();
        s.connect(new InetSocketAddress(address, port));
        return s;
    }

    public static Socket newSocket(String host, int port, Stack st) throws IOException {
        if (Suspend.isResuming(st)) {
            return connected((CoSocket) st.popA(), null, 0, st);
        }
        return connected(new CoSocket(), new InetSocketAddress(InetAddress.getByName(host), port), 0, st);
    }

    public static Socket newSocket(InetAddress address, int port, Stack st) throws IOException {
        if (Suspend.isResuming(st)) {
            return connected((CoSocket) st.popA(), null, 0, st);
        }
        return connected(new CoSocket(), new InetSocketAddress(address, port), 0, st);
    }

    public static ServerSocket newServerSocket() throws IOException {
        return new CoServerSocket();
    }

    public static ServerSocket newServerSocket(int port) throws IOException {
        return new CoServerSocket(port, 50, null);
    }

    public static ServerSocket newServerSocket(int port, int backlog) throws IOException {
        return new CoServerSocket(port, backlog, null);
    }

    public static ServerSocket newServerSocket(int port, int backlog, InetAddress bindAddr) throws IOException {
        return new CoServerSocket(port, backlog, bindAddr);
    }

    /** {@code SocketFactory.getDefault()}: a factory of cooperative sockets. */
    public static javax.net.SocketFactory socketFactory() {
        return dev.coro.internal.net.CoSocketFactories.SOCKETS;
    }

    /** {@code ServerSocketFactory.getDefault()}: a factory of cooperative server sockets. */
    public static javax.net.ServerSocketFactory serverSocketFactory() {
        return dev.coro.internal.net.CoSocketFactories.SERVER_SOCKETS;
    }

    // ---- bind: under the launcher, every worker binds the same port (SO_REUSEPORT); closed on shutdown ----

    /** {@code ServerSocketChannel.bind(local)} in patched code. */
    public static ServerSocketChannel bind(ServerSocketChannel ch, SocketAddress local) throws IOException {
        return bind(ch, local, 0);
    }

    /** {@code ServerSocketChannel.bind(local, backlog)} in patched code. */
    public static ServerSocketChannel bind(ServerSocketChannel ch, SocketAddress local, int backlog)
            throws IOException {
        Shutdown.beforeBind(ch);
        ch.bind(local, backlog);
        Shutdown.listening(ch);
        return ch;
    }

    /** {@code NetworkChannel.bind(local)} in patched code: only a server channel is treated as a listener. */
    public static NetworkChannel bind(NetworkChannel ch, SocketAddress local) throws IOException {
        if (ch instanceof ServerSocketChannel) {
            return bind((ServerSocketChannel) ch, local, 0);
        }
        return ch.bind(local);
    }

    /** {@code ServerSocket.bind(endpoint)} in patched code (coro's own server sockets do this themselves). */
    public static void bind(ServerSocket server, SocketAddress endpoint) throws IOException {
        bind(server, endpoint, 50);
    }

    public static void bind(ServerSocket server, SocketAddress endpoint, int backlog) throws IOException {
        if (server instanceof CoServerSocket) {
            server.bind(endpoint, backlog);
            return;
        }
        ServerSocketChannel ch = server.getChannel();
        if (ch != null) {
            Shutdown.beforeBind(ch);
        } else if (Worker.launched() && server.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        server.bind(endpoint, backlog);
        Shutdown.listening(server);
    }

    // ---- connect and accept ----

    public static void connect(Socket socket, SocketAddress endpoint, Stack st) throws IOException {
        connect(socket, endpoint, 0, st);
    }

    public static void connect(Socket socket, SocketAddress endpoint, int timeout, Stack st) throws IOException {
        if (socket instanceof CoSSLSocket) { // TLS: PatchedTls
            PatchedTls.connect((CoSSLSocket) socket, endpoint, timeout, st);
            return;
        }
        if (!(socket instanceof CoSocket)) {
            socket.connect(endpoint, timeout);
            return;
        }
        if (Suspend.isResuming(st)) {
            connected((CoSocket) st.popA(), null, timeout, st);
            return;
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        connected((CoSocket) socket, endpoint, timeout, st);
    }

    /** Connects (endpoint null: resuming a connect begun before), suspending while it is in progress. */
    private static CoSocket connected(CoSocket s, SocketAddress endpoint, int timeout, Stack st) throws IOException {
        if (endpoint == null) {
            if (!s.suspendOnConnect(st, 0)) {
                s.close();
                throw new SocketTimeoutException("Connect timed out");
            }
        } else if (s.startConnectNow(endpoint)) {
            return s;
        }
        while (!s.finishConnectNow()) {
            boolean ready = s.suspendOnConnect(st, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeout));
            if (Suspend.isSuspending(st)) {
                st.pushA(s);
                return null;
            }
            if (!ready) {
                s.close();
                throw new SocketTimeoutException("Connect timed out");
            }
        }
        return s;
    }

    public static Socket accept(ServerSocket server, Stack st) throws IOException {
        if (server instanceof CoServerSocket) {
            return ((CoServerSocket) server).accept(st);
        }
        if (server instanceof CoSSLServerSocket) { // TLS
            return ((CoSSLServerSocket) server).accept(st);
        }
        return server.accept();
    }

    // ---- streams ----

    public static int read(InputStream in, Stack st) throws IOException {
        if (in instanceof ChannelStreams.CoopInput) { // coro's wrappers around a socket's stream: SocketStreams
            return SocketStreams.read(in, st);
        }
        if (in instanceof CoSSLSocket.In) { // TLS: PatchedTls
            return PatchedTls.read((CoSSLSocket.In) in, st);
        }
        if (in instanceof ChannelStreams.In) { // Channels.newInputStream(socketChannel)
            return ((ChannelStreams.In) in).read(st);
        }
        if (in instanceof OffloadedInputStream) {
            InputStream inner = ((OffloadedInputStream) in).inner();
            Integer r = (Integer) PatchedHttp.offload(st, inner::read);
            return r == null ? 0 : r; // null: suspending, the value is not used
        }
        if (CoopFilters.offloads(in, st)) { // a GZIPInputStream, CipherInputStream, ...: on a worker
            return CoopFilters.runInt(st, in::read);
        }
        return in instanceof CoInputStream ? ((CoInputStream) in).read(st) : in.read();
    }

    public static int read(InputStream in, byte[] b, Stack st) throws IOException {
        return read(in, b, 0, b.length, st);
    }

    public static int read(InputStream in, byte[] b, int off, int len, Stack st) throws IOException {
        if (in instanceof ChannelStreams.CoopInput) {
            return SocketStreams.read(in, b, off, len, st);
        }
        if (in instanceof CoSSLSocket.In) { // TLS: PatchedTls
            return PatchedTls.read((CoSSLSocket.In) in, b, off, len, st);
        }
        if (in instanceof ChannelStreams.In) {
            return ((ChannelStreams.In) in).read(b, off, len, st);
        }
        if (in instanceof OffloadedInputStream) {
            InputStream inner = ((OffloadedInputStream) in).inner();
            Integer r = (Integer) PatchedHttp.offload(st, () -> inner.read(b, off, len));
            return r == null ? 0 : r; // null: suspending, the value is not used
        }
        if (CoopFilters.offloads(in, st)) {
            return CoopFilters.runInt(st, () -> in.read(b, off, len));
        }
        return in instanceof CoInputStream ? ((CoInputStream) in).read(b, off, len, st) : in.read(b, off, len);
    }

    /** {@code readAllBytes}: keeps what it has read so far on the coroutine's stack while suspended. */
    public static byte[] readAllBytes(InputStream in, Stack st) throws IOException {
        if (in instanceof ChannelStreams.CoopInput) {
            return SocketStreams.readAllBytes(in, st);
        }
        if (in instanceof CoSSLSocket.In) { // TLS: PatchedTls
            return PatchedTls.readAllBytes((CoSSLSocket.In) in, st);
        }
        if (in instanceof ChannelStreams.In) {
            return ((ChannelStreams.In) in).readAllBytes(st);
        }
        if (in instanceof OffloadedInputStream) {
            InputStream inner = ((OffloadedInputStream) in).inner();
            return (byte[]) PatchedHttp.offload(st, inner::readAllBytes);
        }
        if (!(in instanceof CoInputStream)) {
            return CoopFilters.offloads(in, st) ? CoopFilters.run(st, in::readAllBytes) : in.readAllBytes();
        }
        CoInputStream co = (CoInputStream) in;
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
            int n = co.read(buf, 0, buf.length, st);
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

    public static void write(OutputStream out, int b, Stack st) throws IOException {
        if (out instanceof ChannelStreams.CoopOutput) { // coro's wrappers around a socket's stream: SocketStreams
            SocketStreams.write(out, b, st);
            return;
        }
        if (out instanceof CoSSLSocket.Out) { // TLS: PatchedTls
            PatchedTls.write((CoSSLSocket.Out) out, b, st);
            return;
        }
        if (out instanceof ChannelStreams.Out) { // Channels.newOutputStream(socketChannel)
            ((ChannelStreams.Out) out).write(b, st);
            return;
        }
        if (out instanceof OffloadedOutputStream) { // patch=files: Files.newOutputStream in a coroutine
            OutputStream inner = ((OffloadedOutputStream) out).inner();
            PatchedHttp.offload(st, () -> {
                inner.write(b);
                return null;
            });
            return;
        }
        if (!(out instanceof CoOutputStream)) {
            out.write(b);
            return;
        }
        byte[] one = Suspend.isResuming(st) ? (byte[]) st.popA() : new byte[] {(byte) b};
        ((CoOutputStream) out).write(one, 0, 1, st);
        if (Suspend.isSuspending(st)) {
            st.pushA(one);
        }
    }

    public static void write(OutputStream out, byte[] b, Stack st) throws IOException {
        if (out instanceof ChannelStreams.CoopOutput) {
            SocketStreams.write(out, b, 0, b.length, st);
            return;
        }
        if (out instanceof CoSSLSocket.Out) { // TLS: PatchedTls
            PatchedTls.write((CoSSLSocket.Out) out, b, 0, b.length, st);
            return;
        }
        if (out instanceof ChannelStreams.Out) {
            ((ChannelStreams.Out) out).write(b, 0, b.length, st);
            return;
        }
        if (out instanceof OffloadedOutputStream) {
            write(out, b, 0, b.length, st);
            return;
        }
        if (out instanceof CoOutputStream) {
            ((CoOutputStream) out).write(b, 0, b.length, st);
        } else {
            out.write(b);
        }
    }

    public static void write(OutputStream out, byte[] b, int off, int len, Stack st) throws IOException {
        if (out instanceof ChannelStreams.CoopOutput) {
            SocketStreams.write(out, b, off, len, st);
            return;
        }
        if (out instanceof CoSSLSocket.Out) { // TLS: PatchedTls
            PatchedTls.write((CoSSLSocket.Out) out, b, off, len, st);
            return;
        }
        if (out instanceof ChannelStreams.Out) {
            ((ChannelStreams.Out) out).write(b, off, len, st);
            return;
        }
        if (out instanceof OffloadedOutputStream) {
            OutputStream inner = ((OffloadedOutputStream) out).inner();
            PatchedHttp.offload(st, () -> {
                inner.write(b, off, len);
                return null;
            });
            return;
        }
        if (out instanceof CoOutputStream) {
            ((CoOutputStream) out).write(b, off, len, st);
        } else {
            out.write(b, off, len);
        }
    }

    // ---- UDP: new DatagramSocket(...) makes coro's channel-backed socket; receive and send suspend ----

    public static java.net.DatagramSocket newDatagramSocket() throws java.net.SocketException {
        return new CoDatagramSocket(new InetSocketAddress(0));
    }

    public static java.net.DatagramSocket newDatagramSocket(SocketAddress bindaddr)
            throws java.net.SocketException {
        return new CoDatagramSocket(bindaddr);
    }

    public static java.net.DatagramSocket newDatagramSocket(int port) throws java.net.SocketException {
        return new CoDatagramSocket(new InetSocketAddress((InetAddress) null, port));
    }

    public static java.net.DatagramSocket newDatagramSocket(int port, InetAddress laddr)
            throws java.net.SocketException {
        return new CoDatagramSocket(new InetSocketAddress(laddr, port));
    }

    /** {@code new MulticastSocket(...)}: coro's MulticastSocket, whose datagrams go through a CoDatagramSocket. */
    public static java.net.MulticastSocket newMulticastSocket() throws IOException {
        return new CoMulticastSocket(new InetSocketAddress(0));
    }

    public static java.net.MulticastSocket newMulticastSocket(int port) throws IOException {
        return new CoMulticastSocket(new InetSocketAddress(port));
    }

    public static java.net.MulticastSocket newMulticastSocket(SocketAddress bindaddr) throws IOException {
        return new CoMulticastSocket(bindaddr);
    }

    public static void receive(java.net.DatagramSocket socket, java.net.DatagramPacket p, Stack st)
            throws IOException {
        if (socket instanceof CoDatagramSocket) {
            ((CoDatagramSocket) socket).receive(p, st);
        } else if (socket instanceof CoMulticastSocket) {
            ((CoMulticastSocket) socket).receive(p, st);
        } else {
            socket.receive(p);
        }
    }

    public static void send(java.net.DatagramSocket socket, java.net.DatagramPacket p, Stack st)
            throws IOException {
        if (socket instanceof CoDatagramSocket) {
            ((CoDatagramSocket) socket).send(p, st);
        } else if (socket instanceof CoMulticastSocket) {
            ((CoMulticastSocket) socket).send(p, st);
        } else {
            socket.send(p);
        }
    }

    public static void receive(java.net.DatagramSocket socket, java.net.DatagramPacket p) throws IOException {
        socket.receive(p);
    }

    public static void send(java.net.DatagramSocket socket, java.net.DatagramPacket p) throws IOException {
        socket.send(p);
    }

    // ---- name look-ups: can't be made non-blocking, so they run on the offload pool ----

    public static InetAddress getByName(String host, Stack st) throws java.net.UnknownHostException {
        return (InetAddress) lookup(st, () -> InetAddress.getByName(host), host);
    }

    public static InetAddress[] getAllByName(String host, Stack st) throws java.net.UnknownHostException {
        return (InetAddress[]) lookup(st, () -> InetAddress.getAllByName(host), host);
    }

    public static InetAddress getByName(String host) throws java.net.UnknownHostException {
        return InetAddress.getByName(host);
    }

    public static InetAddress[] getAllByName(String host) throws java.net.UnknownHostException {
        return InetAddress.getAllByName(host);
    }

    private static Object lookup(Stack st, java.util.concurrent.Callable<Object> call, String host)
            throws java.net.UnknownHostException {
        if (!Suspend.isResuming(st) && (st.task() == null || host == null || isLiteral(host))) {
            try {
                return call.call(); // nothing to wait for: a literal address, or a plain thread
            } catch (java.net.UnknownHostException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return dev.coro.internal.Blocking.call(st, Suspend.isResuming(st) ? null : call);
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.UnknownHostException) {
                throw (java.net.UnknownHostException) e.getCause();
            }
            throw e;
        } catch (java.net.UnknownHostException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isLiteral(String host) {
        return host.isEmpty() || Character.digit(host.charAt(0), 16) != -1 && host.chars().allMatch(
                c -> Character.digit(c, 16) != -1 || c == '.' || c == ':') || host.startsWith("[")
                || host.equals("localhost");
    }

    // ---- plain forms (a patched call kept blocking) ----

    public static void connect(Socket socket, SocketAddress endpoint) throws IOException {
        socket.connect(endpoint);
    }

    public static void connect(Socket socket, SocketAddress endpoint, int timeout) throws IOException {
        socket.connect(endpoint, timeout);
    }

    public static Socket accept(ServerSocket server) throws IOException {
        return server.accept();
    }

    public static int read(InputStream in) throws IOException {
        return in.read();
    }

    public static int read(InputStream in, byte[] b) throws IOException {
        return in.read(b);
    }

    public static int read(InputStream in, byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    public static byte[] readAllBytes(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    public static void write(OutputStream out, int b) throws IOException {
        out.write(b);
    }

    public static void write(OutputStream out, byte[] b) throws IOException {
        out.write(b);
    }

    public static void write(OutputStream out, byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

}
