package dev.coro.internal.manager;

import dev.coro.AuthenticationException;
import dev.coro.internal.ipc.Handshake;
import dev.coro.internal.ipc.ProtocolException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * {@link HmacAuth} as the queue broker's per-connection {@link Handshake}: each handshake message travels in one
 * AUTH frame. On the broker, a wrong key or a malformed message throws, so the broker logs the refusal, sends an
 * ERROR frame and closes the connection; an address with recent failures is refused until its penalty
 * ({@link AuthThrottle}) has passed. The broker's handshake timeout bounds a peer that does not answer.
 */
public final class HmacHandshake implements Handshake {
    private final byte[] key;
    private final AuthThrottle throttle;

    /** For a server ({@code throttle} non-null) or a client ({@code throttle} null). {@code key} is copied. */
    public HmacHandshake(byte[] key, AuthThrottle throttle) {
        this.key = HmacAuth.checkKey(key);
        this.throttle = throttle;
    }

    @Override
    public Exchange start(boolean brokerSide, String peer) {
        return brokerSide ? new ServerSide(peer) : new ClientSide(peer);
    }

    /** The client's side; after a failed connect, {@link #awaitingVerdict()} says whether the key was the issue. */
    public final class ClientSide implements Exchange {
        private final HmacAuth.Client client;

        ClientSide(String peer) {
            client = new HmacAuth.Client(key, peer);
        }

        @Override
        public byte[] initial() {
            return null; // the server speaks first
        }

        @Override
        public byte[] receive(byte[] message) throws Exception {
            if (!client.awaitingVerdict()) {
                return client.answer(message);
            }
            client.verdict(message);
            return null;
        }

        @Override
        public boolean isComplete() {
            return client.isComplete();
        }

        public boolean awaitingVerdict() {
            return client.awaitingVerdict();
        }
    }

    private final class ServerSide implements Exchange {
        private final String peer;
        private final InetAddress address;
        private HmacAuth.Server server;
        private boolean complete;

        ServerSide(String peer) {
            this.peer = peer;
            this.address = addressOf(peer);
        }

        @Override
        public byte[] initial() {
            long wait = address == null || throttle == null ? 0 : throttle.penaltyNanos(address);
            if (wait > 0) {
                throw new AuthenticationException("too many failed authentications from " + address.getHostAddress()
                        + ": refused for another " + Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)) + " ms");
            }
            server = new HmacAuth.Server(key);
            return server.challenge().array();
        }

        @Override
        public byte[] receive(byte[] message) {
            if (message.length != HmacAuth.RESPONSE_SIZE) {
                failed();
                throw new ProtocolException("handshake answer of " + message.length + " bytes where "
                        + HmacAuth.RESPONSE_SIZE + " were due");
            }
            HmacAuth.Result r = server.offer(ByteBuffer.wrap(message));
            if (r.accepted()) {
                if (throttle != null && address != null) {
                    throttle.succeeded(address);
                }
                complete = true;
                return r.reply().array();
            }
            failed();
            if (r.kind() == HmacAuth.Result.Kind.WRONG_KEY) {
                throw new AuthenticationException("authentication failed: " + r.reason());
            }
            throw new ProtocolException(r.reason());
        }

        private void failed() {
            if (throttle != null && address != null) {
                throttle.failed(address);
            }
        }

        @Override
        public boolean isComplete() {
            return complete;
        }

        @Override
        public String toString() {
            return "HMAC handshake with " + peer;
        }
    }

    /** The IP address in a peer's description ({@code InetSocketAddress.toString()}: "host/1.2.3.4:5"); null if none. */
    static InetAddress addressOf(String peer) {
        int slash = peer.indexOf('/');
        int colon = peer.lastIndexOf(':');
        if (slash < 0 || colon <= slash) {
            return null;
        }
        String literal = peer.substring(slash + 1, colon);
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        if (literal.isEmpty() || !(Character.digit(literal.charAt(0), 16) >= 0 || literal.charAt(0) == ':')) {
            return null;
        }
        try {
            return InetAddress.getByName(literal); // a literal: no name lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
