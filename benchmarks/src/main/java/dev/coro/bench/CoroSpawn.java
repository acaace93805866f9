package dev.coro.bench;

import dev.coro.Coro;
import dev.coro.Coroutine;
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
 * finishing and joining a task, and the garbage it leaves. {@code spawnJoin_dropJoined} clears each array slot once
 * joined, as a program that consumes results does: the array of the previous invocation, dead but not yet known dead
 * to G1 (a humongous object in the old generation), then no longer keeps that invocation's million tasks alive
 * through the next young collection. Peers: {@code dev.coro.bench.loom.LoomSpawn},
 * {@code dev.coro.bench.kotlin.KotlinSpawn}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CoroSpawn {

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long spawnJoin() {
        return Coro.run(() -> spawnAndJoin(false));
    }

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long spawnJoin_dropJoined() {
        return Coro.run(() -> spawnAndJoin(true));
    }

    @Coroutine
    private static long spawnAndJoin(boolean dropJoined) {
        @SuppressWarnings("unchecked")
        Task<Integer>[] tasks = new Task[SPAWNS];
        for (int i = 0; i < SPAWNS; i++) {
            int v = i;
            tasks[i] = Coro.spawn(() -> v);
        }
        long sum = 0;
        for (int i = 0; i < SPAWNS; i++) {
            sum += tasks[i].join();
            if (dropJoined) {
                tasks[i] = null;
            }
        }
        return sum;
    }
}
