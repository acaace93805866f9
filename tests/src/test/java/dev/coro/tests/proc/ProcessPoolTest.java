package dev.coro.tests.proc;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.ProcessPool;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ProcessPool with real worker JVMs. */
class ProcessPoolTest {

    @Test
    void mapReturnsResultsInTheItemsOrderFromTwoWorkers(@TempDir Path tmp) {
        try (ProcessPool pool = ProcessPool.create(2)) {
            List<Long> items = LongStream.range(0, 40).boxed().toList();
            List<Long> squares = Coro.run(() -> pool.map(PoolFunctions::square, items));
            assertEquals(items.stream().map(x -> x * x).toList(), squares);
            // two items that finish only when both run at once: two workers in parallel
            Set<Long> pids = new HashSet<>(Coro.run(() -> pool.map(PoolFunctions::meetAnother,
                    List.of(tmp.toString(), tmp.toString()))));
            assertEquals(2, pids.size(), "pids: " + pids);
            // from a plain thread, with codecs, an unbound method reference, a non-capturing lambda
            assertEquals(List.of(5, 0, 2), pool.map(String::length, List.of("hello", "", "ab"), Codec.strings(),
                    Codec.ints()));
            assertEquals(List.of(3L, 5L), pool.map((Long x) -> x + 1, List.of(2L, 4L)));
        }
    }

    @Test
    void submitJoinsFromACoroutineAndFromAThread() {
        try (ProcessPool pool = ProcessPool.create(1)) {
            Task<Long> a = pool.submit(PoolFunctions::square, 12L);
            assertEquals(144L, Coro.run(() -> a.join()));
            assertEquals(49L, pool.submit(PoolFunctions::square, 7L).join());
            Task<Long> bad = pool.submit(PoolFunctions::divide, 0L);
            ProcessPool.ItemFailedException e = assertThrows(ProcessPool.ItemFailedException.class, bad::join);
            assertTrue(e.getMessage().contains("PoolFunctions.divide") && e.getMessage().contains("ArithmeticException")
                    && e.getMessage().contains("(0)"), e.getMessage());
            assertEquals(1, e.attempts()); // an exception is an answer: not retried
            assertEquals(e, bad.exception());
        }
    }

    @Test
    void aWorkerKilledMidItemIsReplacedAndTheItemRetried(@TempDir Path tmp) throws Exception {
        try (ProcessPool pool = ProcessPool.create(2)) {
            Path marker = tmp.resolve("marker");
            Task<String> t = pool.submit(PoolFunctions::dieOnce, marker.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(marker) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long victim = Long.parseLong(Files.readString(marker));
            assertTrue(ProcessHandle.of(victim).orElseThrow().destroyForcibly());
            String result = t.join();
            assertTrue(result.startsWith("done by "), result);
            assertNotEquals(victim, Long.parseLong(result.substring("done by ".length())));
            // the pool is whole again: two workers run two items at once
            Path meet = Files.createDirectory(tmp.resolve("meet"));
            List<Long> pids = pool.map(PoolFunctions::meetAnother, List.of(meet.toString(), meet.toString()));
            assertEquals(2, new HashSet<>(pids).size(), "pids: " + pids);
            assertTrue(!pids.contains(victim), "pids: " + pids);
        }
    }

    @Test
    void anItemWhoseWorkersKeepDyingFailsAfterItsAttempts() {
        try (ProcessPool pool = ProcessPool.builder().workers(1).maxAttempts(2).build()) {
            ProcessPool.ItemFailedException e = assertThrows(ProcessPool.ItemFailedException.class,
                    () -> pool.map(PoolFunctions::alwaysDie, List.of(7L)));
            assertEquals(2, e.attempts());
            String m = e.getMessage();
            assertTrue(m.contains("item #0 (7)") && m.contains("PoolFunctions.alwaysDie")
                    && m.contains("died during each of 2 attempts") && m.contains("exit 42"), m);
            // later items still run
            assertEquals(List.of(9L), pool.map(PoolFunctions::square, List.of(3L)));
        }
    }

    @Test
    void workersThatCannotStartFailTheItemsAndThePool() {
        try (ProcessPool pool = ProcessPool.builder().workers(1).jvmOptions("-XX:+NoSuchCoroTestOption").build()) {
            Task<Long> t = pool.submit(PoolFunctions::square, 2L);
            String m = assertThrows(ProcessPool.ItemFailedException.class, t::join).getMessage();
            assertTrue(m.contains("item (2)") && m.contains("workers cannot start"), m);
            assertThrows(java.util.concurrent.RejectedExecutionException.class,
                    () -> pool.submit(PoolFunctions::square, 3L));
        }
    }

    @Test
    void capturingLambdasAndUnsendableItemsAreRefusedAtOnce() {
        try (ProcessPool pool = ProcessPool.create(1)) {
            long k = 3;
            String m = assertThrows(IllegalArgumentException.class, () -> pool.submit((Long x) -> x + k, 1L))
                    .getMessage();
            assertTrue(m.contains("captures 1 value"), m);
            List<Object> items = new ArrayList<>();
            items.add(new Object());
            String v = assertThrows(IllegalArgumentException.class, () -> pool.map(PoolFunctions::pid, items))
                    .getMessage();
            assertTrue(v.contains("item #0") && v.contains("cannot be sent to a worker process"), v);
        }
    }
}
