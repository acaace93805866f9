package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coroutine that computes without suspending is preempted at its loop heads once it has kept the loop for a
 * time slice (10 ms by default), so others run, and cancels and timeouts reach it.
 */
class PreemptionTest {

    /** Computes for about {@code ms} without a single suspension point of its own. */
    @Coroutine
    static long compute(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += x * 31 + 7;
        }
        return x;
    }

    @Coroutine
    static long computeForever() {
        long x = 0;
        for (;;) {
            x += x * 31 + 7;
            if (x == 42) {
                return x; // never: keeps the loop alive for the JIT
            }
        }
    }

    @Test
    void aComputingCoroutineLetsASleeperTickWhileItComputes() {
        long[] ticksBeforeDone = {-1};
        int[] ticks = {0};
        Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(() -> compute(1_000));
            Coro.spawn(() -> {
                for (int i = 0; i < 10; i++) {
                    Coro.sleep(5);
                    ticks[0]++;
                }
            });
            cpu.join();
            ticksBeforeDone[0] = ticks[0];
        });
        // without preemption the ticker could not run at all until the second of computing was over
        assertEquals(10, ticksBeforeDone[0], "the sleeper ticked only " + ticksBeforeDone[0] + " times");
    }

    @Test
    void cancelReachesACoroutineThatNeverSuspends() {
        long start = System.nanoTime();
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(PreemptionTest::computeForever);
            Coro.sleep(50);
            cpu.cancel();
            return cpu.join();
        }));
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "the cancel did not reach the computing loop");
    }

    @Test
    void aTimeoutReachesACoroutineThatNeverSuspends() {
        TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                () -> Coro.run(() -> Coro.withTimeout(Duration.ofMillis(50), PreemptionTest::computeForever)));
        assertEquals(Duration.ofMillis(50), e.duration());
    }
}
