package dev.coro.bench.kotlin

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
 * Benchmark 4, Kotlin peer: a [DEPTH]-deep chain of `suspend fun` calls that never suspends, called
 * [CHAIN_CALLS] times inside `runBlocking`; score: ns per whole chain call. Each level that calls another
 * suspend function (not as a tail call) allocates its continuation object even when nothing suspends: that is
 * the cost measured. `plainChain_inCoroutine` is the same chain as plain functions in the same coroutine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
open class KotlinChain {

    /** Read from a field so the JIT cannot fold the chain into a constant. */
    @JvmField
    var seed = 17

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    fun suspendChain_inCoroutine(): Int {
        val x = seed
        return runBlocking {
            var sum = 0
            for (i in 0 until CHAIN_CALLS) {
                sum += suspendChain(DEPTH, x + i)
            }
            sum
        }
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    fun plainChain_inCoroutine(): Int {
        val x = seed
        return runBlocking {
            var sum = 0
            for (i in 0 until CHAIN_CALLS) {
                sum += plainChain(DEPTH, x + i)
            }
            sum
        }
    }
    @Benchmark
    @OperationsPerInvocation(CHAIN_CALLS)
    fun suspendChainDistinct_inCoroutine(): Int {
        val x = seed
        return runBlocking {
            var sum = 0
            for (i in 0 until CHAIN_CALLS) {
                sum += s10(x + i)
            }
            sum
        }
    }
}

/** [frames] nested suspend calls (this one included) that never suspend. */
suspend fun suspendChain(frames: Int, x: Int): Int {
    if (frames == 1) {
        return x * 31 + 7
    }
    return suspendChain(frames - 1, x + 1) + 1
}

/** The same chain, plain. */
fun plainChain(frames: Int, x: Int): Int {
    if (frames == 1) {
        return x * 31 + 7
    }
    return plainChain(frames - 1, x + 1) + 1
}

/** The same ten distinct functions as coro's `c10` ... `c1`, as suspend functions that never suspend. */
suspend fun s10(x: Int): Int = s9(x + 1) + 1

suspend fun s9(x: Int): Int = s8(x + 1) + 1

suspend fun s8(x: Int): Int = s7(x + 1) + 1

suspend fun s7(x: Int): Int = s6(x + 1) + 1

suspend fun s6(x: Int): Int = s5(x + 1) + 1

suspend fun s5(x: Int): Int = s4(x + 1) + 1

suspend fun s4(x: Int): Int = s3(x + 1) + 1

suspend fun s3(x: Int): Int = s2(x + 1) + 1

suspend fun s2(x: Int): Int = s1(x + 1) + 1

suspend fun s1(x: Int): Int = x * 31 + 7
