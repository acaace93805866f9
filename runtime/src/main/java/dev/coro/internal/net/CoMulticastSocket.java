package dev.coro.internal.net;

import dev.coro.internal.Stack;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.DatagramChannel;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What patched code gets for {@code new MulticastSocket(...)}: a {@link MulticastSocket} whose datagrams go through a
 * {@link CoDatagramSocket} (a non-blocking {@link DatagramChannel}), so that {@code receive} and {@code send} made at
 * patched call sites suspend the calling coroutine, and block as the JDK's do elsewhere (with {@code SO_TIMEOUT},
 * "Receive timed out"). Group membership ({@code joinGroup}/{@code leaveGroup}, by the channel's membership keys),
 * the multicast interface, TTL and loopback mode go to the JDK's own adaptor over that channel, which is the JDK's
 * MulticastSocket implementation since JDK 15: same checks, same exceptions, same messages. The only behaviour of
 * its own is {@code send(p, ttl)}, done as the JDK's (TTL set for one send, then restored) on the cooperative
 * socket.
 * <p>
 * The JDK's MulticastSocket has no constructor a subclass can give its own implementation, so the superclass is
 * made unbound and closed at once: every public method is overridden here.
 */
public final class CoMulticastSocket extends MulticastSocket {
    private final CoDatagramSocket co;
    /** The JDK's MulticastSocket adaptor over {@link #co}'s channel. */
    private final MulticastSocket mc;
    private final ReentrantLock ttlSendLock = new ReentrantLock();

    /** {@code new MulticastSocket(bindaddr)} (null: unbound); the other constructors come down to this one. */
    public CoMulticastSocket(SocketAddress bindaddr) throws IOException {
        super((SocketAddress) null);
        super.close(); // the JDK's unbound socket, never used
        this.co = new CoDatagramSocket(bindaddr, true);
        this.mc = co.multicastAdaptor();
    }

    /** The cooperative socket underneath, for the patched receive and send. */
    public CoDatagramSocket datagrams() {
        return co;
    }

    // ---- datagrams: CoDatagramSocket ----

    @Override
    public void receive(DatagramPacket p) throws IOException {
        co.receive(p);
    }

    /** The cooperative receive (see {@link CoDatagramSocket#receive(DatagramPacket, Stack)}). */
    public void receive(DatagramPacket p, Stack s) throws IOException {
        co.receive(p, s);
    }

    @Override
    public void send(DatagramPacket p) throws IOException {
        co.send(p);
    }

    /** The cooperative send. */
    public void send(DatagramPacket p, Stack s) throws IOException {
        co.send(p, s);
    }

    /** The deprecated send with a TTL for this datagram only, as the JDK's: blocking while the buffer is full. */
    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void send(DatagramPacket p, byte ttl) throws IOException {
        ttlSendLock.lock();
        try {
            int old = mc.getTimeToLive();
            try {
                mc.setTTL(ttl);
                co.send(p);
            } finally {
                mc.setTimeToLive(old);
            }
        } finally {
            ttlSendLock.unlock();
        }
    }

    @Override
    public void close() {
        co.close();
    }

    @Override
    public boolean isClosed() {
        return co.isClosed();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        co.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return co.getSoTimeout();
    }

    @Override
    public void bind(SocketAddress addr) throws SocketException {
        co.bind(addr);
    }

    @Override
    public void connect(InetAddress address, int port) {
        co.connect(address, port);
    }

    @Override
    public void connect(SocketAddress addr) throws SocketException {
        co.connect(addr);
    }

    @Override
    public void disconnect() {
        co.disconnect();
    }

    @Override
    public boolean isBound() {
        return co.isBound();
    }

    @Override
    public boolean isConnected() {
        return co.isConnected();
    }

    @Override
    public InetAddress getInetAddress() {
        return co.getInetAddress();
    }

    @Override
    public int getPort() {
        return co.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return co.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return co.getLocalSocketAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return co.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return co.getLocalPort();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        co.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return co.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        co.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return co.getReceiveBufferSize();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        co.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return co.getReuseAddress();
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        co.setBroadcast(on);
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return co.getBroadcast();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        co.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return co.getTrafficClass();
    }

    @Override
    public DatagramChannel getChannel() {
        return null; // like the JDK's MulticastSocket
    }

    @Override
    public <T> MulticastSocket setOption(SocketOption<T> name, T value) throws IOException {
        co.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return co.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return mc.supportedOptions();
    }

    // ---- multicast: the JDK's adaptor, on the same channel ----

    @Override
    public void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        mc.joinGroup(mcastaddr, netIf);
    }

    @Override
    public void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        mc.leaveGroup(mcastaddr, netIf);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void joinGroup(InetAddress mcastaddr) throws IOException {
        mc.joinGroup(mcastaddr);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void leaveGroup(InetAddress mcastaddr) throws IOException {
        mc.leaveGroup(mcastaddr);
    }

    @Override
    public void setTimeToLive(int ttl) throws IOException {
        mc.setTimeToLive(ttl);
    }

    @Override
    public int getTimeToLive() throws IOException {
        return mc.getTimeToLive();
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void setTTL(byte ttl) throws IOException {
        mc.setTTL(ttl);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public byte getTTL() throws IOException {
        return mc.getTTL();
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void setInterface(InetAddress inf) throws SocketException {
        mc.setInterface(inf);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public InetAddress getInterface() throws SocketException {
        return mc.getInterface();
    }

    @Override
    public void setNetworkInterface(NetworkInterface netIf) throws SocketException {
        mc.setNetworkInterface(netIf);
    }

    @Override
    public NetworkInterface getNetworkInterface() throws SocketException {
        return mc.getNetworkInterface();
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void setLoopbackMode(boolean disable) throws SocketException {
        mc.setLoopbackMode(disable);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public boolean getLoopbackMode() throws SocketException {
        return mc.getLoopbackMode();
    }

    @Override
    public String toString() {
        return "CoMulticastSocket[" + co.getLocalSocketAddress() + "]";
    }
}
