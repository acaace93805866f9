package dev.coro.tests.manager;

import dev.coro.AuthenticationException;
import dev.coro.ChannelClosedException;
import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Manager;
import dev.coro.MessageQueue;
import dev.coro.Task;
import dev.coro.internal.ipc.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded task manager over real loopback TCP: authentication, bad input, delivery, shutdown, load. */
class ManagerTest {
    private static final byte[] KEY = "abc".getBytes(StandardCharsets.UTF_8);

    private Manager manager;
    private final ManagerLog log = new ManagerLog();

    @BeforeEach
    void listen() {
        log.start();
    }

    @AfterEach
    void stop() {
        log.stop();
        if (manager != null) {
            manager.shutdown();
        }
    }

    private Manager serve(Manager.Options options) throws IOException {
        manager = Manager.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), KEY, options);
        return manager;
    }

    /** A well-behaved client still gets served: the manager survived whatever came before. */
    private void stillServes() throws Exception {
        Thread.sleep(150); // past the failure penalty of this address, if any
        try (Manager.Client c = Manager.connect(manager.address(), KEY)) {
            MessageQueue<String> probe = c.queue("probe", Codec.strings());
            probe.put("ping");
            assertEquals("ping", probe.get(Duration.ofSeconds(5)));
        }
    }

    @Test
    void servesLoopbackUnlessToldOtherwise() throws Exception {
        try (Manager m = Manager.serve(0, KEY)) {
            assertTrue(m.address().getAddress().isLoopbackAddress(), m.address().toString());
        }
    }

    @Test
    void coroutinesShareOneConnectionAndResultsCarryTheTaskId() throws Exception {
        Manager m = serve(new Manager.Options());
        MessageQueue<Long> tasks = m.queue("tasks", Codec.longs());
        MessageQueue<List<String>> results = m.queue("results", Codec.list(Codec.strings()));
        m.queue("probe", Codec.strings());
        for (long n = 0; n < 100; n++) {
            tasks.put(n);
        }
        Coro.run(() -> {
            try (Manager.Client c = Manager.connect(m.address(), KEY)) {
                List<Task<Integer>> workers = new ArrayList<>();
                for (int w = 0; w < 10; w++) {
                    workers.add(Coro.spawn(() -> {
                        MessageQueue<Long> in = c.queue("tasks", Codec.longs());
                        MessageQueue<List<String>> out = c.queue("results", Codec.list(Codec.strings()));
                        int done = 0;
                        Long n;
                        while ((n = in.get(Duration.ofMillis(300))) != null) {
                            out.put(List.of(in.lastId(), Long.toString(n * n)));
                            done++;
                        }
                        in.close();
                        out.close();
                        return done;
                    }));
                }
                int total = 0;
                for (Task<Integer> t : workers) {
                    total += t.join();
                }
                assertEquals(100, total);
            }
            return null;
        });
        Map<String, Long> byTask = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            List<String> r = results.get(Duration.ofSeconds(5));
            assertNotNull(r, "result " + i);
            assertNull(byTask.put(r.get(0), Long.parseLong(r.get(1))), "task " + r.get(0) + " twice");
        }
        long sum = byTask.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(328350, sum, "the squares of 0..99");
    }

    @Test
    void aWrongKeyGetsAClearErrorTheManagerLogsItAndSlowsTheAddressDown() throws Exception {
        Manager m = serve(new Manager.Options());
        m.queue("probe", Codec.strings());
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> Manager.connect(m.address(), "abd".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("rejected this key") && e.getMessage().contains(
                String.valueOf(m.address().getPort())), e.getMessage());
        String line = log.logged("did not prove it knows the key");
        assertTrue(line.contains("127.0.0.1"), "the refused address is logged: " + line);
        assertTrue(!line.contains("abc") && !line.contains("abd"), "no key material in the log: " + line);
        // at once again: refused without a look at the key
        AuthenticationException again = assertThrows(AuthenticationException.class,
                () -> Manager.connect(m.address(), "abe".getBytes(StandardCharsets.UTF_8)));
        assertTrue(again.getMessage().contains("failed authentications"), again.getMessage());
        stillServes();
    }

    @Test
    void noKeyIsRefusedAndAClientThatSkipsTheHandshakeIsDropped() throws Exception {
        Manager m = serve(new Manager.Options());
        m.queue("probe", Codec.strings());
        assertThrows(IllegalArgumentException.class, () -> Manager.connect(m.address(), new byte[0]));
        assertThrows(NullPointerException.class, () -> Manager.connect(m.address(), null));
        try (RawPeer p = new RawPeer(m.address()).hello()) {
            p.frame(Wire.AUTH); // the challenge, ignored: it attaches a queue as if authenticated
            byte[] name = "probe".getBytes(StandardCharsets.UTF_8);
            java.nio.ByteBuffer attach = java.nio.ByteBuffer.allocate(8 + 2 + name.length);
            attach.putLong(1).putShort((short) name.length).put(name);
            p.send(Wire.ATTACH, attach.array());
            String error = p.error();
            assertTrue(error.contains("before the handshake completed"), error);
        }
        log.logged("before the handshake completed");
        stillServes();
    }

    @Test
    void aTruncatedHandshakeIsLoggedAndDropped() throws Exception {
        Manager m = serve(new Manager.Options());
        m.queue("probe", Codec.strings());
        try (RawPeer p = new RawPeer(m.address()).hello()) {
            p.frame(Wire.AUTH);
            p.out.writeInt(1 + 70);
            p.out.writeByte(Wire.AUTH);
            p.out.write(new byte[20]); // 20 of 70 bytes, then gone
            p.out.flush();
            p.socket.shutdownOutput();
            assertTrue(p.closedByServer());
        }
        log.logged("truncated");
        stillServes();
    }

    @Test
    void garbageAfterTheHandshakeClosesThatConnectionOnly() throws Exception {
        Manager m = serve(new Manager.Options());
        MessageQueue<String> probe = m.queue("probe", Codec.strings());
        try (Manager.Client bystander = Manager.connect(m.address(), KEY)) {
            MessageQueue<String> q = bystander.queue("probe", Codec.strings());
            try (RawPeer p = new RawPeer(m.address()).authenticate(KEY)) {
                byte[] junk = new byte[64];
                new Random(1).nextBytes(junk);
                junk[0] = 0; // a plausible length so that the frame is whole
                junk[1] = 0;
                junk[2] = 0;
                junk[3] = 60;
                junk[4] = 99; // no such frame type
                p.out.write(junk);
                p.out.flush();
                String error = p.error();
                assertTrue(error.contains("protocol error"), error);
            }
            log.logged("protocol error");
            probe.put("still here");
            assertEquals("still here", q.get(Duration.ofSeconds(5)), "the other connection is unaffected");
        }
    }

    @Test
    void anOversizedFrameIsRefusedBeforeAndAfterAuthentication() throws Exception {
        Manager m = serve(new Manager.Options().maxFrame(1 << 20));
        m.queue("probe", Codec.strings());
        try (RawPeer p = new RawPeer(m.address()).authenticate(KEY)) {
            p.out.writeInt(2 << 20); // 2 MiB announced, 1 MiB allowed: refused before it is read
            p.out.writeByte(Wire.PUT);
            p.out.flush();
            String error = p.error();
            assertTrue(error.contains("oversized frame") && error.contains(String.valueOf(1 << 20)), error);
        }
        try (RawPeer p = new RawPeer(m.address()).hello()) {
            p.frame(Wire.AUTH);
            p.out.writeInt(100_000); // an unauthenticated peer may not make the manager buffer this
            p.out.writeByte(Wire.AUTH);
            p.out.flush();
            String error = p.error();
            assertTrue(error.contains("oversized frame") && error.contains("4096"), error);
        }
        stillServes();
    }

    @Test
    void aSlowLorisIsCutOffAtTheHandshakeTimeout() throws Exception {
        Manager m = serve(new Manager.Options().handshakeTimeout(Duration.ofMillis(500)));
        m.queue("probe", Codec.strings());
        long start = System.nanoTime();
        try (RawPeer p = new RawPeer(m.address()).hello()) {
            p.frame(Wire.AUTH);
            p.socket.setSoTimeout(100);
            boolean cut = false;
            byte[] frame = new byte[4 + 1 + 70];
            frame[3] = 71;
            frame[4] = Wire.AUTH;
            for (int i = 0; i < frame.length - 1 && !cut; i++) { // one byte every 100 ms, never the last
                try {
                    p.out.write(frame[i]);
                    p.out.flush();
                    if (p.in.read() == -1) {
                        cut = true;
                    }
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // nothing from the server yet
                } catch (IOException e) {
                    cut = true;
                }
            }
            assertTrue(cut, "never cut off");
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 5000, "cut off after " + ms + " ms with a 500 ms handshake timeout");
        log.logged("no hello and handshake within 500 ms");
        stillServes();
    }

    @Test
    void aThousandConcurrentClientsOnOneLoop() throws Exception {
        Manager m = serve(new Manager.Options());
        MessageQueue<Integer> in = m.queue("in", Codec.ints());
        MessageQueue<Integer> out = m.queue("out", Codec.ints());
        int clients = 1000;
        long start = System.nanoTime();
        int[] seen = Coro.run(() -> {
            Task<Void> relay = Coro.spawn(() -> {
                for (int i = 0; i < clients; i++) {
                    out.put(in.get());
                }
                return null;
            });
            List<Task<Integer>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int mine = i;
                all.add(Coro.spawn(() -> {
                    try (Manager.Client c = Manager.connect(m.address(), KEY, Duration.ofSeconds(60))) {
                        MessageQueue<Integer> put = c.queue("in", Codec.ints());
                        MessageQueue<Integer> get = c.queue("out", Codec.ints());
                        put.put(mine);
                        Integer got = get.get(Duration.ofSeconds(60));
                        get.ack();
                        return got;
                    }
                }));
            }
            int[] counts = new int[clients];
            for (Task<Integer> t : all) {
                counts[t.join()]++;
            }
            relay.join();
            return counts;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("1000 authenticated clients, one put and one get each, on one loop: " + ms + " ms");
        for (int i = 0; i < clients; i++) {
            assertEquals(1, seen[i], "message " + i);
        }
    }

    @Test
    void aTaskTakenByAWorkerThatGoesAwayIsDeliveredAgainWithItsId() throws Exception {
        Manager m = serve(new Manager.Options());
        MessageQueue<String> tasks = m.queue("tasks", Codec.strings());
        tasks.put("t1");
        tasks.put("t2");
        Manager.Client doomed = Manager.connect(m.address(), KEY);
        MessageQueue<String> q = doomed.queue("tasks", Codec.strings());
        assertEquals("t1", q.get(Duration.ofSeconds(5)));
        String id = q.lastId();
        doomed.close(); // the connection drops mid-task, as when the worker's process dies
        try (Manager.Client survivor = Manager.connect(m.address(), KEY)) {
            MessageQueue<String> s = survivor.queue("tasks", Codec.strings());
            // the broker may hand out t2 before it has seen the doomed connection go (close does not wait for it)
            java.util.Map<String, String> ids = new java.util.HashMap<>();
            for (int i = 0; i < 2; i++) {
                String task = s.get(Duration.ofSeconds(5));
                assertNull(ids.put(task, s.lastId()), "delivered twice: " + task);
            }
            assertEquals(java.util.Set.of("t1", "t2"), ids.keySet());
            assertEquals(id, ids.get("t1"), "t1 comes again with its id");
            assertNull(s.get(Duration.ofMillis(200)));
        }
    }

    @Test
    void aDefaultHandleTakesAheadWhileItsTasksAreShortAndNothingOnceTheyAreLong() throws Exception {
        Manager m = serve(new Manager.Options());
        MessageQueue<Integer> tasks = m.queue("tasks", Codec.ints());
        for (int i = 0; i < 100; i++) {
            tasks.put(i);
        }
        try (Manager.Client a = Manager.connect(m.address(), KEY);
             Manager.Client b = Manager.connect(m.address(), KEY)) {
            MessageQueue<Integer> qa = a.queue("tasks", Codec.ints());
            int next = 0;
            for (; next < 40; next++) { // short tasks: each get comes back at once
                assertEquals(next, qa.get(Duration.ofSeconds(5)));
            }
            Thread.sleep(300); // deliveries asked for land in a's handle
            int ahead = 0;
            for (Integer v; (v = qa.get(Duration.ZERO)) != null; ahead++) {
                assertEquals(next++, v, "held ahead: taken without waiting, in order");
            }
            assertTrue(ahead >= 2 && ahead <= 100 - 40, "a held " + ahead + " ahead");
            for (Integer v; (v = qa.get(Duration.ofMillis(300))) != null; ) {
                assertEquals(next++, v);
            }
            assertEquals(100, next);

            Thread.sleep(120); // a long task: a's next get holds nothing ahead and gives back its spare credit
            assertNull(qa.get(Duration.ofMillis(150)));
            for (int i = 100; i < 104; i++) {
                tasks.put(i);
            }
            assertEquals(100, qa.get(Duration.ofSeconds(5)));
            MessageQueue<Integer> qb = b.queue("tasks", Codec.ints());
            Integer other = qb.get(Duration.ofSeconds(5));
            assertEquals(101, other, "a took one and holds none ahead: the next is b's");
            Thread.sleep(120);
            assertEquals(102, qa.get(Duration.ofSeconds(5)));
            assertEquals(103, qb.get(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aTaskHeldPastItsLeaseGoesToAnotherWorker() throws Exception {
        Manager m = serve(new Manager.Options().lease(Duration.ofMillis(300)));
        MessageQueue<String> tasks = m.queue("tasks", Codec.strings());
        tasks.put("slow");
        try (Manager.Client a = Manager.connect(m.address(), KEY);
             Manager.Client b = Manager.connect(m.address(), KEY)) {
            MessageQueue<String> qa = a.queue("tasks", Codec.strings());
            assertEquals("slow", qa.get(Duration.ofSeconds(5)));
            MessageQueue<String> qb = b.queue("tasks", Codec.strings());
            long start = System.nanoTime();
            assertEquals("slow", qb.get(Duration.ofSeconds(10)), "the lease ran out: redelivered");
            assertEquals(qa.lastId(), qb.lastId());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 8000);
        }
    }

    @Test
    void shutdownGivesWaitingClientsAClearErrorNotAHang() throws Exception {
        Manager m = serve(new Manager.Options());
        m.queue("tasks", Codec.strings());
        Manager.Client c = Manager.connect(m.address(), KEY);
        MessageQueue<String> q = c.queue("tasks", Codec.strings());
        long start = System.nanoTime();
        Throwable failure = Coro.run(() -> {
            Task<String> waiting = Coro.spawn(() -> q.get()); // no timeout: only the shutdown ends it
            Thread.sleep(200);
            m.shutdown();
            try {
                waiting.join();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Throwable cause = failure;
        while (cause != null && !(cause instanceof ChannelClosedException)) {
            cause = cause.getCause();
        }
        assertNotNull(cause, "expected a ChannelClosedException, got " + failure);
        assertTrue(cause.getMessage().contains(String.valueOf(m.address().getPort()))
                && cause.getMessage().contains("shut down"), cause.getMessage());
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertThrows(ChannelClosedException.class, () -> q.put("late"));
        assertThrows(IOException.class, () -> Manager.connect(m.address(), KEY, Duration.ofSeconds(2)));
        c.close();
    }

    @Test
    void aQueueTheManagerDidNotDeclareIsAClearError() throws Exception {
        Manager m = serve(new Manager.Options());
        try (Manager.Client c = Manager.connect(m.address(), KEY)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> c.queue("nope", Codec.strings()));
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
        }
    }
}
