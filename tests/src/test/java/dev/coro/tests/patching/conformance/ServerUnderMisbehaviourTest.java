package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Clients;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A framed echo server in plain blocking java.net code, one coroutine per connection on one loop, while some peers
 * misbehave (stall mid-header, trickle a byte at a time, reset or close mid-frame, never read their echoes): every
 * well-behaved client is served, and the server saw each of its frames exactly once (CRC32 over all of them).
 */
class ServerUnderMisbehaviourTest {
    static final int GOOD = 8;
    static final int FRAMES = 200;

    /** Per connection (by the client's port): the CRC32 of the complete frames the server echoed. */
    static final Map<Integer, Long> SERVED = new ConcurrentHashMap<>();
    static final Map<Integer, String> ENDED = new ConcurrentHashMap<>();

    @Coroutine
    static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                return null;
            }
            got += r;
        }
        return b;
    }

    @Coroutine
    static void serve(Socket s) {
        CRC32 crc = new CRC32();
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (;;) {
                byte[] header = readN(in, 4);
                if (header == null) {
                    ENDED.put(s.getPort(), "eof");
                    break;
                }
                byte[] body = readN(in, ByteBuffer.wrap(header).getInt());
                if (body == null) {
                    ENDED.put(s.getPort(), "eof mid-frame");
                    break;
                }
                out.write(ByteBuffer.allocate(4 + body.length).put(header).put(body).array()); // one segment
                crc.update(body);
            }
        } catch (IOException e) {
            ENDED.put(s.getPort(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        SERVED.put(s.getPort(), crc.getValue());
    }

    @Coroutine
    static void acceptAll(ServerSocket server) throws IOException {
        for (;;) {
            Socket s;
            try {
                s = server.accept();
            } catch (SocketException closed) {
                return;
            }
            Coro.spawn(() -> serve(s));
        }
    }

    @Test
    void wellBehavedClientsAreServedWhileOthersMisbehave() throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Void> stop = new CompletableFuture<>();
        Thread loop = new Thread(() -> Coro.run(() -> {
            ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            Task<Void> acceptor = Coro.spawn(() -> acceptAll(server));
            port.complete(server.getLocalPort());
            Coro.await(stop);
            server.close();
            acceptor.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (SERVED.size() < GOOD + 5 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the handlers of the closed misbehaving connections finish
            }
            return null;
        }), "server-loop");
        loop.start();
        int p = port.get(10, TimeUnit.SECONDS);

        List<Socket> bad = new ArrayList<>();
        bad.add(Clients.stalled(p));
        bad.add(Clients.nonReader(p, 200));
        Clients.breakMidFrame(p, true);
        Clients.breakMidFrame(p, false);
        CompletableFuture<Boolean> trickled = CompletableFuture.supplyAsync(() -> {
            try {
                return Clients.trickle(p);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });

        long start = System.nanoTime();
        List<CompletableFuture<long[]>> good = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            long seed = i;
            CompletableFuture<long[]> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(new long[] {Clients.goodClient(p, FRAMES, 4096, seed)});
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
            good.add(f);
        }
        List<Long> sent = new ArrayList<>();
        for (CompletableFuture<long[]> f : good) {
            sent.add(f.get(60, TimeUnit.SECONDS)[0]);
        }
        assertTrue(trickled.get(60, TimeUnit.SECONDS), "the trickled frame's echo");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println(GOOD + " clients x " + FRAMES + " frames served beside 5 misbehaving peers: " + ms + " ms");

        // the misbehaving connections are still open (stalled, backpressured) while everyone else was served
        for (Socket s : bad) {
            s.close();
        }
        stop.complete(null);
        loop.join(30_000);
        assertTrue(!loop.isAlive(), "the server loop ended");

        // no frame lost or duplicated: the server's CRC per connection equals the client's
        List<Long> servedGood = new ArrayList<>(SERVED.values());
        for (Long crc : sent) {
            assertTrue(servedGood.remove(crc), "the server's frames of a good client differ from what it sent");
        }
        assertEquals(GOOD + 5, SERVED.size(), "every connection ended in the server: " + ENDED);
        assertTrue(ENDED.values().stream().filter(e -> e.contains("mid-frame") || e.contains("reset")).count() >= 2,
                "the broken frames were seen as such: " + ENDED);
    }
}
