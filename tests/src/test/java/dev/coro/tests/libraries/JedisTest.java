package dev.coro.tests.libraries;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jedis, unmodified, run cooperatively: the agent's {@code scope=redis.clients.jedis.**} makes every Jedis method a
 * coroutine, and its sockets are coro's. On ONE loop thread, against a real redis-server.
 */
class JedisTest {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aHundredBlockingPopsWithServerSideTimeoutsOverlapOnOneThread() {
        long start = System.nanoTime();
        List<Object> results = Coro.run(() -> {
            List<Task<Object>> tasks = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String key = "coro:empty:" + i;
                tasks.add(Coro.spawn(() -> {
                    try (Jedis jedis = new Jedis("127.0.0.1", redis.port)) {
                        return jedis.blpop(0.1, key); // the server answers nil after 100 ms
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Task<Object> t : tasks) {
                out.add(t.join());
            }
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("100 Jedis BLPOPs with a 100 ms server-side timeout, on one loop thread: " + ms + " ms");
        assertEquals(100, results.size());
        results.forEach(r -> assertNull(r, "every key was empty"));
        // one after another: 100 x 100 ms = 10 s
        assertTrue(ms < 3000, "the 100 BLPOPs did not overlap: " + ms + " ms");
    }

    @Test
    void aBlockingPopIsWokenByAPushFromAnotherCoroutineOfTheSameLoop() {
        String got = Coro.run(() -> {
            Task<List<String>> popper = Coro.spawn(() -> {
                try (Jedis jedis = new Jedis("127.0.0.1", redis.port)) {
                    return jedis.blpop(5, "coro:handoff");
                }
            });
            Thread.sleep(50); // the popper is waiting on the server now, and the loop is free
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port)) {
                jedis.rpush("coro:handoff", "hello");
            }
            return String.join("=", popper.join());
        });
        assertEquals("coro:handoff=hello", got);
    }
}
