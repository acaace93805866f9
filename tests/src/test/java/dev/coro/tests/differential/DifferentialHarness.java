package dev.coro.tests.differential;

import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Task;
import dev.coro.internal.Diagnostics;
import dev.coro.tests.differential.ProgramGenerator.Program;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Compiles generated programs in batches, runs each one four ways and compares what they return:
 * <ol>
 * <li>variant P, plain (twice, on two instances: a program that is not deterministic is a generator bug);</li>
 * <li>variant C called on the test's thread, outside any coroutine (instrumented code running as ordinary code);</li>
 * <li>variant C, two instances run as two concurrent tasks of one {@code Coro.run} loop, together with a third task
 * that only yields in a loop, so every suspension of one program lets the others run.</li>
 * </ol>
 * All must return the same string. Each program runs on a daemon worker thread with a time limit, so a hang is
 * reported (with its seed) instead of stalling the build.
 */
final class DifferentialHarness implements AutoCloseable {
    static final long TIMEOUT_SECONDS = Long.getLong("coro.differential.timeoutSeconds", 30);
    static final Path FAILURE_DIR = Paths.get("target", "differential-failures");

    private final InMemoryCompiler javac = new InMemoryCompiler();
    /**
     * The runtime's warnings while this harness is open. Generated programs never suspend while holding a monitor,
     * so a warning that a suspension point of variant C blocked the loop thread instead of suspending means the
     * agent left a call that should suspend as plain (pinned) code: the results may agree, but it is a failure.
     */
    private static final Queue<String> WARNINGS = new ConcurrentLinkedQueue<>();
    private final Consumer<String> previousSink;

    DifferentialHarness() {
        Consumer<String> previous = Diagnostics.setSink(null);
        previousSink = previous;
        Diagnostics.setSink(msg -> {
            WARNINGS.add(msg);
            previous.accept(msg);
        });
    }
    private final AtomicInteger threads = new AtomicInteger();
    private ExecutorService runner = newRunner();
    /** Set once a program hung: its thread is lost and the run should stop. */
    volatile boolean hung;

    private ExecutorService newRunner() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "differential-runner-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        runner.shutdownNow();
        Diagnostics.setSink(previousSink);
    }

    // ---- compiling ------------------------------------------------------------------------------------------------

    /** A program with its class files, or with javac's complaint. */
    static final class Compiled {
        final Program program;
        final Map<String, byte[]> classes;
        final String compileErrors;

        Compiled(Program program, Map<String, byte[]> classes, String compileErrors) {
            this.program = program;
            this.classes = classes;
            this.compileErrors = compileErrors;
        }
    }

    /** Compiles both variants of all programs in one javac run (or one per program, if the batch fails). */
    List<Compiled> compile(List<Program> programs) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Program p : programs) {
            sources.put(p.pName, p.pSource);
            sources.put(p.cName, p.cSource);
        }
        long t0 = System.nanoTime();
        InMemoryCompiler.Result all = javac.compile(sources);
        if (Boolean.getBoolean("coro.differential.verbose")) {
            long chars = 0;
            for (String src : sources.values()) {
                chars += src.length();
            }
            System.out.printf("differential: javac compiled %d programs, %d kB of source, in %d ms%n", programs.size(),
                    chars / 1024, (System.nanoTime() - t0) / 1_000_000);
        }
        List<Compiled> out = new ArrayList<>();
        for (Program p : programs) {
            if (all.ok()) {
                out.add(new Compiled(p, all.classes, null));
            } else {
                InMemoryCompiler.Result one = javac.compile(Map.of(p.pName, p.pSource, p.cName, p.cSource));
                out.add(new Compiled(p, one.classes, one.errors));
            }
        }
        return out;
    }

    // ---- running --------------------------------------------------------------------------------------------------

    /** What the runs of one program returned, and whether they agree. */
    static final class Verdict {
        final Program program;
        String plain;
        String plainAgain;
        String offCoroutine;
        String coroutineA;
        String coroutineB;
        long ticks = -1;
        /** Time spent in: the first plain run (with loading), the second, C outside coroutines, C as coroutines. */
        final long[] nanos = new long[5];
        int instrumentedMethods = -1;
        int annotatedMethods = -1;
        /** The runtime's warnings that a suspension point of variant C ran pinned instead of suspending. */
        final List<String> pinned = new ArrayList<>();
        /** Why it was not run (javac crashed on it, or miscompiled it), or null. */
        String skipped;
        /** Null when every run agreed; otherwise what went wrong. */
        String failure;

        Verdict(Program program) {
            this.program = program;
        }

        boolean ok() {
            return failure == null;
        }

        /** Whether the plain run returned normally from its top-level calls (for statistics). */
        boolean threwAtTop() {
            return plain != null && plain.contains("=!");
        }
    }

    /** Runs and compares one compiled program. Never throws: problems end up in {@link Verdict#failure}. */
    Verdict check(Compiled compiled, boolean coroutines) {
        Verdict v = new Verdict(compiled.program);
        if (InMemoryCompiler.JAVAC_CRASHED.equals(compiled.compileErrors)) {
            // javac 17 has a few crashes on switch expressions in odd places (NPEs and assertion errors in
            // Gen.doHandleSwitchExpression); such a program cannot be tested, and is counted as skipped
            v.skipped = "javac crashed";
            return v;
        }
        if (compiled.compileErrors != null) {
            v.failure = "the generator produced a program javac rejects (a generator bug):\n" + compiled.compileErrors;
            return v;
        }
        if (hung) {
            v.failure = "not run: an earlier program hung";
            return v;
        }
        Future<?> f = runner.submit(() -> {
            runAll(compiled, v, coroutines);
            return null;
        });
        try {
            f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            hung = true;
            runner.shutdownNow();
            runner = newRunner();
            v.failure = "timed out after " + TIMEOUT_SECONDS + " s (a hang or an endless loop?); results so far:";
            return v;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            v.failure = "interrupted";
            return v;
        } catch (ExecutionException e) {
            v.failure = "the harness failed: " + stackTrace(e.getCause());
            return v;
        }
        if (v.failure == null && v.skipped == null) {
            v.failure = compare(v, coroutines);
        }
        return v;
    }

    private static void runAll(Compiled compiled, Verdict v, boolean coroutines) {
        Program prog = compiled.program;
        long t0 = System.nanoTime();
        Class<?> pc;
        try {
            pc = Class.forName(prog.pName, true, InMemoryCompiler.loader(prog.pName, compiled.classes));
        } catch (LinkageError e) {
            // variant P has no coroutine, so the agent leaves it alone: a class file that does not verify is
            // javac's (javac 17 emits "invokespecial #0" for some nested switch expressions with throwing arms)
            v.skipped = "javac miscompiled it: " + e.toString().split("\n")[0];
            return;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        v.plain = runPlain(pc);
        long t1 = System.nanoTime();
        v.plainAgain = runPlain(pc);
        long t2 = System.nanoTime();
        v.nanos[0] = t1 - t0;
        v.nanos[1] = t2 - t1;
        Class<?> c;
        long tl = System.nanoTime();
        try {
            c = Class.forName(prog.cName, true, InMemoryCompiler.loader(prog.cName, compiled.classes));
            v.nanos[4] = System.nanoTime() - tl;
        } catch (Throwable e) {
            v.failure = "variant C failed to load: " + stackTrace(e);
            return;
        }
        countInstrumentation(c, v);
        WARNINGS.clear();
        long t3 = System.nanoTime();
        v.offCoroutine = runCoroutineVariantPlainly(c);
        long t4 = System.nanoTime();
        v.nanos[2] = t4 - t3;
        if (coroutines) {
            runAsCoroutines(c, v);
            v.nanos[3] = System.nanoTime() - t4;
        }
        for (String w; (w = WARNINGS.poll()) != null; ) {
            if (w.contains("instead of suspending") || w.contains("cannot suspend")) {
                v.pinned.add(w);
            }
        }
    }

    private static String runPlain(Class<?> p) {
        try {
            @SuppressWarnings("unchecked")
            Callable<String> prog = (Callable<String>) p.getDeclaredConstructor().newInstance();
            return prog.call();
        } catch (Throwable e) {
            return "escaped: " + stackTrace(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static CoroutineCallable<String> instance(Class<?> c) throws ReflectiveOperationException {
        return (CoroutineCallable<String>) c.getDeclaredConstructor().newInstance();
    }

    private static String runCoroutineVariantPlainly(Class<?> c) {
        try {
            return instance(c).call();
        } catch (Throwable e) {
            return "escaped: " + stackTrace(e);
        }
    }

    private static void runAsCoroutines(Class<?> c, Verdict v) {
        try {
            String[] r = Coro.run(new Together(instance(c), instance(c)));
            v.coroutineA = r[0];
            v.coroutineB = r[1];
            v.ticks = Long.parseLong(r[2]);
        } catch (Throwable e) {
            v.coroutineA = "escaped from Coro.run: " + stackTrace(e);
        }
    }

    /** Counts the @Coroutine methods of the C classes and how many of them got a twin taking a Stack. */
    private static void countInstrumentation(Class<?> top, Verdict v) {
        int annotated = 0;
        int twins = 0;
        List<Class<?>> classes = new ArrayList<>(List.of(top));
        classes.addAll(List.of(top.getDeclaredClasses()));
        for (Class<?> k : classes) {
            for (Method m : k.getDeclaredMethods()) {
                Class<?>[] ps = m.getParameterTypes();
                if (ps.length > 0 && ps[ps.length - 1].getName().equals("dev.coro.internal.Stack")) {
                    twins++;
                } else if (m.isAnnotationPresent(dev.coro.Coroutine.class) || m.getName().equals("call")
                        && k == top && !m.isBridge()) {
                    annotated++;
                }
            }
        }
        v.annotatedMethods = annotated;
        v.instrumentedMethods = twins;
    }

    /** Two program instances and a task that only yields, all on one loop; returns both results and the ticks. */
    static final class Together implements CoroutineCallable<String[]> {
        private final CoroutineCallable<String> a;
        private final CoroutineCallable<String> b;

        Together(CoroutineCallable<String> a, CoroutineCallable<String> b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public String[] call() {
            Task<String> ta = Coro.spawn("program-a", a);
            Task<String> tb = Coro.spawn("program-b", b);
            Ticker ticker = new Ticker();
            Task<Void> tt = Coro.spawn("ticker", ticker);
            String ra = joined(ta);
            String rb = joined(tb);
            ticker.stop = true;
            tt.join();
            return new String[] {ra, rb, Long.toString(ticker.ticks)};
        }

        @dev.coro.Coroutine
        private static String joined(Task<String> t) {
            try {
                return t.join();
            } catch (Throwable e) {
                return "escaped: " + stackTrace(e);
            }
        }
    }

    /** Yields until told to stop; its count shows the programs really were interleaved with it. */
    static final class Ticker implements CoroutineRunnable {
        boolean stop;
        long ticks;

        @Override
        public void run() {
            while (!stop) {
                ticks++;
                Coro.yield();
            }
        }
    }

    // ---- comparing and reporting ------------------------------------------------------------------------------------

    private static String compare(Verdict v, boolean coroutines) {
        if (!v.plain.equals(v.plainAgain)) {
            return "variant P is not deterministic (a generator bug):\n" + firstDifference(v.plain, v.plainAgain);
        }
        if (v.plain.startsWith("escaped")) {
            return "variant P let an exception escape call() (a generator bug): " + v.plain;
        }
        if (v.annotatedMethods >= 0 && v.instrumentedMethods < v.annotatedMethods && coroutines) {
            return "variant C was not (fully) instrumented: " + v.instrumentedMethods + " twins for "
                    + v.annotatedMethods + " coroutine methods; is the agent on (-javaagent), and does it transform "
                    + "classes of every class loader?";
        }
        if (!v.plain.equals(v.offCoroutine)) {
            return "variant C run outside any coroutine differs from variant P:\n"
                    + firstDifference(v.plain, v.offCoroutine);
        }
        if (coroutines) {
            if (!v.plain.equals(v.coroutineA)) {
                return "variant C run as a coroutine (instance A) differs from variant P:\n"
                        + firstDifference(v.plain, v.coroutineA);
            }
            if (!v.plain.equals(v.coroutineB)) {
                return "variant C run as a coroutine (instance B) differs from variant P:\n"
                        + firstDifference(v.plain, v.coroutineB);
            }
            if (!v.pinned.isEmpty()) {
                return "a suspension point of variant C ran pinned (blocking the loop) instead of suspending, "
                        + "though no monitor is held there:\n  " + String.join("\n  ", v.pinned);
            }
        }
        return null;
    }

    /** Where two results first differ, with some context of each. */
    static String firstDifference(String expected, String actual) {
        if (actual == null) {
            return "  expected (P): " + clip(expected, 0) + "\n  actual: (none)";
        }
        int i = 0;
        int n = Math.min(expected.length(), actual.length());
        while (i < n && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        return "  first difference at char " + i + "\n  expected (P): ..." + clip(expected, i)
                + "\n  actual (C):   ..." + clip(actual, i);
    }

    private static String clip(String s, int at) {
        int from = Math.max(0, at - 120);
        int to = Math.min(s.length(), at + 200);
        return s.substring(from, to).replace("\n", "\\n") + (to < s.length() ? "..." : "");
    }

    /** The full report of a failed program: seed, what went wrong, all results, the sources. */
    static String report(Verdict v) {
        Program p = v.program;
        StringBuilder b = new StringBuilder();
        b.append("seed ").append(p.seed).append(": ").append(v.failure).append('\n');
        b.append("re-run with: mvn -q -pl tests test -Dtest='dev.coro.tests.differential.DifferentialTest' "
                + "-Dcoro.differential.seed=").append(p.seed).append(" -Dcoro.agent.jar=...\n");
        b.append("instrumented methods: ").append(v.instrumentedMethods).append(" of ").append(v.annotatedMethods)
                .append(", ticker ticks: ").append(v.ticks).append('\n');
        b.append("\n---- result of variant P ----\n").append(v.plain);
        b.append("\n---- result of variant P, second instance ----\n").append(v.plainAgain);
        b.append("\n---- result of variant C outside coroutines ----\n").append(v.offCoroutine);
        b.append("\n---- result of variant C as coroutine A ----\n").append(v.coroutineA);
        b.append("\n---- result of variant C as coroutine B ----\n").append(v.coroutineB);
        b.append("\n\n---- source of variant C (variant P is the same without @Coroutine and yields) ----\n");
        b.append(numbered(p.cSource));
        return b.toString();
    }

    /** Writes the report and both sources under target/differential-failures/seed-N/; returns the folder. */
    static Path writeFailure(Verdict v) {
        Path dir = FAILURE_DIR.resolve("seed-" + v.program.seed);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("report.txt"), report(v), StandardCharsets.UTF_8);
            Program p = v.program;
            Files.writeString(dir.resolve(simple(p.pName) + ".java"), p.pSource, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(simple(p.cName) + ".java"), p.cSource, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the report is in the assertion message too
        }
        return dir.toAbsolutePath();
    }

    private static String simple(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    static String numbered(String source) {
        StringBuilder b = new StringBuilder();
        int n = 1;
        for (String line : source.split("\n", -1)) {
            b.append(String.format("%4d  %s%n", n++, line));
        }
        return b.toString();
    }

    static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        String s = w.toString();
        return s.length() > 6000 ? s.substring(0, 6000) + "\n..." : s;
    }
}
