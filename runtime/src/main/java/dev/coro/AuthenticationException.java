package dev.coro;

/**
 * The peer of a network connection did not prove it knows the shared authentication key, or this side did not: a
 * {@link Manager} client connecting with the wrong key (or to a server holding another one) gets this exception, with
 * the address in its message. The key itself never crosses the wire, so nothing in the message reveals it.
 *
 * <pre>{@code
 * try (Manager.Client c = Manager.connect(new InetSocketAddress("10.0.0.1", 5000), key)) {
 *     MessageQueue<Long> tasks = c.queue("tasks", Codec.longs());
 *     // ...
 * } catch (AuthenticationException e) {
 *     System.err.println(e.getMessage());   // names the address; check that both sides hold the same key
 * }
 * }</pre>
 */
public class AuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }

    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
