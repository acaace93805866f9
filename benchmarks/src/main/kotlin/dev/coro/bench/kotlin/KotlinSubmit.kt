package dev.coro.bench.kotlin

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Level
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OperationsPerInvocation
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.Setup
import org.openjdk.jmh.annotations.State
import org.openjdk.jmh.annotations.TearDown
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * Cross-thread submission, Kotlin peer: ns per item that a plain thread (the JMH thread) hands with
 * `trySendBlocking` to a coroutine receiving from an unlimited `Channel` in `runBlocking` on another thread (its
 * event loop). Same shape as `dev.coro.bench.CoroSubmit`: the receiver lives for the whole trial; each invocation
 * sends [SUBMISSIONS] items and an end marker and waits for the receiver's count (on a JDK queue, as the JMH thread
 * is not a coroutine).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
open class KotlinSubmit {
    private lateinit var input: Channel<Any>
    private lateinit var done: LinkedBlockingQueue<Int>
    private lateinit var loopThread: Thread

    @Setup(Level.Trial)
    fun start() {
        input = Channel(Channel.UNLIMITED)
        done = LinkedBlockingQueue()
        loopThread = Thread({
            runBlocking {
                for (first in input) {
                    var n = if (first === END) 0 else 1
                    if (first !== END) {
                        while (input.receive() !== END) {
                            n++
                        }
                    }
                    done.put(n)
                }
            }
        }, "kotlin-loop")
        loopThread.start()
    }

    @TearDown(Level.Trial)
    fun stop() {
        input.close()
        loopThread.join()
    }

    @Benchmark
    @OperationsPerInvocation(SUBMISSIONS)
    fun channel_trySendBlocking(): Int {
        for (i in 0 until SUBMISSIONS) {
            input.trySendBlocking(ITEM)
        }
        input.trySendBlocking(END)
        return done.take()
    }

    private companion object {
        val ITEM = Any()
        val END = Any()
    }
}
