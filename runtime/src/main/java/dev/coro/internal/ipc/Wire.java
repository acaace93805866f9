package dev.coro.internal.ipc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The queue protocol on the wire. On connect, each side sends a hello ({@link #MAGIC}, {@link #VERSION}, a reserved
 * short); then frames, each {@code int length, byte type, payload}, where {@code length} counts the type byte and the
 * payload and must lie in {@code [1, maxFrame]}. Payload fields are big-endian; strings are a short length and UTF-8.
 * Message bodies are {@code Codec} bytes, passed through untouched: nothing on the wire is ever Java-deserialized.
 *
 * <p>Client to broker: {@link #ATTACH}, {@link #PUT}, {@link #PUT_WAIT}, {@link #SUB}, {@link #CREDIT_TO}, {@link #ACK},
 * {@link #UNSUB}, {@link #SYNC}, {@link #CLAIM}, {@link #RELEASE}; broker to client: {@link #REPLY},
 * {@link #FAIL}, {@link #DELIVER}, {@link #ERROR}, {@link #READY}, {@link #SEALED}, {@link #PEER_CLOSED}; both ways: {@link #AUTH} during the
 * handshake.
 */
public final class Wire {
    /** "CORQ". */
    public static final int MAGIC = 0x434F5251;
    /**
     * 3: absolute credit (CREDIT_TO, replacing version 2's relative CREDIT, type 5); 2: pipe ends (CLAIM, RELEASE,
     * SEALED, PEER_CLOSED).
     */
    public static final short VERSION = 3;
    public static final int HELLO_BYTES = 8;
    /** Bytes before a frame's payload: the length and the type. */
    public static final int HEADER = 5;
    public static final int DEFAULT_MAX_FRAME = 16 << 20;

    /** {@code long req, string name}: look a queue up; REPLY carries its id, FAIL if there is none. */
    public static final byte ATTACH = 1;
    /** {@code int queue, bytes message}: add at the tail; no reply (unbounded queues). */
    public static final byte PUT = 2;
    /**
     * {@code long req, int queue, long timeoutMillis, bytes message}: add, waiting while full (at most the timeout;
     * negative: forever); REPLY with value 1 once it is in, 0 if the timeout passed first (then it is not in).
     */
    public static final byte PUT_WAIT = 3;
    /** {@code int sub, int queue, int credit}: start a subscription (a consumer) with that much prefetch credit. */
    public static final byte SUB = 4;
    /**
     * {@code int sub, long received, int window}: the consumer has received the deliveries up to tag {@code received}
     * and wants {@code window} more on their way or granted: the broker sets the credit to {@code window} less what
     * it delivered after {@code received} (at least 0). Absolute, so a change of mind that crosses deliveries in
     * flight leaves both sides agreeing, which a relative take-back could not.
     */
    public static final byte CREDIT_TO = 9;
    /** {@code int sub, long firstTag, int count}: acknowledges deliveries {@code firstTag .. firstTag+count-1}. */
    public static final byte ACK = 6;
    /** {@code int sub}: ends a subscription; its unacknowledged deliveries go back to the queue. */
    public static final byte UNSUB = 7;
    /** {@code long req}: REPLY once every frame before it was handled. */
    public static final byte SYNC = 8;
    /**
     * {@code long req, int queue}: this connection holds the pipe end writing to that queue (until RELEASE or until
     * the connection ends); REPLY with value2 1 if the other end is closed already, FAIL if this end is.
     */
    public static final byte CLAIM = 11;
    /** {@code int queue}: lets go of one hold on the pipe end writing to that queue; the last one closes it. */
    public static final byte RELEASE = 12;
    /** {@code bytes}: one handshake message, either way. */
    public static final byte AUTH = 10;

    /** {@code long req, int value, int value2} (ATTACH: the queue's id and capacity). */
    public static final byte REPLY = 20;
    /** {@code long req, string message}. */
    public static final byte FAIL = 21;
    /** {@code int sub, long tag, long id, int deliveries, bytes message}. */
    public static final byte DELIVER = 22;
    /** {@code string message}: a protocol error or shutdown; the broker closes the connection after it. */
    public static final byte ERROR = 23;
    /** No payload: the handshake is over, queue frames are welcome. */
    public static final byte READY = 25;
    /**
     * {@code int sub, string message}: the subscription's queue is a pipe queue whose writing end closed, and every
     * message was delivered to it: once it has handed them out, its gets fail with the message.
     */
    public static final byte SEALED = 26;
    /** {@code int queue, string message}: the pipe end reading that queue closed; puts to it fail with the message. */
    public static final byte PEER_CLOSED = 27;

    private Wire() {
    }

    public static String typeName(int type) {
        switch (type) {
            case ATTACH: return "ATTACH";
            case PUT: return "PUT";
            case PUT_WAIT: return "PUT_WAIT";
            case SUB: return "SUB";
            case CREDIT_TO: return "CREDIT_TO";
            case ACK: return "ACK";
            case UNSUB: return "UNSUB";
            case SYNC: return "SYNC";
            case AUTH: return "AUTH";
            case CLAIM: return "CLAIM";
            case RELEASE: return "RELEASE";
            case SEALED: return "SEALED";
            case PEER_CLOSED: return "PEER_CLOSED";
            case REPLY: return "REPLY";
            case FAIL: return "FAIL";
            case DELIVER: return "DELIVER";
            case ERROR: return "ERROR";
            case READY: return "READY";
            default: return String.format("0x%02x", type & 0xff);
        }
    }

    public static void putHello(ByteBuffer b) {
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0);
    }

    /** Checks a peer's hello (8 bytes at the buffer's position); throws naming what is wrong. */
    public static void checkHello(ByteBuffer b) {
        int magic = b.getInt();
        short version = b.getShort();
        b.getShort();
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("bad hello: magic 0x%08x, expected 0x%08x (%s)", magic, MAGIC,
                    (magic >>> 16) == 0x1603 ? "a TLS handshake: this side does not serve TLS"
                            : "not a coro queue peer"));
        }
        if (version != VERSION) {
            throw new ProtocolException("unsupported protocol version " + version + " (this side speaks " + VERSION
                    + ")");
        }
    }

    /** Checks a frame's length field. */
    public static void checkLength(int length, int maxFrame) {
        if (length < 1) {
            throw new ProtocolException("malformed frame: length " + length + " (at least 1: the type byte)");
        }
        if (length > maxFrame) {
            throw new ProtocolException("oversized frame: " + length + " bytes, the limit is " + maxFrame);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a short-length UTF-8 string from {@code b}, within {@code end}. */
    public static String getString(ByteBuffer b, int end, int type) {
        need(b, 2, end, type);
        int n = b.getShort() & 0xffff;
        need(b, n, end, type);
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    /** Throws a truncated-frame error if fewer than {@code n} bytes are left before {@code end}. */
    public static void need(ByteBuffer b, int n, int end, int type) {
        if (end - b.position() < n) {
            throw new ProtocolException("truncated " + typeName(type) + " frame: needs " + n + " more bytes, has "
                    + (end - b.position()));
        }
    }

    /** Throws if a frame has bytes left over after its fields. */
    public static void done(ByteBuffer b, int end, int type) {
        if (b.position() != end) {
            throw new ProtocolException("malformed " + typeName(type) + " frame: " + (end - b.position())
                    + " bytes left over");
        }
    }
}
