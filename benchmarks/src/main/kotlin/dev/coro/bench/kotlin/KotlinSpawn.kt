package dev.coro.bench.kotlin

import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OperationsPerInvocation
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.State
import java.util.concurrent.TimeUnit

/**
 * Spawn and complete, Kotlin peer: µs per coroutine. Same shape as `dev.coro.bench.CoroSpawn`: inside `runBlocking`
 * the block starts [SPAWNS] trivial `async { i }` coroutines, then awaits them all in order and adds up the
 * results. They run on the event loop when the block first suspends (its first `await`).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
open class KotlinSpawn {

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    fun asyncAwait(): Long = asyncAndAwait(false)

    /** As `CoroSpawn.spawnJoin_dropJoined`: each slot cleared once awaited. */
    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    fun asyncAwait_dropJoined(): Long = asyncAndAwait(true)

    private fun asyncAndAwait(dropJoined: Boolean): Long = runBlocking {
        val tasks = arrayOfNulls<Deferred<Int>>(SPAWNS)
        for (i in 0 until SPAWNS) {
            tasks[i] = async { i }
        }
        var sum = 0L
        for (i in 0 until SPAWNS) {
            sum += tasks[i]!!.await()
            if (dropJoined) {
                tasks[i] = null
            }
        }
        sum
    }
}
