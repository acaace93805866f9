package dev.coro.internal.manager;

import dev.coro.AuthenticationException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import dev.coro.internal.ipc.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mutual challenge-response authentication with HMAC-SHA256 over random nonces, in both directions, as Python's
 * {@code multiprocessing.connection} does; the shared key never crosses the wire.
 *
 * <pre>
 * server -> client   CHALLENGE  magic "coro" | version | 1 | nonceS (32 random bytes)
 * client -> server   RESPONSE   magic "coro" | version | 2 | HMAC(key, "coro-auth/1 client" nonceS nonceC) | nonceC
 * server -> client   WELCOME    magic "coro" | version | 3 | HMAC(key, "coro-auth/1 server" nonceS nonceC)
 *                 or FAILURE    magic "coro" | version | 4              (and the server closes the connection)
 * </pre>
 *
 * Both proofs cover both nonces and a label naming the side, so neither can be replayed on another connection or
 * reflected back to the side that issued the challenge; the server answers the client's challenge only after the
 * client proved itself, so an unauthenticated peer cannot use the server as an oracle. Every message has a fixed
 * length: nothing in the handshake makes a side allocate or wait for more than {@link #RESPONSE_SIZE} bytes. Proofs
 * are compared in constant time ({@link MessageDigest#isEqual}).
 *
 * <p>Both sides are state machines ({@link Server}, {@link Client}) that do no I/O: {@link HmacHandshake} runs them
 * inside the queue broker's handshake (one AUTH frame per message), and the deadline and the slow-down of repeated
 * failures ({@link AuthThrottle}) belong to whoever drives them.
 */
public final class HmacAuth {
    public static final int VERSION = 1;
    public static final int NONCE_SIZE = 32;
    public static final int MAC_SIZE = 32;
    public static final int HEADER_SIZE = 6;
    public static final int CHALLENGE_SIZE = HEADER_SIZE + NONCE_SIZE;
    public static final int RESPONSE_SIZE = HEADER_SIZE + MAC_SIZE + NONCE_SIZE;
    public static final int WELCOME_SIZE = HEADER_SIZE + MAC_SIZE;
    public static final int FAILURE_SIZE = HEADER_SIZE;

    static final byte CHALLENGE = 1;
    static final byte RESPONSE = 2;
    static final byte WELCOME = 3;
    static final byte FAILURE = 4;

    private static final byte[] MAGIC = {'c', 'o', 'r', 'o'};
    private static final byte[] CLIENT_LABEL = "coro-auth/1 client".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "coro-auth/1 server".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private HmacAuth() {
    }

    /** Checks a user's key: present and not empty. Returns a private copy. */
    public static byte[] checkKey(byte[] key) {
        Objects.requireNonNull(key, "authKey");
        if (key.length == 0) {
            throw new IllegalArgumentException("the authentication key is empty: give both sides the same secret bytes");
        }
        return key.clone();
    }

    static byte[] mac(byte[] key, byte[] label, byte[] nonceS, byte[] nonceC) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(label);
            mac.update(nonceS);
            mac.update(nonceC);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    static byte[] nonce() {
        byte[] n = new byte[NONCE_SIZE];
        RANDOM.nextBytes(n);
        return n;
    }

    private static void header(ByteBuffer b, byte type) {
        b.put(MAGIC).put((byte) VERSION).put(type);
    }

    /** Null if {@code h} (6 bytes at its position) is a header of {@code type}, else what is wrong with it. */
    static String checkHeader(byte[] h, int off, byte type) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[off + i] != MAGIC[i]) {
                return "not a coro handshake: it starts with bytes " + hex(h, off, Math.min(HEADER_SIZE, h.length - off));
            }
        }
        if (h[off + 4] != VERSION) {
            return "unsupported handshake version " + (h[off + 4] & 0xff) + " (this side speaks " + VERSION + ")";
        }
        if (h[off + 5] != type) {
            return "unexpected handshake message type " + (h[off + 5] & 0xff) + " where " + type + " was due";
        }
        return null;
    }

    static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(String.format("%02x", b[off + i] & 0xff));
        }
        return sb.toString();
    }

    /** The server's side of one handshake, fed by a non-blocking reader. Not thread-safe; one per connection. */
    public static final class Server {
        private final byte[] key;
        private final byte[] nonceS = nonce();
        private final byte[] response = new byte[RESPONSE_SIZE];
        private int have;
        private Result result;

        /** {@code key} is not copied: the caller keeps one private copy for all connections. */
        public Server(byte[] key) {
            this.key = key;
        }

        /** The first message, to be written before anything is read. */
        public ByteBuffer challenge() {
            ByteBuffer b = ByteBuffer.allocate(CHALLENGE_SIZE);
            header(b, CHALLENGE);
            b.put(nonceS);
            return b.flip();
        }

        /** How many more bytes the handshake needs. Never more than {@link #RESPONSE_SIZE}. */
        public int needed() {
            return result != null ? 0 : RESPONSE_SIZE - have;
        }

        /**
         * Takes bytes of the client's answer from {@code in} (at most as many as the handshake needs; bytes after it
         * stay in {@code in}). Returns null while more are needed, then the outcome. A malformed header is rejected
         * as soon as its first six bytes are in.
         */
        public Result offer(ByteBuffer in) {
            if (result != null) {
                return result;
            }
            int n = Math.min(in.remaining(), RESPONSE_SIZE - have);
            in.get(response, have, n);
            int before = have;
            have += n;
            if (before < HEADER_SIZE && have >= HEADER_SIZE) {
                String bad = checkHeader(response, 0, RESPONSE);
                if (bad != null) {
                    return result = Result.protocolError(bad);
                }
            } else if (have < HEADER_SIZE && have > 0) {
                // reject obvious garbage early: the magic's prefix must match
                for (int i = 0; i < Math.min(have, MAGIC.length); i++) {
                    if (response[i] != MAGIC[i]) {
                        return result = Result.protocolError("not a coro handshake: it starts with bytes "
                                + hex(response, 0, have));
                    }
                }
            }
            if (have < RESPONSE_SIZE) {
                return null;
            }
            byte[] proof = Arrays.copyOfRange(response, HEADER_SIZE, HEADER_SIZE + MAC_SIZE);
            byte[] nonceC = Arrays.copyOfRange(response, HEADER_SIZE + MAC_SIZE, RESPONSE_SIZE);
            if (!MessageDigest.isEqual(proof, mac(key, CLIENT_LABEL, nonceS, nonceC))) {
                ByteBuffer b = ByteBuffer.allocate(FAILURE_SIZE);
                header(b, FAILURE);
                return result = Result.rejected(b.flip());
            }
            ByteBuffer b = ByteBuffer.allocate(WELCOME_SIZE);
            header(b, WELCOME);
            b.put(mac(key, SERVER_LABEL, nonceS, nonceC));
            return result = Result.accepted(b.flip());
        }
    }

    /** How a server-side handshake ended: {@code reply} is to be written (null for a protocol error). */
    public record Result(Kind kind, ByteBuffer reply, String reason) {
        public enum Kind { ACCEPTED, WRONG_KEY, PROTOCOL_ERROR }

        static Result accepted(ByteBuffer welcome) {
            return new Result(Kind.ACCEPTED, welcome, null);
        }

        static Result rejected(ByteBuffer failure) {
            return new Result(Kind.WRONG_KEY, failure, "the client did not prove it knows the key (wrong key)");
        }

        static Result protocolError(String why) {
            return new Result(Kind.PROTOCOL_ERROR, null, why);
        }

        public boolean accepted() {
            return kind == Kind.ACCEPTED;
        }
    }

    /** The client's side of one handshake: answers the challenge, then checks the server's verdict. */
    public static final class Client {
        private final byte[] key;
        private final String peer;
        private byte[] nonceS;
        private byte[] nonceC;
        private boolean complete;

        public Client(byte[] key, String peer) {
            this.key = key;
            this.peer = peer;
        }

        /** True once the challenge was answered and the verdict not yet seen. */
        public boolean awaitingVerdict() {
            return nonceS != null && !complete;
        }

        public boolean isComplete() {
            return complete;
        }

        /** The RESPONSE to the server's CHALLENGE. */
        public byte[] answer(byte[] challenge) {
            if (nonceS != null) {
                throw new ProtocolException("a second challenge from " + peer);
            }
            if (challenge.length != CHALLENGE_SIZE) {
                throw new ProtocolException(peer + " is not a coro manager (a challenge of " + challenge.length
                        + " bytes where " + CHALLENGE_SIZE + " were due)");
            }
            String bad = checkHeader(challenge, 0, CHALLENGE);
            if (bad != null) {
                throw new ProtocolException(peer + " is not a coro manager (" + bad + ")");
            }
            nonceS = Arrays.copyOfRange(challenge, HEADER_SIZE, CHALLENGE_SIZE);
            nonceC = nonce();
            ByteBuffer r = ByteBuffer.allocate(RESPONSE_SIZE);
            header(r, RESPONSE);
            r.put(mac(key, CLIENT_LABEL, nonceS, nonceC)).put(nonceC);
            return r.array();
        }

        /**
         * Checks the server's WELCOME (its proof that it holds the key too) or FAILURE.
         *
         * @throws AuthenticationException the server rejected the key, or did not prove it holds the same one
         */
        public void verdict(byte[] message) {
            if (!awaitingVerdict()) {
                throw new ProtocolException("a handshake message from " + peer + " before its challenge");
            }
            if (message.length == FAILURE_SIZE && checkHeader(message, 0, FAILURE) == null) {
                throw new AuthenticationException("authentication with " + peer
                        + " failed: the server rejected this key (both sides must use the same authentication key)");
            }
            String bad = message.length == WELCOME_SIZE ? checkHeader(message, 0, WELCOME)
                    : "a message of " + message.length + " bytes where " + WELCOME_SIZE + " were due";
            if (bad != null) {
                throw new ProtocolException("bad handshake answer from " + peer + ": " + bad);
            }
            byte[] proof = Arrays.copyOfRange(message, HEADER_SIZE, WELCOME_SIZE);
            if (!MessageDigest.isEqual(proof, mac(key, SERVER_LABEL, nonceS, nonceC))) {
                throw new AuthenticationException("authentication with " + peer
                        + " failed: the server did not prove it holds the same key (it accepted ours without knowing it)");
            }
            complete = true;
        }
    }
}
