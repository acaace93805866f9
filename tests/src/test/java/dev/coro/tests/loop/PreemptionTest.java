package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Coroutine
    static long computeForeverThenCleanUp(boolean[] cleaned) {
        long x = 0;
        try {
            for (;;) {
                x += x * 31 + 7;
                if (x == 42) {
                    return x; // never
                }
            }
        } finally {
            cleaned[0] = true;
        }
    }

    /** The cancel arrives where the loop resumes after a preemption: inside its try block, so finally runs. */
    @Test
    void aCancelledComputingLoopRunsItsFinallyBlock() {
        boolean[] cleaned = {false};
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(() -> computeForeverThenCleanUp(cleaned));
            Coro.sleep(50);
            cpu.cancel();
            return cpu.join();
        }));
        assertTrue(cleaned[0], "the computing loop's finally block did not run");
    }

    @Test
    void aTimeoutReachesACoroutineThatNeverSuspends() {
        TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                () -> Coro.run(() -> Coro.withTimeout(Duration.ofMillis(50), PreemptionTest::computeForever)));
        assertEquals(Duration.ofMillis(50), e.duration());
    }

    /**
     * Frames that cannot unwind (here a plain {@code LongSupplier} between the task and the loop) cannot yield, but
     * its check still throws the task's expired timeout: no timer could deliver it while the loop computes.
     */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTimeoutReachesALoopInFramesThatCannotYield() {
        java.util.function.LongSupplier plain = PreemptionTest::computeForever;
        TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                () -> Coro.run(() -> Coro.withTimeout(Duration.ofMillis(30), () -> plain.getAsLong())));
        assertEquals(Duration.ofMillis(30), e.duration());
    }

    /** Of two timeouts around such frames, the one that is due fires, not the innermost. */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theDueOfNestedTimeoutsReachesALoopInFramesThatCannotYield() {
        java.util.function.LongSupplier plain = PreemptionTest::computeForever;
        TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                () -> Coro.run(() -> Coro.withTimeout(Duration.ofMillis(30),
                        () -> Coro.withTimeout(Duration.ofSeconds(30), () -> plain.getAsLong()))));
        assertEquals(Duration.ofMillis(30), e.duration());
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCancelFromAnotherThreadReachesALoopInFramesThatCannotYield() {
        java.util.function.LongSupplier plain = PreemptionTest::computeForever;
        boolean[] cleaned = {false};
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(() -> {
                try {
                    return plain.getAsLong();
                } finally {
                    cleaned[0] = true;
                }
            });
            cancelFromAnotherThread(cpu, 30);
            return cpu.join();
        }));
        assertTrue(cleaned[0], "the cancelled task's finally block did not run");
    }

    /** A generator whose body computes forever between two items it never emits. */
    static Iterable<Long> computingGenerator() {
        return Coro.generator(out -> {
            long x = 0;
            for (;;) {
                x += x * 31 + 7;
                if (x == 42) {
                    out.emit(x); // never
                }
            }
        });
    }

    /** The body runs on the consuming task's behalf, behind a plain {@code Iterator.next()}: it cannot yield either. */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTimeoutReachesAGeneratorBodyThatComputes() {
        TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                () -> Coro.run(() -> Coro.withTimeout(Duration.ofMillis(30), () -> {
                    long sum = 0;
                    for (long v : computingGenerator()) {
                        sum += v;
                    }
                    return sum;
                })));
        assertEquals(Duration.ofMillis(30), e.duration());
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCancelFromAnotherThreadReachesAGeneratorBodyThatComputes() {
        assertThrows(CancellationException.class, () -> Coro.run(() -> {
            Task<Long> consumer = Coro.spawn(() -> computingGenerator().iterator().next());
            cancelFromAnotherThread(consumer, 30);
            return consumer.join();
        }));
    }

    private static void cancelFromAnotherThread(Task<?> task, long afterMs) {
        Thread canceller = new Thread(() -> {
            try {
                Thread.sleep(afterMs);
            } catch (InterruptedException ignored) {
                // cancel at once
            }
            task.cancel();
        }, "canceller");
        canceller.start();
    }

    /** Nested loops over long, double and int locals; the inner one runs under a pending operand (a + switch). */
    @Coroutine
    static long mixedLoops(int n, long a) {
        long total = 0;
        double d = 0.5;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                total += ((long) i * j) ^ (total >>> 3);
                d += j * 0.25;
            }
        }
        long pending = a + switch ((int) (total & 1)) {
            case 0 -> {
                long s = 0;
                for (int k = 0; k < n * 50; k++) {
                    s += k ^ (s << 1);
                }
                yield s;
            }
            default -> {
                long s = 1;
                for (int k = 0; k < n * 50; k++) {
                    s -= k ^ (s >>> 1);
                }
                yield s;
            }
        };
        return total + (long) d + pending;
    }

    /** The same code, never rewritten: the reference result. */
    static long mixedLoopsPlain(int n, long a) {
        long total = 0;
        double d = 0.5;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                total += ((long) i * j) ^ (total >>> 3);
                d += j * 0.25;
            }
        }
        long pending = a + switch ((int) (total & 1)) {
            case 0 -> {
                long s = 0;
                for (int k = 0; k < n * 50; k++) {
                    s += k ^ (s << 1);
                }
                yield s;
            }
            default -> {
                long s = 1;
                for (int k = 0; k < n * 50; k++) {
                    s -= k ^ (s >>> 1);
                }
                yield s;
            }
        };
        return total + (long) d + pending;
    }

    /** Each preemption resumes through its loop head: locals and pending operands must come back intact. */
    @Test
    void aLoopPreemptedManyTimesComputesWhatThePlainLoopComputes() {
        int n = 12_000;
        long expected = mixedLoopsPlain(n, 99);
        int[] ticks = {0};
        long got = Coro.run(() -> {
            Task<Long> cpu = Coro.spawn(() -> mixedLoops(n, 99));
            Coro.spawn(() -> {
                while (!cpu.isDone()) {
                    ticks[0]++;
                    Coro.yield();
                }
            });
            return cpu.join();
        });
        assertEquals(expected, got);
        assertTrue(ticks[0] > 2, "the computing loop was not preempted (" + ticks[0] + " turns of the other task)");
    }
}
