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
