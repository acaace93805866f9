package dev.coro.bench.kotlin

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
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
 * Channel ping-pong, Kotlin peer: ns per round trip between two coroutines in `runBlocking` (its event loop, one
 * thread). Same shape as `dev.coro.bench.CoroChannel`: the `runBlocking` block sends a ball on `ping`, a `launch`ed
 * echo sends it back on `pong`, [ROUND_TRIPS] times per invocation.
 *
 * - `pingPong_rendezvous`: `Channel()`, a rendezvous channel (every send waits for its receiver).
 * - `pingPong_unlimited`: `Channel(Channel.UNLIMITED)`: sends never wait; the receives do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
open class KotlinChannel {

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    fun pingPong_rendezvous(): Int = pingPong(Channel(), Channel())

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    fun pingPong_unlimited(): Int = pingPong(Channel(Channel.UNLIMITED), Channel(Channel.UNLIMITED))

    private fun pingPong(ping: Channel<Any>, pong: Channel<Any>): Int = runBlocking {
        launch {
            for (i in 0 until ROUND_TRIPS) {
                pong.send(ping.receive())
            }
        }
        var n = 0
        for (i in 0 until ROUND_TRIPS) {
            ping.send(BALL)
            if (pong.receive() === BALL) {
                n++
            }
        }
        n
    }

    private companion object {
        val BALL = Any()
    }
}
