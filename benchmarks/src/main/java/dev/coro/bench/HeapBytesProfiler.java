package dev.coro.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.Collection;
import java.util.Collections;

/**
 * Reports the figure of the heap benchmarks ({@code *Heap.held_depth10}) as a JMH secondary result,
 * {@code <benchmark>:bytesPerCoroutine} in bytes, averaged over the measurement iterations with its error.
 * Other benchmarks report nothing through it.
 *
 * <p>Why a profiler: JMH's {@code @AuxCounters} would do, but it adds its EVENTS counters up across iterations
 * (they are totals by design), so a per-coroutine figure would come out multiplied by the iteration count. A
 * profiler's result can be averaged. Enable it with {@code -prof dev.coro.bench.HeapBytesProfiler}; run.sh always
 * does.
 */
public final class HeapBytesProfiler implements InternalProfiler {
    private static volatile double last = Double.NaN;

    public HeapBytesProfiler() {
    }

    /** Called by a heap benchmark with the figure of its invocation (one per iteration: they are single-shot). */
    public static void record(double bytesPerCoroutine) {
        last = bytesPerCoroutine;
    }

    @Override
    public String getDescription() {
        return "bytes per suspended coroutine, from the coro/Loom/Kotlin heap benchmarks";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        last = Double.NaN;
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        double v = last;
        if (Double.isNaN(v)) {
            return Collections.emptyList();
        }
        return Collections.singletonList(new ScalarResult("bytesPerCoroutine", v, "B", AggregationPolicy.AVG));
    }
}
