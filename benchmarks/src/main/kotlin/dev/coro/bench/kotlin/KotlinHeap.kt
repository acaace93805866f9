package dev.coro.bench.kotlin

import dev.coro.bench.HeapBytesProfiler
import dev.coro.bench.HeapMeter
import kotlinx.coroutines.CompletableJob
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
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
 * Benchmark 3, Kotlin peer: heap retained per coroutine suspended [DEPTH] frames deep (its `launch` block plus
 * `DEPTH - 1` nested suspend calls) in `gate.join()` on a plain [Job] (a `suspendCancellableCoroutine` inside).
 * Same procedure as `dev.coro.bench.CoroHeap`, all inside one `runBlocking`: a warm-up round, the baseline, a
 * second round read while all coroutines are suspended, release. The figure covers the coroutine object, the
 * continuation of each suspended frame, and the wait node on the gate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
open class KotlinHeap {

    /**
     * The figure to read is the secondary result `:bytesPerCoroutine`, reported by `HeapBytesProfiler`
     * (`-prof dev.coro.bench.HeapBytesProfiler`, which run.sh adds); the time is that of a whole measurement.
     */
    @Benchmark
    fun held_depth10(): Double {
        val bytes = measure(HEAP_COUNT).bytesPerCoroutine()
        HeapBytesProfiler.record(bytes)
        return bytes
    }

    companion object {
        // Only the runBlocking thread touches these.
        private var gate: CompletableJob? = null
        private var arrived = 0

        /** One measurement of [count] coroutines. */
        @JvmStatic
        fun measure(count: Int): HeapMeter.Result = runBlocking {
            val jobs = arrayOfNulls<Job>(count)
            holdAndRelease(jobs, false)
            jobs.fill(null)
            val baseline = HeapMeter.settledUsedHeap()
            val held = holdAndRelease(jobs, true)
            jobs.fill(null)
            val released = HeapMeter.settledUsedHeap()
            HeapMeter.Result("kotlin", count, baseline, held, released)
        }

        private suspend fun CoroutineScope.holdAndRelease(jobs: Array<Job?>, read: Boolean): Long {
            val g = Job()
            gate = g
            arrived = 0
            for (i in jobs.indices) {
                jobs[i] = launch { parkAt(DEPTH - 1) }
            }
            while (arrived < jobs.size) {
                yield()
            }
            val held = if (read) HeapMeter.settledUsedHeap() else 0L
            g.complete()
            for (j in jobs) {
                j!!.join()
            }
            gate = null
            return held
        }

        /** [frames] nested suspend frames (this one included); the innermost waits on the gate. */
        private suspend fun parkAt(frames: Int): Int {
            if (frames == 1) {
                arrived++
                gate!!.join()
                return 1
            }
            return parkAt(frames - 1) + 1
        }
    }
}
