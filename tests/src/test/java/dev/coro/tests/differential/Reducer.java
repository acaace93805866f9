package dev.coro.tests.differential;

import dev.coro.tests.differential.DifferentialHarness.Verdict;
import dev.coro.tests.differential.ProgramGenerator.Options;
import dev.coro.tests.differential.ProgramGenerator.Program;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shrinks a failing generated program: drops statements, then replaces expressions with constants, keeping every
 * change after which the program still compiles and variant C still disagrees with variant P (delta debugging over
 * the generator's statement and expression ids, so the random choices for the rest of the program stay the same).
 */
final class Reducer {
    private final DifferentialHarness harness;
    private final boolean coroutines;
    private int tries;

    Reducer(DifferentialHarness harness, boolean coroutines) {
        this.harness = harness;
        this.coroutines = coroutines;
    }

    static final class Result {
        final Program program;
        final Verdict verdict;
        final int tries;

        Result(Program program, Verdict verdict, int tries) {
            this.program = program;
            this.verdict = verdict;
            this.tries = tries;
        }

        String describe() {
            return "---- reduced (after " + tries + " tries): " + verdict.failure + "\n"
                    + DifferentialHarness.numbered(program.cSource);
        }

        Path write(Path dir) {
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("reduced-report.txt"), DifferentialHarness.report(verdict),
                        StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("reduced-C.java"), program.cSource, StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("reduced-P.java"), program.pSource, StandardCharsets.UTF_8);
            } catch (IOException e) {
                // described in the assertion message anyway
            }
            return dir.toAbsolutePath();
        }
    }

    Result reduce(long seed) {
        Options opt = new Options();
        opt.nameTag = "_r" + tries;
        Program original = ProgramGenerator.generate(seed, opt);
        Verdict first = run(original);
        if (first.ok() || first.skipped != null || isGeneratorProblem(first)) {
            return new Result(original, first, tries);
        }
        boolean timeout = first.failure.startsWith("timed out");
        opt.droppedStatements = shrink(seed, opt, original.statementCount, true, timeout);
        opt.simplifiedExpressions = shrink(seed, opt, original.expressionCount, false, timeout);
        opt.droppedStatements = shrink(seed, opt, original.statementCount, true, timeout);
        opt.nameTag = "_r" + tries;
        Program p = ProgramGenerator.generate(seed, opt);
        return new Result(p, run(p), tries);
    }

    /** ddmin-style: tries to add ever smaller chunks of ids to the dropped (or simplified) set. */
    private Set<Integer> shrink(long seed, Options opt, int count, boolean statements, boolean timeout) {
        Set<Integer> done = new TreeSet<>(statements ? opt.droppedStatements : opt.simplifiedExpressions);
        for (int chunk = Math.max(1, count / 2); ; chunk /= 2) {
            for (int start = 0; start < count; start += chunk) {
                Set<Integer> candidate = new TreeSet<>(done);
                for (int i = start; i < Math.min(count, start + chunk); i++) {
                    candidate.add(i);
                }
                if (candidate.size() == done.size()) {
                    continue;
                }
                Options o = new Options();
                o.nameTag = "_r" + tries;
                o.droppedStatements = statements ? candidate : opt.droppedStatements;
                o.simplifiedExpressions = statements ? opt.simplifiedExpressions : candidate;
                Verdict v = run(ProgramGenerator.generate(seed, o));
                boolean failsAlike = !v.ok() && v.skipped == null && !isGeneratorProblem(v)
                        && (timeout || !v.failure.startsWith("timed out"));
                if (failsAlike) {
                    done = candidate;
                }
            }
            if (chunk == 1) {
                return done;
            }
        }
    }

    private Verdict run(Program p) {
        tries++;
        harness.hung = false;
        return harness.check(harness.compile(List.of(p)).get(0), coroutines);
    }

    private static boolean isGeneratorProblem(Verdict v) {
        return v.failure.contains("generator bug") || v.failure.startsWith("not run");
    }
}
