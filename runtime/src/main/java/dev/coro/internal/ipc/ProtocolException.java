package dev.coro.internal.ipc;

/** A peer broke the queue protocol (bad hello, malformed, truncated, oversized or unknown frame, failed handshake). */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
