package dev.coro.tests.libraries;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JedisPool, unmodified: its connection pool (commons-pool2) waits for a free connection on a ReentrantLock's
 * Condition. With the agent's scope covering commons-pool2, that wait suspends the borrowing task (patch group
 * sync), so forty tasks share four connections on ONE loop thread. Without it, the fifth borrower would block the
 * loop thread and the four holders could never give their connections back.
 */
class JedisPoolTest {
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
    void fortyTasksShareFourPooledConnectionsOnOneThread() {
        JedisPoolConfig config = new JedisPoolConfig();
        config.setMaxTotal(4);
        config.setMaxIdle(4);
        config.setMaxWait(Duration.ofSeconds(20));
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        long ms;
        try (JedisPool pool = new JedisPool(config, "127.0.0.1", redis.port)) {
            Coro.run(() -> { // loads and rewrites the Jedis and pool classes, outside the timed part
                try (Jedis jedis = pool.getResource()) {
                    jedis.ping();
                }
            });
            long start = System.nanoTime();
            int done = Coro.run(() -> {
                List<Task<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String key = "coro:pool:" + i;
                    tasks.add(Coro.spawn(() -> {
                        try (Jedis jedis = pool.getResource()) {
                            most.accumulateAndGet(inUse.incrementAndGet(), Math::max);
                            jedis.blpop(0.05, key + ":empty"); // the server answers nil after 50 ms
                            jedis.set(key, "v");
                            int ok = "v".equals(jedis.get(key)) ? 1 : 0;
                            inUse.decrementAndGet();
                            return ok;
                        }
                    }));
                }
                int sum = 0;
                for (Task<Integer> t : tasks) {
                    sum += t.join();
                }
                return sum;
            });
            ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(40, done);
            assertEquals(0, pool.getNumActive(), "every connection went back");
        }
        System.out.println("40 tasks over a JedisPool of 4, one loop thread: " + ms + " ms");
        assertEquals(4, most.get(), "four connections in use at once, never more");
        // ten rounds of 50 ms at four at a time: about 0.5 s; one at a time it would be 2 s
        assertTrue(ms < 1800, "the pooled tasks did not overlap: " + ms + " ms");
    }
}
