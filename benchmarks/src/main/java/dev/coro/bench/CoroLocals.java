package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.CoroutineLocal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Benchmark 10, coro: ns per {@code get()} + {@code set()} of a local, {@link #OPS} pairs per invocation.
 *
 * <ul>
 *   <li>{@code threadLocal_inTask}: a {@code ThreadLocal} in a coroutine; the agent's patch group {@code locals}
 *       gives each task its own value (a per-task map).</li>
 *   <li>{@code threadLocal_plainThread}: the same calls, patched the same way, on the JMH thread, outside any task:
 *       what the patch costs code that never runs in a task (a look for the current task, then the JDK's).</li>
 *   <li>{@code coroutineLocal_inTask}: coro's own {@link CoroutineLocal}, for comparison.</li>
 * </ul>
 * Peer: {@code dev.coro.bench.loom.LoomLocals}, a {@code ThreadLocal} in a virtual thread. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroLocals {
    static final int OPS = 10_000;

    private final ThreadLocal<Integer> threadLocal = ThreadLocal.withInitial(() -> 0);
    private final CoroutineLocal<Integer> coroutineLocal = CoroutineLocal.withInitial(() -> 0);

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int threadLocal_inTask() {
        return Coro.run(() -> {
            for (int i = 0; i < OPS; i++) {
                threadLocal.set(threadLocal.get() + i);
            }
            return threadLocal.get();
        });
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int threadLocal_plainThread() {
        threadLocal.remove();
        for (int i = 0; i < OPS; i++) {
            threadLocal.set(threadLocal.get() + i);
        }
        return threadLocal.get();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int coroutineLocal_inTask() {
        return Coro.run(() -> {
            for (int i = 0; i < OPS; i++) {
                coroutineLocal.set(coroutineLocal.get() + i);
            }
            return coroutineLocal.get();
        });
    }
}
