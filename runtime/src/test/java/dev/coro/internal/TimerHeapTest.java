package dev.coro.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerHeapTest {

    static final class T extends TimerNode {
        final int id;
        long deadline;
        long order;

        T(int id) {
            this.id = id;
        }

        @Override
        void fire(Loop loop) {
        }
    }

    /** Deadline, then insertion order: the heap's contract. */
    private static int compare(T a, T b) {
        int c = Long.compare(a.deadline, b.deadline);
        return c != 0 ? c : Long.compare(a.order, b.order);
    }

    @Test
    void pollsInDeadlineThenInsertionOrderUnderRandomAddsRemovesAndPolls() {
        checkAgainstModel(r -> r.nextInt(50)); // few distinct deadlines: ties are common
    }

    @Test
    void timersSetMostlyInDeadlineOrderGoThroughTheRunAndStillPollInOrder() {
        long[] clock = {0};
        checkAgainstModel(r -> {
            clock[0] += r.nextInt(3); // time moves on: most timers are due after every earlier one (the run)
            return r.nextInt(8) == 0 ? clock[0] - r.nextInt(40) : clock[0] + 100; // some are not (the heap)
        });
    }

    private static void checkAgainstModel(java.util.function.ToLongFunction<Random> deadlines) {
        for (int seed = 1; seed <= 300; seed++) {
            Random r = new Random(seed);
            TimerHeap heap = new TimerHeap();
            TreeSet<T> model = new TreeSet<>(TimerHeapTest::compare);
            List<T> timers = new ArrayList<>();
            int count = seed % 3 == 0 ? 400 : 64; // enough removals to trigger compaction
            for (int i = 0; i < count; i++) {
                timers.add(new T(i));
            }
            long order = 0;
            for (int step = 0; step < 2_000; step++) {
                T t = timers.get(r.nextInt(timers.size()));
                int op = r.nextInt(10);
                if (op < 5) {
                    if (!t.isScheduled()) {
                        t.deadline = deadlines.applyAsLong(r);
                        t.order = order++;
                        heap.add(t, t.deadline);
                        model.add(t);
                    }
                } else if (op < 8) {
                    assertEquals(model.remove(t), heap.remove(t), "seed " + seed + " step " + step);
                    assertFalse(t.isScheduled());
                } else if (!model.isEmpty()) {
                    T expected = model.pollFirst();
                    assertEquals(expected.deadline, heap.nextDeadline(), "seed " + seed + " step " + step);
                    assertSame(expected, heap.poll(), "seed " + seed + " step " + step);
                    assertFalse(expected.isScheduled());
                }
                assertEquals(model.size(), heap.size());
            }
            while (!model.isEmpty()) {
                assertSame(model.pollFirst(), heap.poll(), "seed " + seed + " draining");
            }
            assertTrue(heap.isEmpty());
        }
    }

    @Test
    void deadlinesCompareByDifferenceSoTheyMayWrapAround() {
        TimerHeap heap = new TimerHeap();
        T late = new T(1);
        T early = new T(2);
        heap.add(late, Long.MIN_VALUE + 10); // System.nanoTime may wrap: later than MAX_VALUE - 10
        heap.add(early, Long.MAX_VALUE - 10);
        assertSame(early, heap.poll());
        assertSame(late, heap.poll());
    }

    @Test
    void aScheduledTimerCannotBeAddedTwice() {
        TimerHeap heap = new TimerHeap();
        T t = new T(1);
        heap.add(t, 5);
        assertThrows(IllegalStateException.class, () -> heap.add(t, 6));
        assertTrue(heap.remove(t));
        assertFalse(heap.remove(t));
    }

    @Test
    void removingMostTimersCompactsAndKeepsTheRestInOrder() {
        TimerHeap heap = new TimerHeap();
        List<T> timers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            T t = new T(i);
            timers.add(t);
            heap.add(t, (i * 37) % 100); // a permutation of 0..99
        }
        for (T t : timers) {
            if (t.id % 5 != 0) {
                assertTrue(heap.remove(t)); // 80 removals: more stale entries than live ones, so it compacts
            }
        }
        assertEquals(20, heap.size());
        for (T t : timers) {
            if (t.id % 5 == 1) {
                heap.add(t, -1); // re-added after removal: only the new entry counts
            }
        }
        long previous = Long.MIN_VALUE;
        int polled = 0;
        while (!heap.isEmpty()) {
            long d = heap.nextDeadline();
            T t = (T) heap.poll();
            assertTrue(d >= previous);
            assertTrue(t.id % 5 == 0 || (t.id % 5 == 1 && d == -1), "timer " + t.id + " at " + d);
            previous = d;
            polled++;
        }
        assertEquals(40, polled);
    }
}
