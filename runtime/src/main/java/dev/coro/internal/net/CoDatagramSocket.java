package dev.coro.internal.net;

import dev.coro.internal.IoWait;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DatagramSocket} on a non-blocking {@link DatagramChannel}: what patched code gets for
 * {@code new DatagramSocket(...)}. Since JDK 15 the JDK's own DatagramSocket is an adaptor over a DatagramChannel;
 * this one keeps that adaptor ({@link DatagramChannel#socket()}) for everything that never waits (bind, connect,
 * options, addresses, close), so those behave exactly as the JDK's, and does {@code send} and {@code receive}
 * itself, in two forms like {@link CoSocket}: the plain ones block as the JDK's do (honouring {@code SO_TIMEOUT},
 * "Receive timed out"); the cooperative ones, which patched call sites reach through {@code PatchedNet}, suspend
 * the calling coroutine on its loop's selector.
 */
public final class CoDatagramSocket extends DatagramSocket {
    private final DatagramChannel dc;
    /** The JDK's adaptor over {@link #dc}: everything but send and receive goes through it. */
    private final DatagramSocket adaptor;
    private volatile int soTimeout;
    /** The coroutines waiting on this socket, so close() can wake them instead of leaving them to hang. */
    private volatile WaitNode reader;
    private volatile WaitNode writer;

    /** {@code new DatagramSocket(bindaddr)}; null: unbound. The other constructors come down to this one. */
    public CoDatagramSocket(SocketAddress bindaddr) throws SocketException {
        this(bindaddr, false);
    }

    /**
     * As {@link #CoDatagramSocket(SocketAddress)}; {@code multicast}: the socket of a {@link CoMulticastSocket},
     * which, as the JDK's {@code MulticastSocket}, sets {@code SO_REUSEADDR} before it binds.
     */
    CoDatagramSocket(SocketAddress bindaddr, boolean multicast) throws SocketException {
        super(new NoDatagramSocketImpl());
        DatagramChannel ch = null;
        boolean initialized = false;
        try {
            ch = DatagramChannel.open();
            ch.configureBlocking(false);
            DatagramSocket a = ch.socket();
            if (multicast) {
                a.setReuseAddress(true);
            }
            if (bindaddr != null) {
                a.bind(bindaddr);
            }
            try {
                a.setBroadcast(true); // as the JDK's constructor: enable broadcast if possible
            } catch (IOException ignored) {
                // as the JDK
            }
            initialized = true;
        } catch (IOException e) {
            throw toSocketException(e);
        } finally {
            if (!initialized && ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the constructor's failure is what matters
                }
            }
        }
        this.dc = ch;
        this.adaptor = ch.socket();
    }

    /**
     * The JDK's adaptor over this socket's channel as a {@link MulticastSocket} (since JDK 15 it is one): group
     * membership, multicast interface, TTL and loopback mode go through it to the channel's membership keys and
     * options, exactly as the JDK's own MulticastSocket does.
     */
    MulticastSocket multicastAdaptor() {
        return (MulticastSocket) adaptor;
    }

    private static SocketException toSocketException(IOException e) {
        if (e instanceof SocketException) {
            return (SocketException) e;
        }
        if (e.getCause() instanceof SocketException) {
            return (SocketException) e.getCause();
        }
        SocketException se = new SocketException(e.getMessage());
        se.initCause(e);
        return se;
    }

    private static SocketException closed(ClosedChannelException e) {
        SocketException se = new SocketException("Socket closed"); // as the JDK's send and receive
        se.initCause(e);
        return se;
    }

    // ---- receive ----

    /** One non-blocking receive into {@code p}, as the JDK fills it; false if no datagram is there yet. */
    private boolean receiveNow(DatagramPacket p) throws IOException {
        synchronized (p) {
            int off = p.getOffset();
            ByteBuffer bb = ByteBuffer.wrap(p.getData(), off, Packets.bufLength(p));
            SocketAddress sender;
            try {
                sender = dc.receive(bb); // a datagram longer than the buffer is truncated, as the JDK's
            } catch (ClosedChannelException e) {
                throw closed(e);
            }
            if (sender == null) {
                return false;
            }
            Packets.received(p, bb.position() - off);
            p.setSocketAddress(sender);
            return true;
        }
    }

    /** The plain receive: blocks (a plain thread, or pinned code) until a datagram, or SO_TIMEOUT. */
    @Override
    public void receive(DatagramPacket p) throws IOException {
        int timeout = soTimeout;
        long deadline = timeout > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
        for (;;) {
            if (receiveNow(p)) {
                return;
            }
            long left = 0;
            if (deadline != 0) {
                left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("Receive timed out");
                }
            }
            IoWait.block(dc, SelectionKey.OP_READ, left);
        }
    }

    /**
     * The cooperative receive: suspends until a datagram arrives, the socket closes or SO_TIMEOUT passes. A leaf;
     * on resume it is called again with the same arguments (the deadline waits on the coroutine's stack).
     */
    public void receive(DatagramPacket p, Stack s) throws IOException {
        long deadline;
        if (Suspend.isResuming(s)) {
            deadline = s.popJ();
            IoWait.await(s, dc, SelectionKey.OP_READ, 0);
            reader = null;
        } else {
            int timeout = soTimeout;
            deadline = timeout > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
        }
        for (;;) {
            if (receiveNow(p)) {
                return;
            }
            long left = 0;
            if (deadline != 0) {
                left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("Receive timed out");
                }
            }
            boolean ready = IoWait.await(s, dc, SelectionKey.OP_READ, left);
            if (Suspend.isSuspending(s)) {
                reader = Suspend.currentWait(s);
                s.pushJ(deadline);
                return;
            }
            if (!ready && deadline != 0 && deadline - System.nanoTime() <= 0) {
                throw new SocketTimeoutException("Receive timed out");
            }
        }
    }

    // ---- send ----

    /** One non-blocking send of {@code p}, as the JDK's send takes it; false if the socket's buffer is full. */
    private boolean sendNow(DatagramPacket p) throws IOException {
        synchronized (p) {
            if (!dc.isOpen()) {
                throw new SocketException("Socket closed");
            }
            int len = p.getLength();
            ByteBuffer src = ByteBuffer.wrap(p.getData(), p.getOffset(), len);
            SocketAddress target;
            if (p.getAddress() == null) {
                SocketAddress remote = dc.getRemoteAddress();
                if (remote == null) {
                    throw new IllegalArgumentException("Address not set");
                }
                InetSocketAddress r = (InetSocketAddress) remote;
                p.setAddress(r.getAddress()); // as the JDK: the packet learns the connected address
                p.setPort(r.getPort());
                target = r;
            } else {
                target = p.getSocketAddress();
            }
            try {
                int n = dc.send(src, target);
                return n > 0 || len == 0;
            } catch (AlreadyConnectedException e) {
                throw new IllegalArgumentException("Connected and packet address differ");
            } catch (ClosedChannelException e) {
                throw closed(e);
            }
        }
    }

    /** The plain send: waits (a plain thread, or pinned code) while the socket's send buffer is full. */
    @Override
    public void send(DatagramPacket p) throws IOException {
        while (!sendNow(p)) {
            IoWait.block(dc, SelectionKey.OP_WRITE, 0);
        }
    }

    /** The cooperative send: suspends while the socket's send buffer is full. */
    public void send(DatagramPacket p, Stack s) throws IOException {
        if (Suspend.isResuming(s)) {
            IoWait.await(s, dc, SelectionKey.OP_WRITE, 0);
            writer = null;
        }
        while (!sendNow(p)) {
            IoWait.await(s, dc, SelectionKey.OP_WRITE, 0);
            if (Suspend.isSuspending(s)) {
                writer = Suspend.currentWait(s);
                return;
            }
        }
    }

    // ---- close ----

    @Override
    public void close() {
        adaptor.close();
        IoWait.channelClosed(reader);
        IoWait.channelClosed(writer);
    }


    @Override
    public boolean isClosed() {
        return adaptor.isClosed();
    }

    // ---- everything else: the JDK's adaptor ----

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        adaptor.setSoTimeout(timeout); // the JDK's checks and messages
        soTimeout = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return adaptor.getSoTimeout();
    }

    @Override
    public void bind(SocketAddress addr) throws SocketException {
        adaptor.bind(addr);
    }

    @Override
    public void connect(InetAddress address, int port) {
        adaptor.connect(address, port);
    }

    @Override
    public void connect(SocketAddress addr) throws SocketException {
        adaptor.connect(addr);
    }

    @Override
    public void disconnect() {
        adaptor.disconnect();
    }

    @Override
    public boolean isBound() {
        return adaptor.isBound();
    }

    @Override
    public boolean isConnected() {
        return adaptor.isConnected();
    }

    @Override
    public InetAddress getInetAddress() {
        return adaptor.getInetAddress();
    }

    @Override
    public int getPort() {
        return adaptor.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return adaptor.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return adaptor.getLocalSocketAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return adaptor.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return adaptor.getLocalPort();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        adaptor.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return adaptor.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        adaptor.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return adaptor.getReceiveBufferSize();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        adaptor.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return adaptor.getReuseAddress();
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        adaptor.setBroadcast(on);
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return adaptor.getBroadcast();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        adaptor.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return adaptor.getTrafficClass();
    }

    @Override
    public DatagramChannel getChannel() {
        return null; // like a plain DatagramSocket: its channel is coro's business
    }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        adaptor.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return adaptor.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return adaptor.supportedOptions();
    }

    @Override
    public void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        adaptor.joinGroup(mcastaddr, netIf);
    }

    @Override
    public void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        adaptor.leaveGroup(mcastaddr, netIf);
    }

    @Override
    public String toString() {
        return "CoDatagramSocket[" + adaptor.getLocalSocketAddress() + "]";
    }
}
