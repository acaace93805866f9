package dev.coro.bench.kotlin

import dev.coro.bench.HeapBytesProfiler
import dev.coro.bench.HeapMeter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.State
import java.util.concurrent.TimeUnit

/**
 * Many sleepers, Kotlin peer: [SLEEPERS] coroutines in `runBlocking` (one thread) each `delay([SLEEP_MS])`
 * [SLEEPS] times. Same shape as `dev.coro.bench.CoroSleep`: the block launches them all and joins them all.
 *
 * - `sleepers_wall`: SingleShotTime of one whole round.
 * - `sleepers_heap`: `:bytesPerCoroutine`: a first round in which each sleeps once, the baseline, then a full round
 *   read once every coroutine has begun its first delay (on the event-loop thread, so they wait meanwhile).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
open class KotlinSleep {

    @Benchmark
    fun sleepers_wall(): Long = runBlocking { round(arrayOfNulls(SLEEPERS), SLEEPS, false) }

    @Benchmark
    fun sleepers_heap(): Double {
        val r = runBlocking {
            val jobs = arrayOfNulls<Job>(SLEEPERS)
            round(jobs, 1, false)
            jobs.fill(null)
            val baseline = HeapMeter.settledUsedHeap()
            val held = round(jobs, SLEEPS, true)
            jobs.fill(null)
            val released = HeapMeter.settledUsedHeap()
            HeapMeter.Result("kotlin", SLEEPERS, baseline, held, released)
        }
        val bytes = r.bytesPerCoroutine()
        HeapBytesProfiler.record(bytes)
        return bytes
    }

    private companion object {
        // Only the runBlocking thread touches this.
        var arrived = 0

        suspend fun CoroutineScope.round(jobs: Array<Job?>, sleeps: Int, read: Boolean): Long {
            arrived = 0
            for (i in jobs.indices) {
                jobs[i] = launch {
                    arrived++
                    repeat(sleeps) { delay(SLEEP_MS) }
                }
            }
            var held = 0L
            if (read) {
                while (arrived < jobs.size) {
                    yield()
                }
                held = HeapMeter.settledUsedHeap()
            }
            for (j in jobs) {
                j!!.join()
            }
            return held
        }
    }
}
