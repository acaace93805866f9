package dev.coro.internal.manager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A test harness: the {@link HmacAuth} server state machine driven over a blocking socket with a deadline, with
 * {@link AuthThrottle} delays, logging every refusal (address and reason, never key material); and the client
 * state machine over blocking streams. The product drives the same state machines inside the queue broker
 * ({@link HmacHandshake}).
 */
final class AuthGate {
    private static final System.Logger LOG = System.getLogger("dev.coro.manager");

    private final byte[] key;
    private final AuthThrottle throttle;
    private final long deadlineNanos;

    public AuthGate(byte[] key, AuthThrottle throttle, Duration deadline) {
        this.key = HmacAuth.checkKey(key);
        this.throttle = throttle;
        this.deadlineNanos = deadline.toNanos();
    }

    public AuthThrottle throttle() {
        return throttle;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** A fresh server-side handshake for one connection. */
    public HmacAuth.Server handshake() {
        return new HmacAuth.Server(key);
    }

    /** Records the outcome of a handshake from {@code peer}; returns how long to wait before answering a failure. */
    public long record(InetSocketAddress peer, HmacAuth.Result result) {
        InetAddress a = peer.getAddress();
        if (result.accepted()) {
            throttle.succeeded(a);
            return 0;
        }
        long delay = throttle.failed(a);
        LOG.log(System.Logger.Level.WARNING, "refused connection from {0}: {1} ({2} failures in a row; next attempt"
                + " held back {3} ms)", peer, result.reason(), throttle.failures(a), TimeUnit.NANOSECONDS.toMillis(delay));
        return delay;
    }

    /** Records a handshake that ran out of time or broke off. */
    public long recordIncomplete(InetSocketAddress peer, String why) {
        return record(peer, HmacAuth.Result.protocolError(why));
    }

    /**
     * Runs the whole handshake on a blocking socket: waits out the address's penalty, sends the challenge, reads the
     * answer within the deadline, replies. Returns true if the client proved itself; otherwise the socket is closed
     * (after the penalty delay for a wrong key) and false returned. The socket's read timeout is restored to 0.
     */
    public boolean admit(Socket socket) {
        InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        try {
            long hold = throttle.delayNanos(peer.getAddress());
            if (hold > 0) {
                TimeUnit.NANOSECONDS.sleep(hold);
            }
            long deadline = System.nanoTime() + deadlineNanos;
            HmacAuth.Server hs = handshake();
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(hs.challenge().array());
            out.flush();
            byte[] buf = new byte[HmacAuth.RESPONSE_SIZE];
            HmacAuth.Result result = null;
            while (result == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                int n = in.read(buf, 0, hs.needed());
                if (n < 0) {
                    record(peer, HmacAuth.Result.protocolError("truncated handshake: the client closed the connection"
                            + " after " + (HmacAuth.RESPONSE_SIZE - hs.needed()) + " of " + HmacAuth.RESPONSE_SIZE
                            + " bytes"));
                    close(socket);
                    return false;
                }
                result = hs.offer(ByteBuffer.wrap(buf, 0, n));
            }
            socket.setSoTimeout(0);
            long delay = record(peer, result);
            if (!result.accepted() && delay > 0) {
                TimeUnit.NANOSECONDS.sleep(delay);
            }
            if (result.reply() != null) {
                out.write(result.reply().array());
                out.flush();
            }
            if (!result.accepted()) {
                close(socket);
            }
            return result.accepted();
        } catch (SocketTimeoutException e) {
            recordIncomplete(peer, "handshake not completed within " + Duration.ofNanos(deadlineNanos).toMillis() + " ms");
            close(socket);
            return false;
        } catch (IOException e) {
            recordIncomplete(peer, "connection failed during the handshake: " + e);
            close(socket);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(socket);
            return false;
        }
    }

    /** The client's side over blocking streams. */
    static void client(InputStream in, OutputStream out, byte[] key, String peer) throws IOException {
        HmacAuth.Client c = new HmacAuth.Client(key, peer);
        out.write(c.answer(readFully(in, HmacAuth.CHALLENGE_SIZE, peer, "the challenge")));
        out.flush();
        byte[] head;
        try {
            head = readFully(in, HmacAuth.HEADER_SIZE, peer, "the answer");
        } catch (java.io.EOFException e) {
            throw new dev.coro.AuthenticationException("authentication with " + peer
                    + " failed: the server closed the connection without an answer", e);
        }
        if (head[5] == HmacAuth.FAILURE) {
            c.verdict(head);
        }
        byte[] rest = readFully(in, HmacAuth.MAC_SIZE, peer, "the server's proof");
        byte[] all = new byte[HmacAuth.WELCOME_SIZE];
        System.arraycopy(head, 0, all, 0, HmacAuth.HEADER_SIZE);
        System.arraycopy(rest, 0, all, HmacAuth.HEADER_SIZE, HmacAuth.MAC_SIZE);
        c.verdict(all);
    }

    static byte[] readFully(InputStream in, int n, String peer, String what) throws IOException {
        byte[] b = new byte[n];
        int have = 0;
        while (have < n) {
            int r = in.read(b, have, n - have);
            if (r < 0) {
                throw new java.io.EOFException("connection to " + peer + " closed during authentication, after " + have
                        + " of " + n + " bytes of " + what);
            }
            have += r;
        }
        return b;
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a socket we refuse
        }
    }
}
