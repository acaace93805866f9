package dev.coro.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reports the figure of the heap benchmarks ({@code *Heap.held_depth10}) as a JMH secondary result,
 * {@code <benchmark>:bytesPerCoroutine} in bytes, averaged over the measurement iterations with its error.
 * Other benchmarks may report named figures with {@link #record(String, double, String)} (the echo server's memory
 * per idle connection, {@code :heapBytesPerConnection} and {@code :rssBytesPerConnection}, and its CPU time per
 * request, {@code :serverCpuPerRequest}); the rest report nothing.
 *
 * <p>Why a profiler: JMH's {@code @AuxCounters} would do, but it adds its EVENTS counters up across iterations
 * (they are totals by design), so a per-coroutine figure would come out multiplied by the iteration count. A
 * profiler's result can be averaged. Enable it with {@code -prof dev.coro.bench.HeapBytesProfiler}; run.sh always
 * does.
 */
public final class HeapBytesProfiler implements InternalProfiler {
    private static volatile double last = Double.NaN;
    private static final Map<String, Result> named = new TreeMap<>();

    public HeapBytesProfiler() {
    }

    /** Called by a heap benchmark with the figure of its invocation (one per iteration: they are single-shot). */
    public static void record(double bytesPerCoroutine) {
        last = bytesPerCoroutine;
    }

    /** Called by a benchmark with a figure in bytes of its own name, reported as {@code <benchmark>:<name>}. */
    public static void record(String name, double bytes) {
        record(name, bytes, "B");
    }

    /** The same with another unit (the echo servers' CPU time per request, {@code :serverCpuPerRequest}, ns). */
    public static void record(String name, double value, String unit) {
        synchronized (named) {
            named.put(name, new ScalarResult(name, value, unit, AggregationPolicy.AVG));
        }
    }

    @Override
    public String getDescription() {
        return "bytes per suspended coroutine, from the coro/Loom/Kotlin heap benchmarks";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        last = Double.NaN;
        synchronized (named) {
            named.clear();
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        List<Result> results = new ArrayList<>();
        double v = last;
        if (!Double.isNaN(v)) {
            results.add(new ScalarResult("bytesPerCoroutine", v, "B", AggregationPolicy.AVG));
        }
        synchronized (named) {
            results.addAll(named.values());
        }
        return results;
    }
}
