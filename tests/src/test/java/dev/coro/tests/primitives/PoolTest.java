package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Pool;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/** {@link Pool}: at most n children at once, spawn suspends while full, map keeps the items' order. */
class PoolTest extends PrimitiveTest {

    @Test
    void neverRunsMoreThanItsSizeAtOnce() {
        int[] peakAndDone = Coro.run(() -> {
            AtomicInteger active = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            try (Pool pool = Pool.open(3)) {
                assertEquals(3, pool.size());
                for (int i = 0; i < 12; i++) {
                    int id = i;
                    pool.spawn(() -> {
                        peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                        Coro.sleep(5 + id % 3 * 5);
                        active.decrementAndGet();
                        done.incrementAndGet();
                        return id;
                    });
                }
            }
            return new int[] {peak.get(), done.get()};
        });
        assertEquals(3, peakAndDone[0], "the pool's concurrency");
        assertEquals(12, peakAndDone[1]);
    }

    @Test
    void spawnSuspendsWhileThePoolIsFull() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Pool pool = Pool.open(2)) {
                for (int i = 0; i < 4; i++) {
                    int id = i;
                    pool.spawn(() -> {
                        Coro.sleep(15 + 15L * id); // distinct ends: 0 at 15 ms, 1 at 30, 2 at 60, 3 at 90
                        l.add("done " + id);
                        return null;
                    });
                    l.add("spawned " + id);
                }
            }
            return l;
        });
        // the third spawn waits for a free slot: the first child to finish
        assertEquals(List.of("spawned 0", "spawned 1", "done 0", "spawned 2", "done 1", "spawned 3", "done 2",
                "done 3"), log);
    }

    @Test
    void mapReturnsResultsInTheItemsOrderAndOverlapsThem() {
        long[] ms = new long[1];
        List<String> r = Coro.run(() -> {
            try (Pool pool = Pool.open(4)) {
                List<Integer> items = List.of(8, 7, 6, 5, 4, 3, 2, 1);
                long start = System.nanoTime();
                List<String> out = pool.map(n -> {
                    Coro.sleep(10L * n); // later items finish first
                    return "item " + n;
                }, items);
                ms[0] = msSince(start);
                return out;
            }
        });
        assertEquals(List.of("item 8", "item 7", "item 6", "item 5", "item 4", "item 3", "item 2", "item 1"), r);
        // one after another: 360 ms; four at a time: about 120 ms
        assertTrue(ms[0] < 0.7 * 360, "map did not overlap the calls: " + ms[0] + " ms");
    }

    @Test
    void mapRespectsTheSizeAndItsFirstFailureIsThrown() {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        List<Integer> startedAfterTheFailure = new ArrayList<>();
        boolean[] failed = {false};
        IllegalStateException boom = new IllegalStateException("item 5");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            Pool pool = Pool.open(2); // not try-with-resources: see mapFailureInTryWithResourcesIsThrownAsItIs
            try {
                List<Integer> items = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    items.add(i);
                }
                pool.map(n -> {
                    if (failed[0]) {
                        startedAfterTheFailure.add(n);
                    }
                    peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                    try {
                        Coro.sleep(5);
                        if (n == 5) {
                            failed[0] = true;
                            throw boom;
                        }
                        return n;
                    } finally {
                        active.decrementAndGet();
                    }
                }, items);
            } finally {
                pool.close();
            }
        }));
        assertSame(boom, e);
        assertTrue(peak.get() <= 2, "map ran " + peak.get() + " at once in a pool of 2");
        assertEquals(List.of(), startedAfterTheFailure, "map went on starting items after the first failure");
    }

    @Test
    void mapFailureInTryWithResourcesIsThrownAsItIs() {
        // the Javadoc's idiom: map rethrows the item's failure, then close() throws the group's first failure
        IllegalStateException boom = new IllegalStateException("item 1");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            try (Pool pool = Pool.open(2)) {
                return pool.map(n -> {
                    Coro.yield();
                    if (n == 1) {
                        throw boom;
                    }
                    return n;
                }, List.of(0, 1, 2));
            }
        }));
        assertSame(boom, e);
    }

    @Test
    void aPoolOfZeroIsRefused() {
        Coro.run(() -> {
            assertThrows(IllegalArgumentException.class, () -> Pool.open(0));
        });
    }

    @Test
    void closeWaitsForTheRunningChildren() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<?>[] t = new Task<?>[1];
            try (Pool pool = Pool.open(5)) {
                t[0] = pool.spawn(() -> {
                    Coro.sleep(30);
                    l.add("child");
                    return null;
                });
            }
            l.add("closed, child done: " + t[0].isDone());
            return l;
        });
        assertEquals(List.of("child", "closed, child done: true"), log);
    }

    /**
     * A full pool of one; another task's {@code pool.spawn} waits for the slot and gives up as {@code giveUp} makes it
     * (it gets the waiting task); then a third spawn. What ran, in order.
     */
    private static List<String> spawnGivenUpWhileFull(java.util.function.Consumer<Task<?>> giveUp, boolean timeout) {
        return Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Pool pool = Pool.open(1)) {
                pool.spawn(() -> {
                    Coro.sleep(30);
                    return l.add("first");
                });
                Task<Task<Boolean>> waiting = Coro.spawn(() -> {
                    if (!timeout) {
                        return pool.spawn(() -> l.add("given-up one"));
                    }
                    try (Timeout t = Timeout.after(Duration.ofMillis(10))) {
                        return pool.spawn(() -> l.add("given-up one"));
                    }
                });
                yields(2);
                giveUp.accept(waiting);
                Class<? extends RuntimeException> expected =
                        timeout ? TimeoutExpiredException.class : CancellationException.class;
                thrownBy(expected, () -> waiting.join());
                pool.spawn(() -> l.add("third")).join();
            }
            return l;
        });
    }

    @Test
    void aSpawnCancelledWhileThePoolIsFullNeverRunsItsBodyNorKeepsASlot() {
        assertEquals(List.of("first", "third"), spawnGivenUpWhileFull(Task::cancel, false));
    }

    @Test
    void aSpawnThatTimesOutWhileThePoolIsFullNeverRunsItsBodyNorKeepsASlot() {
        assertEquals(List.of("first", "third"), spawnGivenUpWhileFull(waiting -> { }, true));
    }
}
