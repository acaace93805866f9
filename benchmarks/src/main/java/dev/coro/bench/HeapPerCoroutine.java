package dev.coro.bench;

import dev.coro.bench.kotlin.KotlinHeap;
import dev.coro.bench.loom.LoomHeap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Benchmark 3 without JMH: prints the heap retained per coroutine suspended {@link Shape#DEPTH} frames deep, for
 * coro, Loom and Kotlin, using the same measurement as the JMH heap benchmarks ({@link CoroHeap},
 * {@link LoomHeap}, {@link KotlinHeap}; the method is described in {@link HeapMeter}).
 *
 * <pre>
 * java -javaagent:../agent/target/coro-agent.jar -Djdk.virtualThreadScheduler.parallelism=1 \
 *      -Djdk.virtualThreadScheduler.maxPoolSize=1 -cp target/benchmarks.jar dev.coro.bench.HeapPerCoroutine \
 *      [count] [coro] [loom] [kotlin]
 * </pre>
 * (run.sh --heap does this.) Each peer is measured {@code REPEATS} times in a row and the median is printed with
 * the single readings. All peers share one JVM here, one after the other; the JMH benchmarks give each its own.
 */
public final class HeapPerCoroutine {
    private static final int REPEATS = 5;

    private HeapPerCoroutine() {
    }

    public static void main(String[] args) {
        int count = Shape.HEAP_COUNT;
        List<String> peers = new ArrayList<>();
        for (String a : args) {
            if (a.matches("\\d+")) {
                count = Integer.parseInt(a);
            } else {
                peers.add(a);
            }
        }
        if (peers.isEmpty()) {
            peers.addAll(Arrays.asList("coro", "loom", "kotlin"));
        }
        System.out.printf("heap per coroutine suspended %d frames deep, %,d at once, median of %d; java %s%n",
                Shape.DEPTH, count, REPEATS, System.getProperty("java.version"));
        for (String peer : peers) {
            double[] figures = new double[REPEATS];
            HeapMeter.Result last = null;
            try {
                for (int i = 0; i < REPEATS; i++) {
                    last = measure(peer, count);
                    figures[i] = last.bytesPerCoroutine();
                }
            } catch (Throwable t) {
                System.out.printf("%-7s FAILED: %s%n", peer, t);
                t.printStackTrace(System.out);
                continue;
            }
            double[] sorted = figures.clone();
            Arrays.sort(sorted);
            StringBuilder each = new StringBuilder();
            for (double f : figures) {
                each.append(each.length() == 0 ? "" : ", ").append(String.format("%.1f", f));
            }
            System.out.printf("%-7s %,9.1f bytes (readings: %s); last: %s%n", peer, sorted[REPEATS / 2], each, last);
        }
    }

    private static HeapMeter.Result measure(String peer, int count) {
        switch (peer) {
            case "coro":
                return CoroHeap.measure(count);
            case "loom":
                return LoomHeap.measure(count);
            case "kotlin":
                return KotlinHeap.measure(count);
            default:
                throw new IllegalArgumentException("unknown peer " + peer + " (coro, loom, kotlin)");
        }
    }
}
