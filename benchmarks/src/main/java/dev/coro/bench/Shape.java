package dev.coro.bench;

/**
 * The shape every peer's benchmark shares, so that a coro figure and a Loom or Kotlin figure measure the same
 * thing. The Kotlin peers repeat these numbers in {@code dev.coro.bench.kotlin.Shape.kt}.
 */
public final class Shape {
    private Shape() {
    }

    /**
     * Yields per benchmark invocation, all tasks together; each yield is one operation
     * ({@code @OperationsPerInvocation}), so scores are ns per yield+resume.
     */
    public static final int YIELDS = 10_000;

    /**
     * How deep the deep cases are, counted in frames of user code that are suspended: the task's own body (a lambda,
     * a Runnable, a {@code launch} block) plus {@code DEPTH - 1} nested calls below it. Depth 1 is the body alone.
     */
    public static final int DEPTH = 10;

    /** Whole-chain calls per invocation in the non-suspending chain benchmarks. */
    public static final int CHAIN_CALLS = 10_000;

    /** Coroutines (or virtual threads) held suspended at once by the heap benchmarks. */
    public static final int HEAP_COUNT = 10_000;

    /** Round trips per invocation in the channel ping-pong benchmarks; one round trip (two hand-offs) is one op. */
    public static final int ROUND_TRIPS = 10_000;

    /** Tasks spawned (and joined) per invocation in the spawn benchmarks; one task is one op. */
    public static final int SPAWNS = 1_000_000;

    /** Coroutines sleeping at once in the sleep benchmarks. */
    public static final int SLEEPERS = 100_000;

    /** Sleeps each of them makes, one after the other. */
    public static final int SLEEPS = 10;

    /** The length of each sleep, ms. */
    public static final int SLEEP_MS = 100;

    /** Items a plain thread hands to a loop per invocation in the cross-thread benchmarks; one item is one op. */
    public static final int SUBMISSIONS = 100_000;

    /** Iterations of the tight arithmetic loop in the preemption-check benchmarks. */
    public static final int LOOP_ITERATIONS = 1_000_000;
}
