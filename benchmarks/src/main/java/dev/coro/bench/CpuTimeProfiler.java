package dev.coro.bench;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.Collections;

/**
 * Reports, for the AverageTime benchmarks, the CPU time the benchmark JVM used per operation, as the secondary
 * result {@code <benchmark>:cpu} in ns/op: the process CPU time (all its threads: the benchmark thread, a virtual
 * thread's carrier, GC and JIT threads) consumed during the iteration, divided by the operations the iteration
 * ran.
 *
 * <p>Why: the primary score is wall-clock time, which on a small machine shared with other work (2 cores, other
 * builds running) grows whenever the benchmark's threads are not scheduled. CPU time does not count that, so it
 * stays much closer to the figure of a quiet machine (cache and memory-bandwidth interference still show). On a
 * quiet machine the two agree within a few percent for the single-threaded peers here. Resolution: the
 * process CPU clock of {@code com.sun.management.OperatingSystemMXBean}, 10 ms on Linux: 1% of a 1 s iteration.
 * Enable with {@code -prof dev.coro.bench.CpuTimeProfiler}; run.sh always does.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long startCpu;

    public CpuTimeProfiler() {
    }

    @Override
    public String getDescription() {
        return "process CPU time per operation (AverageTime benchmarks)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startCpu = OS.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        long cpu = OS.getProcessCpuTime() - startCpu;
        long ops = result.getMetadata().getAllOps();
        if (benchmarkParams.getMode() != Mode.AverageTime || ops <= 0 || startCpu < 0) {
            return Collections.emptyList();
        }
        return Collections.singletonList(new ScalarResult("cpu", cpu / (double) ops, "ns/op",
                AggregationPolicy.AVG));
    }
}
