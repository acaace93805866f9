package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.SPAWNS;

/**
 * Spawn and complete, coro: µs per task. One coroutine spawns {@link Shape#SPAWNS} trivial tasks on its loop (each
 * returns its index), then joins them all in order and adds up the results. The tasks run when the spawner first
 * suspends (its first join), so all of them exist at once, as with the peers: the cost covers creating, running,
 * finishing and joining a task, and the garbage it leaves. Peers: {@code dev.coro.bench.loom.LoomSpawn},
 * {@code dev.coro.bench.kotlin.KotlinSpawn}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CoroSpawn {

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long spawnJoin() {
        return Coro.run(() -> {
            @SuppressWarnings("unchecked")
            Task<Integer>[] tasks = new Task[SPAWNS];
            for (int i = 0; i < SPAWNS; i++) {
                int v = i;
                tasks[i] = Coro.spawn(() -> v);
            }
            long sum = 0;
            for (Task<Integer> t : tasks) {
                sum += t.join();
            }
            return sum;
        });
    }
}
