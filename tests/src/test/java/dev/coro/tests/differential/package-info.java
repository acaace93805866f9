/**
 * Differential testing of the agent: random programs run plain and as coroutines must behave the same.
 *
 * <p>{@link dev.coro.tests.differential.ProgramGenerator} writes, for one seed, the Java source of a program in two
 * variants: P, with no annotation and suspension helpers ({@code sI(x)}, {@code sJ(x)}, ..., {@code sA(x)},
 * {@code pause()}) that just return their argument, and C, where every method is {@code @Coroutine} and every helper
 * suspends. {@link dev.coro.tests.differential.DifferentialHarness} compiles batches of them in memory, loads each in
 * a fresh class loader (so the agent rewrites variant C at load time) and compares the trace
 * ({@link dev.coro.tests.differential.Ctx}) that P returns with what C returns outside any coroutine and as two
 * interleaved tasks of one loop. {@link dev.coro.tests.differential.DifferentialTest} runs 2000 seeds;
 * {@link dev.coro.tests.differential.DifferentialSelfTest} shows the comparison catches programs that do differ.
 *
 * <p>To look into a failing seed N (its report, with both results and the source, is written to
 * {@code tests/target/differential-failures/seed-N/}):
 * <pre>
 * mvn -q -pl tests test -Dtest='dev.coro.tests.differential.DifferentialTest' -Dcoro.differential.seed=N \
 *     -Dcoro.differential.reduce=true -Dcoro.agent.jar=/path/to/coro-agent.jar
 * </pre>
 * which also shrinks it ({@link dev.coro.tests.differential.Reducer}) to {@code reduced-C.java} there. Adding
 * {@code =dump=/tmp/coro-dump} to the agent's path (in {@code coro.agent.jar}) writes the rewritten classes, for
 * {@code javap -c -p}.
 */
package dev.coro.tests.differential;
