package dev.coro.internal.ipc;

/**
 * A per-connection handshake that runs right after the hellos and before any queue frame is accepted (the task
 * manager plugs in HMAC-SHA256 mutual challenge-response). Each side gets its own {@link Exchange}; messages travel
 * as {@link Wire#AUTH} frames. The broker sends READY once its side is complete; a client's connect returns once
 * both its side is complete and READY came.
 *
 * <p>An exchange that throws fails the connection: on the broker, the peer gets an ERROR frame with the exception's
 * message and the connection is closed; on a client, connect throws it as it is.
 */
public interface Handshake {
    /** The state of one connection's handshake, on one side; {@code peer} names the other side for messages. */
    Exchange start(boolean brokerSide, String peer);

    /** One side of one handshake. Called from one thread at a time. */
    interface Exchange {
        /** The message to send first, or null if this side waits for the peer's. */
        byte[] initial() throws Exception;

        /** Consumes the peer's next message; returns the reply, or null for none. */
        byte[] receive(byte[] message) throws Exception;

        /** True once this side is satisfied. */
        boolean isComplete();
    }
}
