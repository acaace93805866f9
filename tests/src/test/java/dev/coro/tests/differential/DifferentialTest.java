package dev.coro.tests.differential;

import dev.coro.tests.differential.DifferentialHarness.Compiled;
import dev.coro.tests.differential.DifferentialHarness.Verdict;
import dev.coro.tests.differential.ProgramGenerator.Program;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential test of the agent: random programs ({@link ProgramGenerator}) run plain and as coroutines that
 * suspend at every suspension point must return the same trace ({@link DifferentialHarness}).
 *
 * <p>System properties:
 * <ul>
 * <li>{@code coro.differential.seeds} (default 2000): how many programs;</li>
 * <li>{@code coro.differential.firstSeed} (default 1): the first seed;</li>
 * <li>{@code coro.differential.seed=N}: run only seed N and print its source and results;</li>
 * <li>{@code coro.differential.reduce=true} (with {@code seed}): shrink a failing program with the {@link Reducer}
 * and write the smallest one found under {@code target/differential-failures/seed-N/};</li>
 * <li>{@code coro.differential.batch} (default 50): programs per javac invocation;</li>
 * <li>{@code coro.differential.timeoutSeconds} (default 30): time limit of one program's runs;</li>
 * <li>{@code coro.differential.maxSeconds} (default 300): no new batch is started after this long (a safety net
 * for a slow machine; the summary says how many programs ran);</li>
 * <li>{@code coro.differential.offCoroutineOnly=true}: skip the runs inside {@code Coro.run} (to try the generator
 * without a working agent);</li>
 * <li>{@code coro.differential.dump=FILE}: write every program's result and run times (ms: P with loading, P again,
 * C outside coroutines, C as coroutines, loading C) to FILE;</li>
 * <li>{@code coro.differential.verbose=true}: print each javac batch's size and time.</li>
 * </ul>
 */
class DifferentialTest {
    private static final int MAX_REPORTED = Integer.getInteger("coro.differential.maxReports", 10);

    @Test
    void generatedProgramsBehaveTheSameWhenTheySuspend() throws Exception {
        String one = System.getProperty("coro.differential.seed");
        if (one != null && !one.isBlank()) {
            runOneSeed(Long.parseLong(one.trim()));
            return;
        }
        int seeds = Integer.getInteger("coro.differential.seeds", 2000);
        long first = Long.getLong("coro.differential.firstSeed", 1L);
        int batch = Math.max(1, Integer.getInteger("coro.differential.batch", 50));
        boolean coroutines = !Boolean.getBoolean("coro.differential.offCoroutineOnly");
        long maxNanos = Long.getLong("coro.differential.maxSeconds", 300) * 1_000_000_000L;

        long t0 = System.nanoTime();
        Stats stats = new Stats();
        List<Verdict> failures = new ArrayList<>();
        ExecutorService compilerThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "differential-javac");
            t.setDaemon(true);
            return t;
        });
        String dumpTo = System.getProperty("coro.differential.dump");
        try (DifferentialHarness h = new DifferentialHarness();
             java.io.PrintWriter dump = dumpTo == null || dumpTo.isBlank() ? null
                     : new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(Path.of(dumpTo)))) {
            // javac compiles the next batch on one core while this thread runs the current one on the other
            CompletableFuture<List<Compiled>> next = compileAsync(h, compilerThread, first, Math.min(batch, seeds));
            for (long done = 0; done < seeds && !h.hung; ) {
                if (System.nanoTime() - t0 > maxNanos) {
                    System.out.println("differential: stopped after " + stats.programs + " programs: the time limit "
                            + "coro.differential.maxSeconds was reached (is the machine very busy?)");
                    break;
                }
                long n = Math.min(batch, seeds - done);
                long t1 = System.nanoTime();
                List<Compiled> compiled = next.get();
                stats.waitingForJavacNanos += System.nanoTime() - t1;
                done += n;
                if (done < seeds) {
                    next = compileAsync(h, compilerThread, first + done, (int) Math.min(batch, seeds - done));
                }
                for (Compiled c : compiled) {
                    long t2 = System.nanoTime();
                    Verdict v = h.check(c, coroutines);
                    stats.runNanos += System.nanoTime() - t2;
                    stats.add(v);
                    if (dump != null && v.plain != null) {
                        dump.println("seed " + v.program.seed + " ms " + v.nanos[0] / 1000000 + " "
                                + v.nanos[1] / 1000000 + " " + v.nanos[2] / 1000000 + " " + v.nanos[3] / 1000000 + " "
                                + v.nanos[4] / 1000000
                                + "\n" + v.plain);
                    }
                    if (!v.ok()) {
                        failures.add(v);
                        if (failures.size() <= MAX_REPORTED) {
                            Path dir = DifferentialHarness.writeFailure(v);
                            System.out.println("differential: seed " + v.program.seed + " FAILED: "
                                    + firstLine(v.failure) + " (report in " + dir + ")");
                        }
                    }
                }
            }
        } finally {
            compilerThread.shutdownNow();
        }
        stats.totalNanos = System.nanoTime() - t0;
        System.out.println(stats.summary(seeds, first));

        if (!failures.isEmpty()) {
            StringBuilder seedsList = new StringBuilder();
            for (Verdict v : failures) {
                seedsList.append(' ').append(v.program.seed);
            }
            fail(failures.size() + " of " + stats.programs + " generated programs behaved differently as coroutines;"
                    + " failing seeds:" + seedsList + "\nreports (first " + MAX_REPORTED + ") in "
                    + DifferentialHarness.FAILURE_DIR.toAbsolutePath() + "\n\nfirst failure:\n"
                    + DifferentialHarness.report(failures.get(0)));
        }
        // the check is only worth something if the programs really suspended and did something
        if (coroutines && stats.programs >= 100) {
            assertTrue(stats.interleaved * 2 > stats.programs,
                    "fewer than half of the programs were interleaved with other tasks: "
                            + stats.summary(seeds, first));
            assertTrue(stats.normalTopLevelCalls > stats.programs,
                    "too few top-level calls returned normally: " + stats.summary(seeds, first));
            assertTrue(stats.skipped * 50 < stats.programs,
                    "too many programs skipped because javac failed on them: " + stats.summary(seeds, first));
        }
    }

    private static CompletableFuture<List<Compiled>> compileAsync(DifferentialHarness h, ExecutorService exec,
            long from, int count) {
        return CompletableFuture.supplyAsync(() -> {
            List<Program> programs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                programs.add(ProgramGenerator.generate(from + i));
            }
            return h.compile(programs);
        }, exec);
    }

    private static void runOneSeed(long seed) {
        Program p = ProgramGenerator.generate(seed);
        boolean coroutines = !Boolean.getBoolean("coro.differential.offCoroutineOnly");
        try (DifferentialHarness h = new DifferentialHarness()) {
            Verdict v = h.check(h.compile(List.of(p)).get(0), coroutines);
            if (v.skipped != null) {
                System.out.println("differential: seed " + seed + " skipped: " + v.skipped);
                return;
            }
            if (v.ok()) {
                System.out.println("differential: seed " + seed + " OK; instrumented methods "
                        + v.instrumentedMethods + " of " + v.annotatedMethods + ", ticker ticks " + v.ticks
                        + "\n---- result ----\n" + v.plain + "\n---- source of variant C ----\n"
                        + DifferentialHarness.numbered(p.cSource));
                return;
            }
            Path dir = DifferentialHarness.writeFailure(v);
            String reduced = "";
            if (Boolean.getBoolean("coro.differential.reduce")) {
                Reducer.Result r = new Reducer(h, coroutines).reduce(seed);
                reduced = "\n\n" + r.describe() + "\n(reduced program written to " + r.write(dir) + ")";
            }
            fail(DifferentialHarness.report(v) + "\n(report in " + dir + ")" + reduced);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** What the generated programs did, to show the check is not vacuous. */
    static final class Stats {
        int programs;
        int skipped;
        int failed;
        int interleaved;
        long ticks;
        long events;
        long normalTopLevelCalls;
        long exceptionalTopLevelCalls;
        long outOfFuel;
        long sourceChars;
        long waitingForJavacNanos;
        long runNanos;
        long totalNanos;

        void add(Verdict v) {
            if (v.skipped != null) {
                skipped++;
                System.out.println("differential: seed " + v.program.seed + " skipped: " + v.skipped);
                return;
            }
            programs++;
            sourceChars += v.program.cSource.length();
            if (!v.ok()) {
                failed++;
            }
            if (v.ticks > 2) {
                interleaved++;
            }
            if (v.ticks > 0) {
                ticks += v.ticks;
            }
            String r = v.plain;
            if (r == null) {
                return;
            }
            int nl = r.indexOf('\n');
            if (r.startsWith("events=") && nl > 0) {
                events += Long.parseLong(r.substring("events=".length(), nl));
            }
            for (String part : r.split(";")) {
                if (part.startsWith("r") && part.indexOf('=') > 0 && part.substring(1, part.indexOf('=')).chars()
                        .allMatch(Character::isDigit)) {
                    if (part.contains("=!")) {
                        exceptionalTopLevelCalls++;
                        if (part.contains("FuelError")) {
                            outOfFuel++;
                        }
                    } else {
                        normalTopLevelCalls++;
                    }
                }
            }
        }

        String summary(int seeds, long first) {
            return String.format("differential: %d programs (seeds %d..%d; %d more skipped: javac crashed or "
                            + "miscompiled), %d failed; %.1f s total, %.1f s running, "
                            + "%.1f s waiting for javac; avg source %d chars; top-level calls: %d returned, %d threw "
                            + "(%d out of fuel); %d traced events; %d programs interleaved with other tasks, "
                            + "%d ticker ticks in all",
                    programs, first, first + programs + skipped - 1, skipped, failed, totalNanos / 1e9, runNanos / 1e9,
                    waitingForJavacNanos / 1e9, programs == 0 ? 0 : sourceChars / programs, normalTopLevelCalls,
                    exceptionalTopLevelCalls, outOfFuel, events, interleaved, ticks);
        }
    }
}
