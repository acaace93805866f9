package dev.coro;

/**
 * A message that a {@link Codec} cannot read or write: malformed or truncated bytes, a value of a type the codec does
 * not carry, a class the allow-list refuses. The message says what and where (the byte offset); the connection or
 * queue that met it rejects that one message and goes on serving the others.
 *
 * <pre>{@code
 * Codec<Long> longs = Codec.longs();
 * try {
 *     longs.decode(new byte[] {1, 2, 3});       // a truncated message
 * } catch (CodecException e) {
 *     System.err.println(e.getMessage());       // what was malformed, and at which offset
 * }
 * }</pre>
 */
public class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
