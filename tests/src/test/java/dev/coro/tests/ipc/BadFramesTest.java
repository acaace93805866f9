package dev.coro.tests.ipc;

import dev.coro.Codec;
import dev.coro.internal.Stack;
import dev.coro.internal.ipc.Broker;
import dev.coro.internal.ipc.BrokerQueue;
import dev.coro.internal.ipc.Client;
import dev.coro.internal.ipc.Endpoint;
import dev.coro.internal.ipc.Handshake;
import dev.coro.internal.ipc.ProtocolException;
import dev.coro.internal.ipc.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed, truncated, oversized and unknown frames from a raw socket: the broker answers with an ERROR frame
 * naming the cause, reports it, closes that connection, and keeps serving a well-behaved client.
 */
class BadFramesTest {
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private Broker broker;
    private BrokerQueue queue;
    private Client good;
    private Endpoint goodQueue;

    @BeforeEach
    void start() throws IOException {
        broker = Broker.start(Broker.unixChannel(), new Broker.Options().maxFrame(1024).errors(errors::add)
                .handshakeTimeout(Duration.ofMillis(500)));
        queue = broker.declare("q");
        good = Client.connect(broker.address(), null, 1024, Duration.ofSeconds(5));
        goodQueue = good.attach("q");
    }

    @AfterEach
    void stop() {
        good.close();
        broker.close();
    }

    /** Sends {@code bytes} (after a valid hello unless told not to) and returns what the broker said before closing. */
    private String exchange(boolean hello, byte[] bytes, boolean thenClose) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(Broker.parseAddress(broker.address()));
            ByteBuffer b = ByteBuffer.allocate(8 + bytes.length);
            if (hello) {
                Wire.putHello(b);
            }
            b.put(bytes).flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            if (thenClose) {
                ch.shutdownOutput();
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && ch.read(in) >= 0) {
                // until the broker closes
            }
            return new String(Arrays.copyOf(in.array(), in.position()), StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] frame(int length, int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.putInt(length).put((byte) type).put(payload);
        return b.array();
    }

    private void goodClientStillWorks() {
        goodQueue.put(Codec.strings().encode("still here"), -1, Stack.current());
        goodQueue.flush();
        assertEquals(1, queue.size());
        assertEquals("still here", Codec.strings().decode(queue.consumer().get(0, Stack.current()).body));
    }

    private void rejected(String said, String cause) {
        assertTrue(said.contains("protocol error") && said.contains(cause), "the peer was told: " + said);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (errors.stream().noneMatch(e -> e.contains(cause)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(errors.stream().anyMatch(e -> e.contains(cause) && e.contains("connection closed")
                && e.contains("unix peer")), "reported locally: " + errors);
        goodClientStillWorks();
    }

    @Test
    void unknownFrameType() throws IOException {
        rejected(exchange(true, frame(3, 0x7f, new byte[] {1, 2}), false), "unknown frame type 0x7f");
    }

    @Test
    void oversizedFrameIsRefusedFromItsLengthAlone() throws IOException {
        rejected(exchange(true, frame(1 << 30, Wire.PUT, new byte[0]), false), "oversized frame: 1073741824 bytes,"
                + " the limit is 1024");
    }

    @Test
    void negativeLength() throws IOException {
        rejected(exchange(true, frame(-5, Wire.PUT, new byte[0]), false), "malformed frame: length -5");
    }

    @Test
    void malformedFieldsInAKnownFrame() throws IOException {
        // an ACK needs 16 bytes of fields; 3 given
        rejected(exchange(true, frame(4, Wire.ACK, new byte[] {0, 0, 1}), false), "truncated ACK frame");
        rejected(exchange(true, frame(5, Wire.PUT, new byte[] {0, 0, 0, 99}), false), "no queue with id 99");
    }

    @Test
    void creditCountedFromADeliveryNeverMadeIsRefused() throws Exception {
        java.lang.reflect.Field qid = queue.getClass().getDeclaredField("qid");
        qid.setAccessible(true);
        ByteBuffer b = ByteBuffer.allocate(17 + 21);
        b.putInt(13).put(Wire.SUB).putInt(1).putInt(qid.getInt(queue)).putInt(0);
        b.putInt(17).put(Wire.CREDIT_TO).putInt(1).putLong(5).putInt(4);
        rejected(exchange(true, b.array(), false),
                "CREDIT_TO 4 after delivery 5 on subscription 1 (delivered up to 0)");
    }

    @Test
    void badHello() throws IOException {
        rejected(exchange(false, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false), "bad hello");
    }

    @Test
    void truncatedFrameThenEndOfStream() throws IOException {
        // a PUT announcing 100 bytes, of which 10 come, then the peer stops sending
        byte[] partial = Arrays.copyOf(frame(100, Wire.PUT, new byte[0]), 15);
        exchange(true, partial, true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (errors.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(errors.stream().anyMatch(e -> e.contains("truncated frame of 15 bytes")), errors.toString());
        goodClientStillWorks();
    }

    @Test
    void aSilentPeerIsDroppedAfterTheHandshakeTimeout() throws IOException {
        String said = exchange(false, new byte[0], false);
        assertTrue(said.contains("no hello and handshake within 500 ms"), said);
        goodClientStillWorks();
    }

    @Test
    void aClientSeesTheBrokersProtocolErrorAsAClearFailure() throws Exception {
        // a real client whose frames exceed the broker's limit: it is refused, and the message names why
        Client c = Client.connect(broker.address(), null);
        Endpoint e = c.attach("q");
        e.put(new byte[2000], -1, Stack.current());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> e.put(new byte[1], -1, Stack.current()));
        assertTrue(failure.getMessage().contains("oversized frame") && failure.getMessage().contains(
                broker.address()), failure.getMessage());
        goodClientStillWorks();
    }

    @Test
    void aPeerThatAsksButNeverReadsIsNoLongerReadFromWhileOthersAreServed() throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(Broker.parseAddress(broker.address()));
            ByteBuffer hello = ByteBuffer.allocate(8);
            Wire.putHello(hello);
            hello.flip();
            ch.write(hello);
            ch.configureBlocking(false);
            // SYNC requests, each answered with a 21-byte REPLY this peer never reads
            ByteBuffer syncs = ByteBuffer.allocate(13 * 4096);
            for (int i = 0; i < 4096; i++) {
                syncs.putInt(9).put(Wire.SYNC).putLong(i);
            }
            long written = 0;
            long stalledSince = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            syncs.flip();
            while (System.nanoTime() < deadline && written < 13L * 2_000_000) {
                int n = ch.write(syncs);
                if (!syncs.hasRemaining()) {
                    syncs.rewind(); // the same 4096 requests again, from a frame boundary
                }
                written += n;
                if (n > 0) {
                    stalledSince = 0;
                } else if (stalledSince == 0) {
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > TimeUnit.SECONDS.toNanos(1)) {
                    break; // the broker stopped reading this peer
                }
            }
            assertTrue(stalledSince != 0, "the broker kept reading a peer that never reads: " + written + " bytes; "
                    + errors);
            assertTrue(errors.isEmpty(), errors.toString());
            // replies pending for it are bounded (8 MiB of 21-byte replies: about 400,000 requests, plus buffers)
            assertTrue(written < 13L * 2_000_000, written + " bytes taken in");
            goodClientStillWorks();
        }
    }

    /** A shared secret the client must echo: the hook runs before any queue frame, and can refuse. */
    static final class Secret implements Handshake {
        private final String secret;

        Secret(String secret) {
            this.secret = secret;
        }

        @Override
        public Exchange start(boolean brokerSide, String peer) {
            return new Exchange() {
                boolean done;

                @Override
                public byte[] initial() {
                    if (brokerSide) {
                        return null;
                    }
                    done = true;
                    return secret.getBytes(StandardCharsets.UTF_8);
                }

                @Override
                public byte[] receive(byte[] message) {
                    if (!new String(message, StandardCharsets.UTF_8).equals(secret)) {
                        throw new SecurityException("wrong secret from " + peer);
                    }
                    done = true;
                    return null;
                }

                @Override
                public boolean isComplete() {
                    return done;
                }
            };
        }
    }

    @Test
    void theHandshakeHookAdmitsTheRightPeerAndRefusesTheWrongOne() throws Exception {
        try (Broker b = Broker.start(Broker.unixChannel(), new Broker.Options().handshake(new Secret("s3cret"))
                .errors(errors::add))) {
            b.declare("q");
            Client ok = Client.connect(b.address(), new Secret("s3cret"));
            assertNotNull(ok.attach("q"));
            ok.close();
            ProtocolException refused = assertThrows(ProtocolException.class,
                    () -> Client.connect(b.address(), new Secret("guess")));
            assertTrue(refused.getMessage().contains("wrong secret"), refused.getMessage());
            // a peer that skips the handshake gets nothing but an error
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(Broker.parseAddress(b.address()));
                ByteBuffer out = ByteBuffer.allocate(64);
                Wire.putHello(out);
                out.put(frame(13, Wire.SYNC, new byte[12]));
                out.flip();
                ch.write(out);
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (ch.read(in) >= 0) {
                    // until closed
                }
                String said = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                assertTrue(said.contains("SYNC frame before the handshake completed"), said);
            }
        }
    }
}
