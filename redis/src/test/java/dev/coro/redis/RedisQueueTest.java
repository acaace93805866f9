package dev.coro.redis;

import dev.coro.ChannelClosedException;
import dev.coro.Codec;
import dev.coro.CodecException;
import dev.coro.Coro;
import dev.coro.MessageQueue;
import dev.coro.Task;
import dev.coro.internal.redis.StreamQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.XAddParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Redis engine against a real redis-server that each test starts for itself. */
class RedisQueueTest {
    private RedisServer redis;
    private RedisQueues queues;

    private RedisQueues start(boolean aof, Duration lease) throws Exception {
        redis = RedisServer.start(aof);
        queues = RedisQueues.connect("127.0.0.1", redis.port).lease(lease);
        return queues;
    }

    @AfterEach
    void stop() throws Exception {
        if (queues != null) {
            queues.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void putGetAckWithStreamIdsFromPlainThreads() throws Exception {
        RedisQueues q = start(false, Duration.ofSeconds(30));
        MessageQueue<String> producer = q.queue("jobs", Codec.strings());
        MessageQueue<String> consumer = q.queue("jobs", Codec.strings());
        for (String s : List.of("a", "b", "c")) {
            producer.put(s);
        }
        List<String> got = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            got.add(consumer.get(Duration.ofSeconds(5)));
            assertTrue(consumer.lastId().matches("\\d+-\\d+"), "a stream entry id: " + consumer.lastId());
            ids.add(consumer.lastId());
        }
        assertEquals(List.of("a", "b", "c"), got);
        assertEquals(3, ids.size());
        long start = System.nanoTime();
        assertNull(consumer.get(Duration.ofMillis(300)), "nothing left");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 250 && ms < 5000, "waited " + ms + " ms for a 300 ms timeout");
        try (Jedis j = new Jedis("127.0.0.1", redis.port)) {
            assertEquals(0, j.xlen("coro:queue:jobs"), "acknowledged entries are deleted");
        }
    }

    @Test
    void manyCoroutinesOnOneLoopShareAQueueWithoutLossOrDuplicates() throws Exception {
        RedisQueues q = start(false, Duration.ofSeconds(30));
        int producers = 4;
        int consumers = 8;
        int each = 100;
        Map<Long, Integer> seen = Coro.run(() -> {
            MessageQueue<Long> out = q.queue("numbers", Codec.longs());
            List<Task<List<Long>>> takers = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                takers.add(Coro.spawn(() -> {
                    List<Long> mine = new ArrayList<>();
                    try (MessageQueue<Long> in = q.queue("numbers", Codec.longs())) {
                        Long n;
                        while ((n = in.get(Duration.ofMillis(1500))) != null) {
                            mine.add(n);
                        }
                    }
                    return mine;
                }));
            }
            List<Task<Void>> puts = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long base = p * 1_000_000L;
                puts.add(Coro.spawn(() -> {
                    for (int i = 0; i < each; i++) {
                        out.put(base + i); // many coroutines over one handle
                    }
                    return null;
                }));
            }
            for (Task<Void> t : puts) {
                t.join();
            }
            Map<Long, Integer> counts = new HashMap<>();
            for (Task<List<Long>> t : takers) {
                for (Long n : t.join()) {
                    counts.merge(n, 1, Integer::sum);
                }
            }
            out.close();
            return counts;
        });
        assertEquals(producers * each, seen.size(), "every message arrived");
        seen.forEach((n, c) -> assertEquals(1, c, "message " + n + " delivered " + c + " times"));
    }

    @Test
    void aPrefetchingConsumerTakesInOrderAcknowledgesInBatchesAndHandsBackWhatItReadAhead() throws Exception {
        RedisQueues q = start(false, Duration.ofSeconds(60));
        MessageQueue<Integer> producer = q.queue("batch", Codec.ints());
        for (int i = 0; i < 100; i++) {
            producer.put(i);
        }
        MessageQueue<Integer> fast = q.queue("batch", Codec.ints(), 16);
        for (int i = 0; i < 40; i++) {
            assertEquals(i, fast.get(Duration.ofSeconds(5)));
        }
        fast.close(); // 40 done (39 acknowledged by the next gets, the 40th handed back), 8 read ahead handed back
        MessageQueue<Integer> rest = q.queue("batch", Codec.ints());
        Set<Integer> got = new HashSet<>();
        Integer n;
        while ((n = rest.get(Duration.ofMillis(500))) != null) {
            assertTrue(got.add(n), "twice: " + n);
        }
        assertTrue(got.contains(39), "the unacknowledged one came back");
        for (int i = 40; i < 100; i++) {
            assertTrue(got.contains(i), i + " lost: " + got);
        }
        for (int i = 0; i < 39; i++) {
            assertTrue(!got.contains(i), i + " was acknowledged, yet delivered again");
        }
    }

    @Test
    void aConsumerThatDiesLosesNothingItsMessageIsClaimedWhenTheLeaseRunsOut() throws Exception {
        RedisQueues q = start(false, Duration.ofMillis(500));
        MessageQueue<String> producer = q.queue("tasks", Codec.strings());
        producer.put("t1");
        producer.put("t2");
        StreamQueue<String> doomed = (StreamQueue<String>) q.queue("tasks", Codec.strings());
        assertEquals("t1", doomed.get(Duration.ofSeconds(5)));
        String id = doomed.lastId();
        doomed.abandon(); // dies holding t1, unacknowledged

        MessageQueue<String> survivor = q.queue("tasks", Codec.strings());
        Map<String, String> got = new HashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            String s = survivor.get(Duration.ofSeconds(10));
            assertNotNull(s, "got " + got);
            got.put(s, survivor.lastId());
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Set.of("t1", "t2"), got.keySet());
        assertEquals(id, got.get("t1"), "redelivered with the same id");
        assertTrue(ms < 8000, "redelivery took " + ms + " ms with a 500 ms lease");
        assertNull(survivor.get(Duration.ofMillis(800)), "delivered once more than it should");
    }

    @Test
    void aSlowConsumerLosesItsLeaseAndTheResultCarriesTheIdToSpotTheDuplicate() throws Exception {
        RedisQueues q = start(false, Duration.ofMillis(300));
        MessageQueue<String> producer = q.queue("slow", Codec.strings());
        producer.put("job");
        MessageQueue<String> slow = q.queue("slow", Codec.strings());
        MessageQueue<String> fast = q.queue("slow", Codec.strings());
        assertEquals("job", slow.get(Duration.ofSeconds(5)));
        assertEquals("job", fast.get(Duration.ofSeconds(5)), "the lease ran out: another consumer took it over");
        assertEquals(slow.lastId(), fast.lastId());
        slow.ack();
        fast.ack();
        assertNull(fast.get(Duration.ofMillis(700)));
    }

    @Test
    void closingAHandleHandsItsMessageBackAtOnce() throws Exception {
        RedisQueues q = start(false, Duration.ofSeconds(60));
        MessageQueue<String> producer = q.queue("handback", Codec.strings());
        producer.put("x");
        MessageQueue<String> first = q.queue("handback", Codec.strings());
        assertEquals("x", first.get(Duration.ofSeconds(5)));
        String id = first.lastId();
        first.close();
        assertThrows(ChannelClosedException.class, () -> first.get(Duration.ofMillis(10)));
        MessageQueue<String> second = q.queue("handback", Codec.strings());
        long start = System.nanoTime();
        assertEquals("x", second.get(Duration.ofSeconds(10)));
        assertEquals(id, second.lastId());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "not the 60 s lease");
    }

    @Test
    void aMalformedEntryIsReportedAcknowledgedAndTheQueueGoesOn() throws Exception {
        RedisQueues q = start(false, Duration.ofSeconds(30));
        MessageQueue<Long> consumer = q.queue("bad", Codec.longs());
        try (Jedis j = new Jedis("127.0.0.1", redis.port)) {
            j.xadd("coro:queue:bad".getBytes(), XAddParams.xAddParams(),
                    Map.of("m".getBytes(), new byte[] {1, 2, 3}));
        }
        MessageQueue<Long> producer = q.queue("bad", Codec.longs());
        producer.put(7L);
        CodecException e = assertThrows(CodecException.class, () -> consumer.get(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("coro:queue:bad"), e.getMessage());
        assertEquals(7L, consumer.get(Duration.ofSeconds(5)));
    }

    @Test
    void nothingAcknowledgedOrPutIsLostWhenRedisRestartsWithItsAppendOnlyFile() throws Exception {
        RedisQueues q = start(true, Duration.ofSeconds(1)).reconnectFor(Duration.ofSeconds(20));
        MessageQueue<Integer> producer = q.queue("durable", Codec.ints());
        for (int i = 0; i < 20; i++) {
            producer.put(i);
        }
        MessageQueue<Integer> consumer = q.queue("durable", Codec.ints());
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < 6; i++) { // 5 acknowledged (by the next get), the 6th held across the restart
            seen.merge(consumer.get(Duration.ofSeconds(5)), 1, Integer::sum);
        }
        String held = consumer.lastId();
        redis.restart();
        for (int i = 20; i < 25; i++) {
            producer.put(i); // the handles reconnect by themselves
        }
        Integer n;
        while ((n = consumer.get(Duration.ofSeconds(3))) != null) {
            seen.merge(n, 1, Integer::sum);
        }
        assertEquals(25, seen.size(), "every message survived: " + seen);
        seen.forEach((k, c) -> assertEquals(1, c, "message " + k + " delivered " + c + " times"));
        assertNotNull(held);

        // and once more with a crash (SIGKILL): appendfsync always kept every write that returned
        for (int i = 100; i < 110; i++) {
            producer.put(i);
        }
        assertEquals(100, consumer.get(Duration.ofSeconds(5)));
        redis.crashAndRestart();
        Set<Integer> after = new HashSet<>();
        while ((n = consumer.get(Duration.ofSeconds(3))) != null) {
            after.add(n);
        }
        for (int i = 101; i < 110; i++) {
            assertTrue(after.contains(i), i + " lost in the crash: " + after);
        }
        assertTrue(!after.contains(100) || after.size() == 10, "100 was acknowledged before the crash: " + after);
    }

    @Test
    void aQueueOnAnUnreachableRedisFailsClearly() {
        RedisQueues nowhere = RedisQueues.connect("127.0.0.1", 1).reconnectFor(Duration.ofMillis(300));
        MessageQueue<String> q = nowhere.queue("x", Codec.strings());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> q.put("lost?"));
        q.close();
        assertTrue(e.getMessage().contains("127.0.0.1:1") && e.getMessage().contains("unreachable"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedisQueues.connect("no-port"));
    }
}
