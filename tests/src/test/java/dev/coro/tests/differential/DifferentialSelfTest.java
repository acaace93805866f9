package dev.coro.tests.differential;

import dev.coro.tests.differential.DifferentialHarness.Verdict;
import dev.coro.tests.differential.ProgramGenerator.Options;
import dev.coro.tests.differential.ProgramGenerator.Program;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The differential harness can fail: pairs that do differ are reported, with what a failure report needs. */
class DifferentialSelfTest {
    private static DifferentialHarness harness;

    @BeforeAll
    static void start() {
        harness = new DifferentialHarness();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /** A tiny program; {@code sI} suspends in variant C and returns {@code cResult}. */
    private static Program handWritten(long seed, String cResult) {
        return handWritten(seed, cResult, "c.out(\"in\", x); return sI(x) + sI(x);");
    }

    /** The same, with {@code cTwice} as the body of variant C's {@code twice(c, x)}. */
    private static Program handWritten(long seed, String cResult, String cTwice) {
        String n = "m" + (-seed);
        String p = "package gen;\n"
                + "import dev.coro.tests.differential.Ctx;\n"
                + "public final class SelfP" + n + " implements java.util.concurrent.Callable<String> {\n"
                + "    static int sI(int x) { return x; }\n"
                + "    static int twice(Ctx<?> c, int x) { c.out(\"in\", x); return sI(x) + sI(x); }\n"
                + "    public String call() {\n"
                + "        Ctx<SelfP" + n + "> c = new Ctx<>(this);\n"
                + "        c.out(\"r\", twice(c, 20) + 2);\n"
                + "        return c.finish();\n"
                + "    }\n"
                + "}\n";
        String c = "package gen;\n"
                + "import dev.coro.tests.differential.Ctx;\n"
                + "import dev.coro.Coro;\n"
                + "import dev.coro.Coroutine;\n"
                + "public final class SelfC" + n + " implements dev.coro.CoroutineCallable<String> {\n"
                + "    @Coroutine static int sI(int x) { Coro.yield(); return " + cResult + "; }\n"
                + "    @Coroutine static int twice(Ctx<?> c, int x) { " + cTwice + " }\n"
                + "    public String call() {\n"
                + "        Ctx<SelfC" + n + "> c = new Ctx<>(this);\n"
                + "        c.out(\"r\", twice(c, 20) + 2);\n"
                + "        return c.finish();\n"
                + "    }\n"
                + "}\n";
        return new Program(seed, "gen.SelfP" + n, "gen.SelfC" + n, p, c, 0, 0);
    }

    private static Verdict check(Program p) {
        return harness.check(harness.compile(List.of(p)).get(0), true);
    }

    @Test
    void anIdenticalPairPasses() {
        Verdict v = check(handWritten(-1, "x"));
        assertNull(v.failure, () -> DifferentialHarness.report(v));
        assertEquals("events=2\nin=20;r=42;", v.plain);
        assertTrue(v.ticks > 0, "the ticker ran between the suspensions: " + v.ticks);
        assertTrue(v.instrumentedMethods >= v.annotatedMethods && v.annotatedMethods == 3,
                v.instrumentedMethods + " of " + v.annotatedMethods);
    }

    @Test
    void aDifferentResultIsReportedWithSeedResultsAndSource() {
        Verdict v = check(handWritten(-2, "x + 1"));
        assertNotNull(v.failure, "a pair returning 42 and 44 passed");
        assertTrue(v.failure.contains("outside any coroutine differs"), v.failure);
        String report = DifferentialHarness.report(v);
        assertTrue(report.startsWith("seed -2: "), report);
        assertTrue(report.contains("r=42;") && report.contains("r=44;"), report);
        assertTrue(report.contains("return x + 1;"), "the report shows the source: " + report);
        assertTrue(report.contains("-Dcoro.differential.seed=-2"), report);
    }

    @Test
    void aDifferenceOnlyWhenSuspendingIsReported() {
        // right outside coroutines, wrong inside them: only the coroutine runs can catch it
        Verdict v = check(handWritten(-3, "Coro.current() == null ? x : x - 1"));
        assertNotNull(v.failure, "a pair that differs only inside coroutines passed");
        assertTrue(v.failure.contains("as a coroutine (instance A) differs"), v.failure);
        assertEquals(v.plain, v.offCoroutine);
    }

    @Test
    void aSuspensionPointThatDoesNotSuspendIsReported() {
        // same results, but the calls in synchronized run pinned: they block the loop instead of suspending
        Verdict v = check(handWritten(-5, "x", "c.out(\"in\", x); synchronized (c) { return sI(x) + sI(x); }"));
        assertNotNull(v.failure, "a program whose suspension points ran pinned passed");
        assertEquals(v.plain, v.coroutineA);
        assertTrue(v.failure.contains("ran pinned"), v.failure);
    }

    @Test
    void aDifferentExceptionIsReported() {
        Verdict v = check(handWritten(-4, "x == 20 ? Integer.parseInt(\"boom\") : x"));
        assertNotNull(v.failure);
        assertTrue(v.offCoroutine.contains("NumberFormatException") || v.offCoroutine.contains("boom"),
                v.offCoroutine);
    }

    @Test
    void mutatedGeneratedProgramsAreCaught() {
        // variant C's sI returns x ^ 1: most programs use it on a path that reaches the trace
        Options o = new Options();
        o.mutateC = true;
        List<Program> ps = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            ps.add(ProgramGenerator.generate(seed, o));
        }
        int caught = 0;
        for (DifferentialHarness.Compiled c : harness.compile(ps)) {
            Verdict v = harness.check(c, true);
            if (!v.ok()) {
                assertFalse(v.failure.contains("generator bug"), v.failure);
                caught++;
            }
        }
        assertTrue(caught >= 10, "only " + caught + " of 20 mutated programs were caught");
    }

    @Test
    void theGeneratorIsDeterministicAndTheVariantsDifferOnlyInWhatSuspends() {
        for (long seed = 1; seed <= 50; seed++) {
            Program a = ProgramGenerator.generate(seed);
            Program b = ProgramGenerator.generate(seed);
            assertEquals(a.cSource, b.cSource);
            assertEquals(a.pSource, b.pSource);
            String c = a.cSource.replace("@Coroutine ", "").replace("C" + seed, "P" + seed)
                    .replace("        if (Coro.current() != null) {\n            Coro.yield();\n        } else {\n"
                            + "            Coro.sleep(0);\n        }\n", "")
                    .replace("        Coro.sleep(0);\n", "")
                    .replace("import dev.coro.Coro;\nimport dev.coro.Coroutine;\n", "")
                    .replace("dev.coro.CoroutineCallable<String>", "java.util.concurrent.Callable<String>")
                    .replace(", variant C\n", ", variant P\n");
            assertEquals(a.pSource, c, "seed " + seed);
        }
    }
}
