package dev.coro.bench.kotlin

// The numbers of dev.coro.bench.Shape, repeated as compile-time constants for Kotlin annotations.

/** Yields per benchmark invocation, all coroutines together; one operation each. */
const val YIELDS = 10_000

/** Frames of user code suspended in the deep cases: the coroutine's own block plus DEPTH - 1 nested calls. */
const val DEPTH = 10

/** Whole-chain calls per invocation in the non-suspending chain benchmarks. */
const val CHAIN_CALLS = 10_000

/** Coroutines held suspended at once by the heap benchmark. */
const val HEAP_COUNT = 10_000

/** Round trips per invocation in the channel ping-pong benchmarks; one op each. */
const val ROUND_TRIPS = 10_000

/** Tasks started and joined per invocation in the spawn benchmarks; one op each. */
const val SPAWNS = 1_000_000

/** Coroutines sleeping at once, sleeps each, and the length of a sleep (ms) in the sleep benchmarks. */
const val SLEEPERS = 100_000
const val SLEEPS = 10
const val SLEEP_MS = 100L

/** Items a plain thread hands to the event loop per invocation in the cross-thread benchmarks; one op each. */
const val SUBMISSIONS = 100_000
