package dev.coro.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap in use, read the same way for every peer.
 *
 * <p>Method: {@link System#gc()} (a full, compacting collection with the default G1 collector) and a reading of
 * {@link MemoryMXBean#getHeapMemoryUsage()}, repeated until two successive readings agree within 64 KiB (at least
 * three, at most ten rounds); the lowest reading is taken. Garbage can only add to a reading, so the lowest one is
 * the closest to the live set. The figure per coroutine is then (held - baseline) / count, with both readings
 * taken the same way in the same JVM, the baseline right before the coroutines are started and the second reading
 * while all of them are suspended.
 */
public final class HeapMeter {
    private HeapMeter() {
    }

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** The settled heap in use, in bytes. */
    public static long settledUsedHeap() {
        long lowest = Long.MAX_VALUE;
        long previous = -1;
        for (int round = 0; round < 10; round++) {
            System.gc();
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            lowest = Math.min(lowest, used);
            if (round >= 2 && Math.abs(used - previous) < 64 * 1024) {
                break;
            }
            previous = used;
        }
        return lowest;
    }

    /** One measurement: the readings and the figure per coroutine. */
    public static final class Result {
        public final String peer;
        public final int count;
        /** Heap in use before the coroutines were started. */
        public final long baseline;
        /** Heap in use while all of them were suspended. */
        public final long held;
        /** Heap in use after they were released and had finished: should be back near the baseline. */
        public final long released;

        public Result(String peer, int count, long baseline, long held, long released) {
            this.peer = peer;
            this.count = count;
            this.baseline = baseline;
            this.held = held;
            this.released = released;
        }

        public double bytesPerCoroutine() {
            return (held - baseline) / (double) count;
        }

        @Override
        public String toString() {
            return String.format("%-7s %,9.1f bytes per suspended coroutine (%,d held; baseline %,d, held %,d, "
                            + "after release %,d bytes)", peer, bytesPerCoroutine(), count, baseline, held,
                    released);
        }
    }
}
