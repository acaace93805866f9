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
}
