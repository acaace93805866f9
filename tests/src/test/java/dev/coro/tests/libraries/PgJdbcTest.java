package dev.coro.tests.libraries;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PostgreSQL JDBC driver, unmodified, run cooperatively on ONE loop thread against a real server: the agent's
 * {@code scope=org.postgresql.**} rewrites the driver, its sockets come from the patched
 * {@code SocketFactory.getDefault()}, and its connection lock (a ReentrantLock) excludes at task level.
 */
class PgJdbcTest {
    private static PostgresServer pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    /**
     * The driver connects inside PgConnection's constructor, and a constructor cannot suspend: connecting on the
     * loop thread would run pinned (and say so). So the connection is opened on the blocking pool; every query
     * after that suspends its task.
     */
    @Coroutine
    static Connection connect(String url) throws Exception {
        return Coro.blocking(() -> DriverManager.getConnection(url));
    }

    @Coroutine
    static double sleepOnce(String url) throws Exception {
        try (Connection c = connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_sleep(0.1), 1.5::float8")) {
            rs.next();
            return rs.getDouble(2);
        }
    }

    @Test
    void fiftyConnectionsSleepingOnTheServerOverlapOnOneThread() {
        String url = pg.url();
        Coro.run(() -> sleepOnce(url)); // loads and rewrites the driver's classes, outside the timed part
        long start = System.nanoTime();
        List<String> threads = new ArrayList<>();
        double sum = Coro.run(() -> {
            List<Task<Double>> tasks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                tasks.add(Coro.spawn(() -> {
                    threads.add(Thread.currentThread().getName());
                    return sleepOnce(url);
                }));
            }
            double s = 0;
            for (Task<Double> t : tasks) {
                s += t.join();
            }
            return s;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("50 JDBC connections, each SELECT pg_sleep(0.1), one loop thread: " + ms + " ms");
        assertEquals(75.0, sum);
        assertEquals(1, threads.stream().distinct().count(), "all on the loop thread");
        // one after another: 50 x 100 ms = 5 s, plus connecting
        assertTrue(ms < 2500, "the 50 queries did not overlap: " + ms + " ms");
    }

    @Test
    void aConnectionSharedByTwoTasksStaysConsistent() throws Exception {
        String url = pg.url();
        List<String> mismatches = Coro.run(() -> {
            try (Connection c = connect(url)) {
                List<Task<List<String>>> tasks = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int base = t * 1000;
                    tasks.add(Coro.spawn(() -> {
                        List<String> bad = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            try (PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(0.005), ?::int")) {
                                ps.setInt(1, base + i);
                                try (ResultSet rs = ps.executeQuery()) {
                                    rs.next();
                                    if (rs.getInt(2) != base + i) {
                                        bad.add("asked " + (base + i) + ", got " + rs.getInt(2));
                                    }
                                }
                            }
                        }
                        return bad;
                    }));
                }
                List<String> all = new ArrayList<>(tasks.get(0).join());
                all.addAll(tasks.get(1).join());
                return all;
            }
        });
        assertEquals(List.of(), mismatches);
    }
}
