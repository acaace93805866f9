package dev.coro.internal.manager;

import dev.coro.AuthenticationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import dev.coro.internal.ipc.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake's two state machines against each other over real loopback sockets (driven by the blocking harness
 * {@link AuthGate}), and against peers that misbehave. The same machines inside the queue broker: ManagerTest.
 */
class HmacAuthTest {
    private static final byte[] KEY = "abc".getBytes(StandardCharsets.UTF_8);

    private Door door;

    /** A server: accepts, runs the gate, then echoes one byte on admitted connections. */
    private static final class Door implements AutoCloseable {
        final ServerSocket server;
        final AuthGate gate;
        final BlockingQueue<Boolean> outcomes = new LinkedBlockingQueue<>();
        final Thread acceptor;

        Door(byte[] key, Duration deadline, AuthThrottle throttle) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            gate = new AuthGate(key, throttle, deadline);
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> {
                            boolean ok = gate.admit(s);
                            outcomes.add(ok);
                            if (ok) {
                                try (s) {
                                    int b = s.getInputStream().read();
                                    s.getOutputStream().write(b);
                                } catch (IOException ignored) {
                                    // the client went away
                                }
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        Socket connect() throws IOException {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            s.setSoTimeout(10_000);
            return s;
        }

        String peer() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        boolean outcome() throws InterruptedException {
            Boolean b = outcomes.poll(10, TimeUnit.SECONDS);
            assertNotNull(b, "the server never decided");
            return b;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private Door door(byte[] key, Duration deadline) throws IOException {
        door = new Door(key, deadline, new AuthThrottle(TimeUnit.MILLISECONDS.toNanos(50),
                TimeUnit.MILLISECONDS.toNanos(400), TimeUnit.MINUTES.toNanos(1), 100, System::nanoTime));
        return door;
    }

    @AfterEach
    void closeDoor() throws IOException {
        if (door != null) {
            door.close();
        }
    }

    @Test
    void theSameKeyOnBothSidesAdmitsAndTheConnectionCarriesOn() throws Exception {
        Door d = door(KEY, Duration.ofSeconds(5));
        try (Socket s = d.connect()) {
            AuthGate.client(s.getInputStream(), s.getOutputStream(), KEY.clone(), d.peer());
            assertTrue(d.outcome());
            s.getOutputStream().write(42);
            assertEquals(42, s.getInputStream().read(), "bytes after the handshake reach the application");
        }
    }

    @Test
    void theKeyNeverCrossesTheWire() throws Exception {
        // record what a client sends: the key, or any 3-byte window of a longer key, must not appear in it
        byte[] key = "a-much-longer-secret-key-0123456789".getBytes(StandardCharsets.UTF_8);
        Door d = door(key, Duration.ofSeconds(5));
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        try (Socket s = d.connect()) {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    sent.write(b);
                    s.getOutputStream().write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    sent.write(b, off, len);
                    s.getOutputStream().write(b, off, len);
                }
            };
            AuthGate.client(s.getInputStream(), tee, key, d.peer());
        }
        assertTrue(d.outcome());
        byte[] wire = sent.toByteArray();
        assertEquals(HmacAuth.RESPONSE_SIZE, wire.length);
        for (int i = 0; i + 8 <= key.length; i++) {
            byte[] window = Arrays.copyOfRange(key, i, i + 8);
            for (int j = 0; j + 8 <= wire.length; j++) {
                assertFalse(Arrays.equals(window, Arrays.copyOfRange(wire, j, j + 8)), "key bytes on the wire");
            }
        }
    }

    @Test
    void aWrongKeyGetsAClearExceptionAndTheServerDropsTheConnection() throws Exception {
        Door d = door(KEY, Duration.ofSeconds(5));
        try (Socket s = d.connect()) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () ->
                    AuthGate.client(s.getInputStream(), s.getOutputStream(), "abd".getBytes(StandardCharsets.UTF_8),
                            d.peer()));
            assertTrue(e.getMessage().contains("rejected this key") && e.getMessage().contains(d.peer()),
                    e.getMessage());
            assertFalse(d.outcome());
            assertEquals(-1, s.getInputStream().read(), "the server closed the connection");
        }
    }

    @Test
    void aServerThatDoesNotKnowTheKeyIsCaughtByTheClient() throws Exception {
        // an impostor that accepts anything: it sends a challenge and WELCOME with a made-up proof
        try (ServerSocket impostor = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = impostor.accept()) {
                    HmacAuth.Server fake = new HmacAuth.Server("other".getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().write(fake.challenge().array());
                    AuthGate.readFully(s.getInputStream(), HmacAuth.RESPONSE_SIZE, "client", "response");
                    ByteBuffer w = ByteBuffer.allocate(HmacAuth.WELCOME_SIZE);
                    w.put(new byte[] {'c', 'o', 'r', 'o', HmacAuth.VERSION, HmacAuth.WELCOME});
                    s.getOutputStream().write(w.array()); // a proof of zeros
                    s.getInputStream().read();
                } catch (IOException ignored) {
                    // the client hung up, as it should
                }
            });
            t.setDaemon(true);
            t.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), impostor.getLocalPort())) {
                s.setSoTimeout(10_000);
                AuthenticationException e = assertThrows(AuthenticationException.class, () ->
                        AuthGate.client(s.getInputStream(), s.getOutputStream(), KEY, "impostor"));
                assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
            }
        }
    }

    @Test
    void aClientWithoutAKeyIsRefusedBeforeItConnects() {
        assertThrows(IllegalArgumentException.class, () -> HmacAuth.checkKey(new byte[0]));
        assertThrows(NullPointerException.class, () -> HmacAuth.checkKey(null));
    }

    @Test
    void aClientThatSkipsTheHandshakeIsDroppedAtOnce() throws Exception {
        // no key: it talks as if it were already authenticated (a length-prefixed frame)
        Door d = door(KEY, Duration.ofSeconds(30));
        long start = System.nanoTime();
        try (Socket s = d.connect()) {
            AuthGate.readFully(s.getInputStream(), HmacAuth.CHALLENGE_SIZE, "server", "challenge");
            s.getOutputStream().write(new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5});
            assertFalse(d.outcome());
            assertEquals(-1, s.getInputStream().read());
        }
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 10_000, "garbage waited for the deadline");
    }

    @Test
    void garbageIsRejectedAsSoonAsItsFirstBytesArrive() throws Exception {
        Door d = door(KEY, Duration.ofSeconds(30));
        try (Socket s = d.connect()) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertFalse(d.outcome());
        }
        // and a client that meets garbage from its server gets a protocol error, not a hang
        try (ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = http.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                } catch (IOException ignored) {
                    // the client hung up
                }
            });
            t.setDaemon(true);
            t.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http.getLocalPort())) {
                s.setSoTimeout(10_000);
                ProtocolException e = assertThrows(ProtocolException.class, () ->
                        AuthGate.client(s.getInputStream(), s.getOutputStream(), KEY, "web server"));
                assertTrue(e.getMessage().contains("not a coro manager"), e.getMessage());
            }
        }
    }

    @Test
    void aTruncatedAnswerIsDroppedWhenTheClientHangsUp() throws Exception {
        Door d = door(KEY, Duration.ofSeconds(30));
        try (Socket s = d.connect()) {
            AuthGate.readFully(s.getInputStream(), HmacAuth.CHALLENGE_SIZE, "server", "challenge");
            byte[] part = new byte[20];
            System.arraycopy(new byte[] {'c', 'o', 'r', 'o', HmacAuth.VERSION, HmacAuth.RESPONSE}, 0, part, 0, 6);
            s.getOutputStream().write(part);
            s.shutdownOutput();
            assertFalse(d.outcome());
        }
    }

    @Test
    void aSlowLorisIsCutOffAtTheDeadline() throws Exception {
        Door d = door(KEY, Duration.ofMillis(500));
        long start = System.nanoTime();
        try (Socket s = d.connect()) {
            AuthGate.readFully(s.getInputStream(), HmacAuth.CHALLENGE_SIZE, "server", "challenge");
            byte[] valid = {'c', 'o', 'r', 'o', HmacAuth.VERSION, HmacAuth.RESPONSE};
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            boolean cut = false;
            // one valid byte every 50 ms: each read succeeds, only the total deadline stops it
            for (int i = 0; i < HmacAuth.RESPONSE_SIZE - 1 && !cut; i++) {
                try {
                    out.write(i < valid.length ? valid[i] : 0);
                    out.flush();
                } catch (IOException e) {
                    cut = true;
                }
                Thread.sleep(50);
                if (!d.outcomes.isEmpty()) {
                    cut = true;
                }
            }
            assertFalse(d.outcome());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 3000, "cut off after " + ms + " ms, deadline 500 ms");
            s.setSoTimeout(5000);
            assertEquals(-1, in.read(), "the server closed the connection");
        }
    }

    @Test
    void repeatedFailuresFromOneAddressAreSlowedDown() throws Exception {
        Door d = door(KEY, Duration.ofSeconds(5));
        byte[] wrong = "nope".getBytes(StandardCharsets.UTF_8);
        long[] took = new long[4];
        for (int i = 0; i < took.length; i++) {
            long start = System.nanoTime();
            try (Socket s = d.connect()) {
                assertThrows(AuthenticationException.class,
                        () -> AuthGate.client(s.getInputStream(), s.getOutputStream(), wrong, d.peer()));
            }
            took[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertFalse(d.outcome());
        }
        InetAddress lo = InetAddress.getLoopbackAddress();
        assertEquals(4, d.gate.throttle().failures(lo));
        // 4th failure: held back 200 ms before the challenge (3 failures before) and 400 ms before the answer
        assertTrue(took[3] >= 500, "no slow-down: " + Arrays.toString(took));
        assertTrue(took[3] > took[0], Arrays.toString(took));
        // the right key still gets in (after the penalty), and forgives the address
        try (Socket s = d.connect()) {
            AuthGate.client(s.getInputStream(), s.getOutputStream(), KEY, d.peer());
        }
        assertTrue(d.outcome());
        assertEquals(0, d.gate.throttle().failures(lo));
    }

    @Test
    void theThrottleDoublesUpToItsCapForgetsAndIsBounded() throws Exception {
        AtomicLong now = new AtomicLong();
        AuthThrottle t = new AuthThrottle(100, 1000, 10_000, 2, now::get);
        InetAddress a = InetAddress.getByName("10.0.0.1");
        InetAddress b = InetAddress.getByName("10.0.0.2");
        InetAddress c = InetAddress.getByName("10.0.0.3");
        assertEquals(0, t.delayNanos(a));
        assertEquals(100, t.failed(a));
        assertEquals(200, t.failed(a));
        assertEquals(400, t.failed(a));
        assertEquals(800, t.failed(a));
        assertEquals(1000, t.failed(a));
        for (int i = 0; i < 100; i++) {
            t.failed(a);
        }
        assertEquals(1000, t.delayNanos(a), "capped, no overflow");
        now.addAndGet(10_001);
        assertEquals(0, t.delayNanos(a), "forgotten after a quiet spell");
        t.failed(a);
        t.failed(b);
        t.failed(c);
        assertEquals(0, t.failures(a), "the table keeps at most 2 addresses");
        assertEquals(1, t.failures(c));
    }

    @Test
    void theServerStateMachineTakesBytesOneAtATimeAndLeavesTheRestAlone() {
        HmacAuth.Server server = new HmacAuth.Server(KEY);
        ByteBuffer challenge = server.challenge();
        // a client computing its answer by hand, fed to the server byte by byte
        byte[] nonceS = Arrays.copyOfRange(challenge.array(), HmacAuth.HEADER_SIZE, HmacAuth.CHALLENGE_SIZE);
        byte[] nonceC = HmacAuth.nonce();
        ByteBuffer answer = ByteBuffer.allocate(HmacAuth.RESPONSE_SIZE + 3);
        answer.put(new byte[] {'c', 'o', 'r', 'o', HmacAuth.VERSION, HmacAuth.RESPONSE});
        answer.put(HmacAuth.mac(KEY, "coro-auth/1 client".getBytes(StandardCharsets.US_ASCII), nonceS, nonceC));
        answer.put(nonceC).put(new byte[] {7, 8, 9}).flip();
        HmacAuth.Result r = null;
        while (r == null) {
            ByteBuffer one = ByteBuffer.wrap(new byte[] {answer.get()});
            r = server.offer(one);
        }
        assertTrue(r.accepted());
        assertEquals(3, answer.remaining(), "bytes after the handshake are not consumed");
        byte[] welcome = r.reply().array();
        assertArrayEquals(HmacAuth.mac(KEY, "coro-auth/1 server".getBytes(StandardCharsets.US_ASCII), nonceS, nonceC),
                Arrays.copyOfRange(welcome, HmacAuth.HEADER_SIZE, HmacAuth.WELCOME_SIZE));
        // a replayed answer does not fit another connection's challenge
        HmacAuth.Server other = new HmacAuth.Server(KEY);
        other.challenge();
        answer.rewind().limit(HmacAuth.RESPONSE_SIZE);
        assertEquals(HmacAuth.Result.Kind.WRONG_KEY, other.offer(answer).kind());
    }

}
