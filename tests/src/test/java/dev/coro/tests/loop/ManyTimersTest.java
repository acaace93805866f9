package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.Timeout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 100,000 pending timers on one loop are normal: each fires once, never early, and closed ones never fire. */
@org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class ManyTimersTest {
    private static final int N = 100_000;

    @Test
    void aHundredThousandSleepersEachWakeOnceAndNoneBeforeItsTime() {
        long[] early = {0};
        int[] woke = new int[N];
        Coro.run(() -> {
            List<Task<Void>> all = new ArrayList<>(N);
            for (int i = 0; i < N; i++) {
                int k = i;
                long ms = 100 + (k * 7919L) % 200; // spread over 200 ms, in no particular order
                all.add(Coro.spawn(() -> {
                    long start = System.nanoTime();
                    Coro.sleep(ms);
                    if (System.nanoTime() - start < ms * 1_000_000L) {
                        early[0]++;
                    }
                    woke[k]++;
                }));
            }
            Coro.joinAll(all.toArray(new Task<?>[0]));
        });
        assertEquals(0, early[0], "sleepers woke before their time");
        for (int i = 0; i < N; i++) {
            assertEquals(1, woke[i], "sleeper " + i);
        }
    }

    @Test
    void aHundredThousandTimeoutsClosedInTimeNeverFire() {
        int expired = Coro.run(() -> {
            List<Timeout> open = new ArrayList<>(N);
            for (int i = 0; i < N; i++) {
                open.add(Timeout.after(Duration.ofMillis(1_000 + i % 500))); // opening them all takes a while
            }
            // closed out of order: every other one first, the rest from the innermost out
            for (int i = 0; i < N; i += 2) {
                open.get(i).close();
            }
            for (int i = N - 1; i >= 0; i -= 2) {
                open.get(i).close();
            }
            Coro.sleep(1_600); // past every deadline
            int n = 0;
            for (Timeout t : open) {
                n += t.expired() ? 1 : 0;
            }
            return n;
        });
        assertEquals(0, expired);
    }

    @Test
    void theOneTimeoutLeftOpenAmongAHundredThousandFires() {
        boolean[] fired = {false};
        Coro.run(() -> {
            List<Timeout> closed = new ArrayList<>(N);
            for (int i = 0; i < N; i++) {
                closed.add(Timeout.after(Duration.ofMillis(1_000)));
            }
            try (Timeout left = Timeout.after(Duration.ofMillis(1_200))) {
                for (Timeout t : closed) {
                    t.close();
                }
                try {
                    Coro.sleep(5_000);
                } catch (dev.coro.TimeoutExpiredException e) {
                    fired[0] = left.expired();
                }
                for (Timeout t : closed) {
                    assertFalse(t.expired());
                }
            }
        });
        assertTrue(fired[0], "the open timeout did not end the sleep");
    }
}
