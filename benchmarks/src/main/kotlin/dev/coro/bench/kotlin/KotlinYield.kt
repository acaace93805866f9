package dev.coro.bench.kotlin

import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OperationsPerInvocation
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.State
import java.util.concurrent.TimeUnit

/**
 * Benchmarks 1 and 2, Kotlin peer: ns per `yield()` + resume of a coroutine, 1 or 10 frames deep, all on the one
 * thread that calls `runBlocking` (its event loop). Same shape as `dev.coro.bench.CoroYield`:
 *
 * - `solo_*`: one coroutine yields [YIELDS] times. In `runBlocking` `yield()` always dispatches (suspends, goes
 *   through the event loop's queue, is resumed) even with nobody else ready.
 * - `pingPong_*`: two coroutines (the `runBlocking` block and one `async`) yield `YIELDS / 2` times each, so every
 *   yield switches to the other.
 *
 * The class is `open` because JMH subclasses its state classes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
open class KotlinYield {

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    fun solo_depth1(): Int = runBlocking {
        var sum = 0
        for (i in 0 until YIELDS) {
            yield()
            sum += i
        }
        sum
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    fun solo_depth10(): Int = runBlocking { yieldAt(DEPTH - 1, YIELDS) }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    fun pingPong_depth1(): Int = runBlocking {
        val other = async {
            var sum = 0
            for (i in 0 until YIELDS / 2) {
                yield()
                sum += i
            }
            sum
        }
        var sum = 0
        for (i in 0 until YIELDS / 2) {
            yield()
            sum += i
        }
        sum + other.await()
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    fun pingPong_depth10(): Int = runBlocking {
        val other = async { yieldAt(DEPTH - 1, YIELDS / 2) }
        yieldAt(DEPTH - 1, YIELDS / 2) + other.await()
    }
}

/**
 * [frames] nested suspend frames (this one included); the innermost yields [n] times. Not a tail call, so every
 * level really is a frame with its own continuation, as in the coro and Loom versions.
 */
suspend fun yieldAt(frames: Int, n: Int): Int {
    if (frames == 1) {
        var sum = 0
        for (i in 0 until n) {
            yield()
            sum += i
        }
        return sum
    }
    return yieldAt(frames - 1, n) + 1
}
