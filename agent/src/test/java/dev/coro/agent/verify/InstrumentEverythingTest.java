package dev.coro.agent.verify;

import dev.coro.agent.AgentSetup;
import dev.coro.agent.hierarchy.ClassHierarchy;
import dev.coro.agent.instrument.ClassInstrumenter;
import dev.coro.agent.instrument.Policy;
import dev.coro.agent.instrument.Problem;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.util.CheckClassAdapter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * "Instrument everything": every method of large real code bases (the ASM and JUnit jars of the test class path,
 * and the JDK's java.base read through {@code jrt:/}) is treated as a coroutine and every call as a suspension
 * point ({@link Policy#everything}, with preemption checks at loop heads), the harshest input the instrumenter can
 * get. Every rewritten class must pass ASM's structural check ({@link CheckClassAdapter}) and data-flow
 * verification of every method ({@link Analyzer} with a {@link HierarchyVerifier}, which answers type questions
 * from class files and never loads a class, and for class files of version 51+ also checks the stack map frames
 * against the code, as the JVM's type checker does); and every rewritten jar class, and every rewritten java.base
 * class outside the {@code java.*} packages (which only the boot loader may define), must pass the JVM's own
 * verifier ({@link JvmVerifier}).
 *
 * <p>Failures: any exception thrown by the instrumenter; any ERROR problem it reports except the legitimate ones,
 * which are counted apart (a method that would exceed the 64 KiB code limit once rewritten, printed; a native
 * method; an abstract method of a pre-Java-8 interface, which cannot hold the default-method bridge twin); any
 * class or method a check rejects (VerifyError or ClassFormatError for the JVM). A class the JVM check cannot
 * define or link for another reason (a missing optional dependency, a package-private superclass in another
 * loader) is printed as "skipped: reason" and counted. Failures are grouped by kind and printed; the first example
 * of each kind is dumped (javap style, instructions numbered as the analyzer numbers them, with its frames) under
 * {@code target/instrument-everything/PASS/}. Both verification paths are first shown to reject broken code.
 *
 * <p>Twin resolution ({@link TwinResolution}): every call a rewritten class makes to a twin, or into coro's
 * runtime, must resolve (JVMS method resolution) against the classes as rewritten, since no verifier looks at the
 * callee and a missing twin only throws NoSuchMethodError when the call runs. Under Policy.everything, which
 * redirects every call, the twins the instrumenter refuses to make (of a native method, an annotation's member, an
 * abstract method of a pre-Java-8 interface, a class left unchanged after a reported error) are counted, not
 * failures. A second pass rewrites the ASM and JUnit jars with the agent's own {@code scope=} policy and default
 * patches, as {@code -javaagent:coro-agent.jar=scope=...} would, and there no missing twin is allowed: that policy
 * decides which calls go to twins, and it once sent calls to annotation members and to Java 7 interface methods
 * to twins that do not exist. The check is first shown to find such calls.
 *
 * <p>Run: {@code mvn -q -pl agent test -Dtest='dev.coro.agent.verify.**'} (surefire reads a trailing {@code .*}
 * as a file extension, so {@code dev.coro.agent.verify.*} matches nothing). System properties:
 * {@code coro.verify.jdkStride} (rewrite every n-th class of java.base, default 1: all),
 * {@code coro.verify.jvmStride} (JVM-verify every n-th eligible class, default 1: all),
 * {@code coro.verify.jdkJvm} (JVM-verify java.base classes outside java.*, default true),
 * {@code coro.verify.threads} (default: the number of processors), {@code coro.verify.dumps} (the dump directory).
 */
class InstrumentEverythingTest {
    private static final int JDK_STRIDE = Integer.getInteger("coro.verify.jdkStride", 1);
    private static final int JVM_STRIDE = Integer.getInteger("coro.verify.jvmStride", 1);
    private static final boolean JDK_JVM = Boolean.parseBoolean(System.getProperty("coro.verify.jdkJvm", "true"));
    private static final int THREADS = Integer.getInteger("coro.verify.threads",
            Runtime.getRuntime().availableProcessors());
    private static final Path DUMPS = Path.of(System.getProperty("coro.verify.dumps",
            Path.of("target", "instrument-everything").toString()));

    /** Everything counted during one run. */
    private static final class Run {
        final LongAdder classesRead = new LongAdder();
        final LongAdder classesRewritten = new LongAdder();
        final LongAdder classesUnchanged = new LongAdder();
        final LongAdder methodsRewritten = new LongAdder();
        final LongAdder nativeReports = new LongAdder();
        final LongAdder oldInterfaceReports = new LongAdder();
        final LongAdder warnings = new LongAdder();
        final LongAdder asmVerifiedClasses = new LongAdder();
        final LongAdder asmVerifiedMethods = new LongAdder();
        final LongAdder jvmVerified = new LongAdder();
        final Queue<Problem> tooLarge = new ConcurrentLinkedQueue<>();
        final Map<String, Failure> failureKinds = Collections.synchronizedMap(new TreeMap<>());
        final LongAdder failures = new LongAdder();
        final Map<String, Integer> skipped = Collections.synchronizedMap(new TreeMap<>());
        final LongAdder skippedCount = new LongAdder();
        final Set<String> unresolved = ConcurrentHashMap.newKeySet();
        /** Rewritten classes chosen for the JVM's verifier. */
        final Queue<Sample> jvmSamples = new ConcurrentLinkedQueue<>();
        int jvmSampled;
        /** Classes the instrumenter returned unchanged after reporting an error. */
        final Set<String> leftUnchanged = ConcurrentHashMap.newKeySet();
        TwinResolution twins;
        int twinTargets;
        long twinSites;
        /** Misses that are failures, for the report; and the others, by cause. */
        final List<TwinResolution.Miss> twinMisses = new ArrayList<>();
        final Map<TwinResolution.Cause, Integer> twinGaps = new java.util.EnumMap<>(TwinResolution.Cause.class);
        final Map<TwinResolution.Cause, Integer> twinUnchecked =
                new java.util.EnumMap<>(TwinResolution.Cause.class);

        void fail(String kind, String className, String method, String detail, Throwable t, Supplier<String> dump) {
            failures.increment();
            failureKinds.compute(kind, (k, f) -> {
                Failure mine = new Failure(kind, className, method, detail, t, dump);
                if (f == null) {
                    return mine;
                }
                // the example kept is the first in name order, so that runs report the same one
                Failure kept = mine.where().compareTo(f.where()) < 0 ? mine : f;
                kept.count = f.count + 1;
                return kept;
            });
        }
    }

    private static final class Failure {
        final String kind;
        final String className;
        final String method;
        final String detail;
        final Throwable throwable;
        /** A listing of the failing code, made only for the example a report shows. */
        final Supplier<String> dump;
        int count = 1;

        String where() {
            return className + ' ' + method;
        }

        Failure(String kind, String className, String method, String detail, Throwable throwable,
                Supplier<String> dump) {
            this.kind = kind;
            this.className = className;
            this.method = method;
            this.detail = detail;
            this.throwable = throwable;
            this.dump = dump;
        }
    }

    private static final class Sample {
        final ClassSources.CodeBase codeBase;
        final String name;
        final byte[] bytes;

        Sample(ClassSources.CodeBase codeBase, String name, byte[] bytes) {
            this.codeBase = codeBase;
            this.name = name;
            this.bytes = bytes;
        }
    }

    /** One way of rewriting the code bases: which instrumenter, which classes the agent would rewrite at all. */
    private static final class Pass {
        final String label;
        final List<ClassSources.CodeBase> codeBases;
        final Supplier<ClassInstrumenter> instrumenter;
        final Predicate<String> rewrites;
        /** Policy.everything asks for twins the instrumenter refuses to make (and reports): not failures there. */
        final Set<TwinResolution.Cause> policyGaps;

        Pass(String label, List<ClassSources.CodeBase> codeBases, Supplier<ClassInstrumenter> instrumenter,
             Predicate<String> rewrites, Set<TwinResolution.Cause> policyGaps) {
            this.label = label;
            this.codeBases = codeBases;
            this.instrumenter = instrumenter;
            this.rewrites = rewrites;
            this.policyGaps = policyGaps;
        }
    }

    @Test
    void everyMethodOfAsmJunitAndJavaBaseVerifiesWhenRewrittenAsACoroutine() throws Exception {
        try (ClassSources sources = ClassSources.open()) {
            ClassHierarchy hierarchy = new ClassHierarchy(sources::find);
            // the checks must be able to fail: a broken method and a broken class are rejected by the same paths
            asmCheckRejectsBrokenCode(hierarchy);
            jvmCheckRejectsBrokenClass();
            twinCheckFindsMissingTwins(sources);

            List<ClassSources.CodeBase> codeBases = new ArrayList<>(sources.jarCodeBases());
            assertFalse(codeBases.stream().noneMatch(c -> c.name.startsWith("asm-")),
                    "no ASM jar on the class path: " + System.getProperty("java.class.path"));
            assertFalse(codeBases.stream().noneMatch(c -> c.name.startsWith("junit-")),
                    "no JUnit jar on the class path: " + System.getProperty("java.class.path"));
            codeBases.add(sources.javaBase());

            Policy policy = Policy.everything(hierarchy);
            // the runtime is never rewritten (its twins are written by hand); everything else would be
            Pass pass = new Pass("everything", codeBases, () -> new ClassInstrumenter(policy),
                    n -> !n.startsWith("dev/coro/"), java.util.EnumSet.of(TwinResolution.Cause.NATIVE,
                    TwinResolution.Cause.ANNOTATION_MEMBER, TwinResolution.Cause.OLD_INTERFACE));
            Run run = runPass(pass, sources, hierarchy);
            assertNotVacuous(run);
        }
    }

    /** The code bases were found and most of their classes went through every check. */
    private static void assertNotVacuous(Run run) {
        assertTrue(run.classesRead.sum() > 1000 && run.classesRewritten.sum() > run.classesRead.sum() / 2,
                "too few classes rewritten: " + run.classesRewritten + " of " + run.classesRead);
        assertTrue(run.jvmSampled > 0 && run.jvmVerified.sum() >= run.jvmSampled * 9L / 10,
                "the JVM check skipped too many classes: verified " + run.jvmVerified + " of " + run.jvmSampled);
        assertTrue(run.twinSites > run.methodsRewritten.sum(),
                "too few calls to twins checked: " + run.twinSites + " sites");
    }

    /**
     * The agent's {@code scope=} policy (every method of the scoped packages is a coroutine; a call is redirected
     * to a twin only where the policy believes there is one), with its default patches, over the ASM and JUnit
     * jars, each class as the agent would rewrite it: the same checks, and no gap allowed in the twin check.
     * java.base is not a code base here: the agent never rewrites the JDK, whatever {@code scope=} says.
     */
    @Test
    void underScopeEveryMethodOfAsmAndJunitVerifiesAndEveryTwinItCallsExists() throws Exception {
        try (ClassSources sources = ClassSources.open()) {
            ClassHierarchy hierarchy = new ClassHierarchy(sources::find);
            twinCheckFindsMissingTwins(sources);
            AgentSetup agent = AgentSetup.parse(SCOPE);
            List<ClassSources.CodeBase> codeBases = sources.jarCodeBases();
            for (ClassSources.CodeBase cb : codeBases) {
                for (String name : cb.classes) {
                    assertTrue(agent.inScope(name), name + " of " + cb.name + " is outside " + SCOPE);
                }
            }
            Pass pass = new Pass("scope", codeBases, () -> agent.instrumenter(hierarchy), agent::accepts,
                    Set.of());
            Run run = runPass(pass, sources, hierarchy);
            assertNotVacuous(run);
        }
    }

    /** The packages of the jar code bases, as {@code scope=} options. */
    private static final String SCOPE = "scope=org.objectweb.asm.**,scope=org.junit.**,scope=org.opentest4j.**,"
            + "scope=org.apiguardian.**";

    /**
     * Rewrites and checks every class of the pass's code bases, then resolves every call to a twin they make, then
     * runs the JVM's verifier; prints the report and fails on any failure.
     */
    private static Run runPass(Pass pass, ClassSources sources, ClassHierarchy hierarchy) throws Exception {
        long start = System.nanoTime();
        Run run = new Run();
        run.twins = new TwinResolution(sources::find, n -> rewriteElsewhere(sources, pass, n, run), pass.rewrites,
                run.leftUnchanged);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        Map<String, Integer> perCodeBase = new LinkedHashMap<>();
        try {
            for (ClassSources.CodeBase cb : pass.codeBases) {
                int n = 0;
                for (int i = 0; i < cb.classes.size(); i++) {
                    if (cb.jdk && i % JDK_STRIDE != 0) {
                        continue;
                    }
                    String name = cb.classes.get(i);
                    // java.* cannot be defined outside the boot loader; java.base's other packages can
                    boolean jvmSample = (!cb.jdk || JDK_JVM && !name.startsWith("java/")) && i % JVM_STRIDE == 0;
                    futures.add(pool.submit(() -> {
                        try {
                            processClass(sources, hierarchy, pass.instrumenter, cb, name, jvmSample, run);
                        } catch (Throwable t) {
                            run.fail("the check itself threw " + t.getClass().getName(), name, null,
                                    stackTrace(t), t, null);
                        }
                    }));
                    n++;
                }
                perCodeBase.put(cb.name, n);
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long rewrittenAt = System.nanoTime();

        // every call to a twin, against the classes as rewritten (all of them are in now)
        for (TwinResolution.Miss m : run.twins.check()) {
            if (!m.cause().checked()) {
                run.twinUnchecked.merge(m.cause(), 1, Integer::sum);
            } else if (pass.policyGaps.contains(m.cause())) {
                run.twinGaps.merge(m.cause(), 1, Integer::sum);
            } else {
                int dot = m.first().indexOf('.');
                run.twinMisses.add(m);
                run.fail("twin resolution: a call to a method that does not exist once rewritten: "
                                + m.cause().text, m.first().substring(0, dot), m.first().substring(dot + 1),
                        "calls " + m.target() + " (" + m.sites() + " call sites)", null, null);
            }
        }
        run.twinTargets = run.twins.targetCount();
        run.twinSites = run.twins.siteCount();
        long resolvedAt = System.nanoTime();

        // the JVM's verifier, one fresh loader per class
        List<Sample> samples = new ArrayList<>(run.jvmSamples);
        samples.sort((a, b) -> a.name.compareTo(b.name));
        run.jvmSampled = samples.size();
        ClassLoader parent = InstrumentEverythingTest.class.getClassLoader();
        for (Sample s : samples) {
            JvmVerifier.Outcome o = JvmVerifier.verify(s.name, s.bytes, n -> s.codeBase.read(sources, n), parent);
            switch (o.kind) {
                case VERIFIED:
                    run.jvmVerified.increment();
                    break;
                case REJECTED:
                    run.fail("JVM verifier: " + o.stage + ": " + o.error.getClass().getSimpleName() + ": "
                                    + normalize(blurNames(String.valueOf(o.error.getMessage()))), s.name, null,
                            o.reason(), o.error, () -> MethodDump.dumpClass(hierarchy, s.bytes, null));
                    break;
                default:
                    run.skippedCount.increment();
                    String message = String.valueOf(o.error.getMessage())
                            .replaceAll("'verify:[^']*' @\\p{XDigit}+", "a fresh loader");
                    run.skipped.merge(o.stage + ": " + o.error.getClass().getSimpleName() + ": "
                            + normalize(message), 1, Integer::sum);
                    System.out.println("skipped: " + s.name.replace('/', '.') + ": " + o.reason());
            }
        }
        long end = System.nanoTime();

        report(pass.label, run, perCodeBase, (rewrittenAt - start) / 1_000_000,
                (resolvedAt - rewrittenAt) / 1_000_000, (end - resolvedAt) / 1_000_000);
        if (run.failures.sum() > 0) {
            fail(pass.label + ": " + run.failures.sum() + " failures in " + run.failureKinds.size()
                    + " kinds, first: " + run.failureKinds.values().iterator().next().kind
                    + " (see the output above and " + DUMPS.resolve(pass.label).toAbsolutePath() + ")");
        }
        return run;
    }

    /**
     * A class outside the code bases that a call to a twin leads to (a supertype, a callee), as the agent would
     * load it: rewritten by the same instrumenter if the agent rewrites it, else as it is.
     */
    private static byte[] rewriteElsewhere(ClassSources sources, Pass pass, String name, Run run) {
        byte[] original = sources.find(name);
        if (original == null) {
            return null;
        }
        ClassInstrumenter.Result r = pass.instrumenter.get().instrument(original);
        if (r.bytes == null && r.hasErrors()) {
            run.leftUnchanged.add(name);
        }
        return r.bytes != null ? r.bytes : original;
    }

    @Test
    void theAsmCheckRejectsBrokenCode() throws IOException {
        try (ClassSources sources = ClassSources.open()) {
            asmCheckRejectsBrokenCode(new ClassHierarchy(sources::find));
        }
    }

    @Test
    void theJvmCheckRejectsBrokenClasses() {
        jvmCheckRejectsBrokenClass();
    }

    @Test
    void theTwinCheckFindsMissingTwins() throws IOException {
        try (ClassSources sources = ClassSources.open()) {
            twinCheckFindsMissingTwins(sources);
        }
    }

    /** Rewrites one class and checks the result; everything found goes into {@code run}. */
    private static void processClass(ClassSources sources, ClassHierarchy hierarchy,
                                     Supplier<ClassInstrumenter> instrumenter, ClassSources.CodeBase cb, String name,
                                     boolean jvmSample, Run run) {
        byte[] original = cb.read(sources, name);
        if (original == null) {
            run.fail("class file unreadable", name, null, "no class file in " + cb.name, null, null);
            return;
        }
        run.classesRead.increment();
        ClassInstrumenter.Result r;
        try {
            r = instrumenter.get().instrument(original);
        } catch (Throwable t) {
            run.fail("instrumenter threw " + t.getClass().getName() + ": " + normalize(String.valueOf(t.getMessage())),
                    name, null, stackTrace(t), t, null);
            return;
        }
        run.methodsRewritten.add(r.rewritten.size());
        for (Problem p : r.problems) {
            if (p.severity() == Problem.Severity.WARNING) {
                run.warnings.increment();
            } else if (p.reason().contains("65535-byte limit")) {
                run.tooLarge.add(p);
            } else if (p.reason().startsWith("a native method cannot be a coroutine")) {
                run.nativeReports.increment();
            } else if (p.reason().contains("predates Java 8")) {
                run.oldInterfaceReports.increment(); // cannot hold the default-method bridge twin
            } else {
                run.fail("instrumenter reported an error: " + normalize(p.reason()), name, p.method(), p.toString(),
                        null, () -> methodDump(hierarchy, original, p.method()));
            }
        }
        if (r.bytes == null) {
            run.classesUnchanged.increment();
            if (r.hasErrors()) {
                run.leftUnchanged.add(name); // what its callers were told has twins has none
            }
            run.twins.record(original, false);
            return;
        }
        run.classesRewritten.increment();
        run.twins.record(r.bytes, true);
        asmVerify(hierarchy, name, original, r.bytes, run);
        if (jvmSample) {
            run.jvmSamples.add(new Sample(cb, name, r.bytes));
        }
    }

    /** ASM's structural check and data-flow verification of every method of a rewritten class. */
    private static void asmVerify(ClassHierarchy hierarchy, String name, byte[] original, byte[] rewritten,
                                  Run run) {
        ClassNode cn = new ClassNode();
        try {
            new ClassReader(rewritten).accept(new ClassFlagsMask(new CheckClassAdapter(cn, false)), 0);
        } catch (RuntimeException e) {
            String baseline = null;
            try {
                new ClassReader(original).accept(new ClassFlagsMask(new CheckClassAdapter(new ClassNode(), false)), 0);
            } catch (RuntimeException o) {
                baseline = o.getMessage();
            }
            run.fail("structural check (CheckClassAdapter): " + normalize(firstLine(String.valueOf(e.getMessage())))
                            + (baseline == null ? "" : " [the original class is rejected too]"),
                    name, null, stackTrace(e) + (baseline == null ? "" : "original: " + baseline), e,
                    () -> MethodDump.dumpClass(hierarchy, rewritten, null));
            return;
        }
        boolean ok = true;
        for (MethodNode m : cn.methods) {
            if (m.instructions.size() == 0) {
                continue;
            }
            try {
                HierarchyVerifier.analyzer(hierarchy, cn, run.unresolved).analyze(cn.name, m);
                run.asmVerifiedMethods.increment();
            } catch (AnalyzerException | RuntimeException e) {
                ok = false;
                String kind = e instanceof AnalyzerException ? "ASM analyzer: " + normalize(e.getMessage())
                        : "ASM analyzer crashed: " + e.getClass().getSimpleName() + ": " + normalize(e.getMessage());
                String baseline = originalVerdict(hierarchy, original, m);
                run.fail(kind + (baseline == null ? "" : " [the original method is rejected too]"),
                        name, m.name + m.desc, e.getMessage() + (baseline == null ? "" : "; original: " + baseline),
                        e, () -> MethodDump.dump(hierarchy, cn, m) + "=== original\n"
                                + methodDump(hierarchy, original, m.name));
            }
        }
        if (ok) {
            run.asmVerifiedClasses.increment();
        }
    }

    /**
     * Clears the class access flags that javac never sets and the JVM ignores (JVMS 4.1: private, protected,
     * static); jlink writes them into java.base's generated {@code $Holder} classes, and CheckClassAdapter rejects
     * them.
     */
    private static final class ClassFlagsMask extends ClassVisitor {
        ClassFlagsMask(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            int ignored = Opcodes.ACC_PRIVATE | Opcodes.ACC_PROTECTED | Opcodes.ACC_STATIC;
            super.visit(version, access & ~ignored, name, signature, superName, interfaces);
        }
    }

    /** The analyzer's verdict on the original method a rewritten one came from: null if it passes. */
    private static String originalVerdict(ClassHierarchy hierarchy, byte[] original, MethodNode rewritten) {
        String desc = rewritten.desc.replace("Ldev/coro/internal/Stack;)", ")");
        ClassNode cn = new ClassNode();
        new ClassReader(original).accept(cn, 0);
        for (MethodNode m : cn.methods) {
            if (m.name.equals(rewritten.name) && m.desc.equals(desc) && m.instructions.size() > 0) {
                try {
                    HierarchyVerifier.analyzer(hierarchy, cn, ConcurrentHashMap.newKeySet()).analyze(cn.name, m);
                    return null;
                } catch (AnalyzerException | RuntimeException e) {
                    return e.getMessage();
                }
            }
        }
        return null;
    }

    private static String methodDump(ClassHierarchy hierarchy, byte[] classFile, String method) {
        if (method == null) {
            return null;
        }
        int paren = method.indexOf('(');
        return MethodDump.dumpClass(hierarchy, classFile, paren < 0 ? method : method.substring(0, paren));
    }

    // ---- self-checks: the verification paths must reject broken code

    /** ASM's path rejects a method that pops from an empty stack and one that passes a String as an Integer. */
    private static void asmCheckRejectsBrokenCode(ClassHierarchy hierarchy) {
        ClassNode owner = new ClassNode();
        owner.name = "dev/coro/agent/verify/Broken";
        owner.superName = "java/lang/Object";
        owner.access = Opcodes.ACC_PUBLIC;
        owner.version = Opcodes.V17;

        MethodNode underflow = new MethodNode(Opcodes.ACC_STATIC, "underflow", "()V", null, null);
        underflow.instructions.add(new InsnNode(Opcodes.POP));
        underflow.instructions.add(new InsnNode(Opcodes.RETURN));
        underflow.maxStack = 4;
        underflow.maxLocals = 0;
        assertRejected(hierarchy, owner, underflow);

        MethodNode wrongType = new MethodNode(Opcodes.ACC_STATIC, "wrongType", "(Ljava/lang/String;)I", null, null);
        wrongType.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
        wrongType.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, "java/lang/Integer", "intValue", "()I"));
        wrongType.instructions.add(new InsnNode(Opcodes.IRETURN));
        wrongType.maxStack = 1;
        wrongType.maxLocals = 1;
        assertRejected(hierarchy, owner, wrongType);

        // and accepts what the JVM accepts: a subclass for its superclass, anything for an interface
        MethodNode fine = new MethodNode(Opcodes.ACC_STATIC, "fine", "(Ljava/util/ArrayList;)I", null, null);
        fine.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
        fine.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, "java/util/AbstractList", "hashCode", "()I"));
        fine.instructions.add(new InsnNode(Opcodes.POP));
        fine.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
        fine.instructions.add(new TypeInsnNode(Opcodes.CHECKCAST, "java/lang/Object"));
        fine.instructions.add(new MethodInsnNode(Opcodes.INVOKEINTERFACE, "java/util/Collection", "size", "()I",
                true));
        fine.instructions.add(new InsnNode(Opcodes.IRETURN));
        fine.maxStack = 1;
        fine.maxLocals = 1;
        try {
            HierarchyVerifier.analyzer(hierarchy, owner, ConcurrentHashMap.newKeySet()).analyze(owner.name, fine);
        } catch (AnalyzerException e) {
            fail("the ASM check rejects valid code: " + e.getMessage());
        }

        // a stack map frame that contradicts the code, which only a frame-checking analysis sees
        for (String defect : new String[] {null, "frame"}) {
            ClassNode cn = new ClassNode();
            new ClassReader(generated("dev/coro/agent/verify/SelfCheck", defect)).accept(cn, 0);
            MethodNode m = cn.methods.get(0);
            if (defect == null) {
                try {
                    HierarchyVerifier.analyzer(hierarchy, cn, ConcurrentHashMap.newKeySet()).analyze(cn.name, m);
                } catch (AnalyzerException e) {
                    fail("the ASM check rejects a valid frame: " + e.getMessage());
                }
            } else {
                assertRejected(hierarchy, cn, m);
            }
        }
    }

    private static void assertRejected(ClassHierarchy hierarchy, ClassNode owner, MethodNode m) {
        try {
            HierarchyVerifier.analyzer(hierarchy, owner, ConcurrentHashMap.newKeySet()).analyze(owner.name, m);
            fail("the ASM check accepts the broken method " + m.name);
        } catch (AnalyzerException expected) {
            // the check can fail
        }
    }

    /**
     * The JVM path defines and links a valid class, and rejects one that pops from an empty stack and one whose
     * stack map frame contradicts its code (which ASM's analyzer, ignoring frames, would accept), both when linking.
     */
    private static void jvmCheckRejectsBrokenClass() {
        ClassLoader parent = InstrumentEverythingTest.class.getClassLoader();
        String valid = "dev/coro/agent/verify/SelfCheckValid";
        JvmVerifier.Outcome ok = JvmVerifier.verify(valid, generated(valid, null), n -> null, parent);
        assertEquals(JvmVerifier.Kind.VERIFIED, ok.kind, "a valid generated class: " + ok);

        for (String defect : new String[] {"underflow", "frame"}) {
            String broken = "dev/coro/agent/verify/SelfCheckBroken_" + defect;
            JvmVerifier.Outcome o = JvmVerifier.verify(broken, generated(broken, defect), n -> null, parent);
            assertEquals(JvmVerifier.Kind.REJECTED, o.kind, "the broken class (" + defect + ") must be rejected: " + o);
            assertSame(VerifyError.class, o.error.getClass(), "the broken class (" + defect + "): " + o);
            assertEquals("link", o.stage, "verification must happen when the check links the class: " + o);
        }
    }

    /**
     * The twin check reports a call to a twin its target lacks and one that resolves to a static method from a
     * non-static call, and passes a twin inherited from a superinterface's default method (hand-made classes); and
     * through the real instrumenter, under Policy.everything (which, like {@code scope=} before it learned better,
     * redirects every call), it reports the calls to the missing twins of an annotation's member and of a Java 7
     * interface's abstract method, which are what threw NoSuchMethodError in Jackson and Gson, while the runtime
     * calls the rewriting adds all resolve.
     */
    private static void twinCheckFindsMissingTwins(ClassSources sources) {
        String p = "dev/coro/agent/verify/TwinSelfCheck";
        String stack = TwinResolution.STACK_DESC;
        Map<String, byte[]> made = new java.util.HashMap<>();
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT, p + "Itf", null,
                "java/lang/Object", null);
        emptyMethod(cw, Opcodes.ACC_PUBLIC, "inherited", "(" + stack + ")V");
        made.put(p + "Itf", cw.toByteArray());
        cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, p + "Target", null, "java/lang/Object",
                new String[] {p + "Itf"});
        emptyMethod(cw, Opcodes.ACC_PUBLIC, "plain", "()V"); // no twin
        emptyMethod(cw, Opcodes.ACC_PUBLIC, "instance", "(" + stack + ")V");
        made.put(p + "Target", cw.toByteArray());
        cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, p + "Caller", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "calls", "(L" + p + "Target;" + stack + ")V", null,
                null);
        mv.visitCode();
        for (String[] call : new String[][] {{"plain", "v"}, {"inherited", "v"}, {"instance", "s"}}) {
            if (call[1].equals("v")) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
            }
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitMethodInsn(call[1].equals("v") ? Opcodes.INVOKEVIRTUAL : Opcodes.INVOKESTATIC, p + "Target",
                    call[0], "(" + stack + ")V", false);
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(2, 2);
        mv.visitEnd();
        made.put(p + "Caller", cw.toByteArray());

        // an annotation with a member and a Java 7 interface, and a class calling both, rewritten for real
        cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT
                | Opcodes.ACC_ANNOTATION, p + "Anno", null, "java/lang/Object",
                new String[] {"java/lang/annotation/Annotation"});
        cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_ABSTRACT, "value", "()I", null, null).visitEnd();
        made.put(p + "Anno", cw.toByteArray());
        cw = new ClassWriter(0);
        cw.visit(Opcodes.V1_7, Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT, p + "Java7", null,
                "java/lang/Object", null);
        cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_ABSTRACT, "name", "()I", null, null).visitEnd();
        made.put(p + "Java7", cw.toByteArray());
        cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, p + "User", null, "java/lang/Object", null);
        mv = cw.visitMethod(Opcodes.ACC_STATIC, "use", "(L" + p + "Anno;L" + p + "Java7;)I", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, p + "Anno", "value", "()I", true);
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, p + "Java7", "name", "()I", true);
        mv.visitInsn(Opcodes.IADD);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(2, 2);
        mv.visitEnd();
        made.put(p + "User", cw.toByteArray());

        java.util.function.Function<String, byte[]> find = n -> made.containsKey(n) ? made.get(n) : sources.find(n);
        ClassInstrumenter instrumenter = new ClassInstrumenter(Policy.everything(new ClassHierarchy(find)));
        Set<String> unchanged = ConcurrentHashMap.newKeySet();
        TwinResolution twins = new TwinResolution(find, find, made::containsKey, unchanged);
        for (String name : new String[] {"Itf", "Target", "Caller"}) {
            twins.record(made.get(p + name), name.equals("Caller"));
        }
        for (String name : new String[] {"Anno", "Java7", "User"}) {
            ClassInstrumenter.Result r = instrumenter.instrument(made.get(p + name));
            twins.record(r.bytes != null ? r.bytes : made.get(p + name), r.bytes != null);
        }
        Map<String, TwinResolution.Cause> found = new TreeMap<>();
        for (TwinResolution.Miss m : twins.check()) {
            found.put(m.target().owner().substring(p.length()) + "." + m.target().name(), m.cause());
        }
        assertEquals(Map.of("Target.plain", TwinResolution.Cause.UNEXPLAINED,
                        "Target.instance", TwinResolution.Cause.WRONG_KIND,
                        "Anno.value", TwinResolution.Cause.ANNOTATION_MEMBER,
                        "Java7.name", TwinResolution.Cause.OLD_INTERFACE), found,
                "the twin check's verdicts on the self-check classes");
        // and the stub, the twin and the runtime calls of User were checked too: they resolved
        assertTrue(twins.targetCount() > found.size() + 3, "runtime calls checked: " + twins.targetCount());
    }

    private static void emptyMethod(ClassWriter cw, int access, String name, String desc) {
        MethodVisitor mv = cw.visitMethod(access, name, desc, null, null);
        mv.visitCode();
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, Type.getArgumentsAndReturnSizes(desc) >> 2);
        mv.visitEnd();
    }

    /**
     * A class with {@code static int m(int)}: {@code return x != 0 ? 1 : 0} with correct frames, or with a defect:
     * a POP on an empty stack first ("underflow"), or a frame at the branch target that claims the int argument is a
     * String ("frame"). Written without COMPUTE flags, so nothing repairs the defect.
     */
    private static byte[] generated(String name, String defect) {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "m", "(I)I", null, null);
        mv.visitCode();
        if ("underflow".equals(defect)) {
            mv.visitInsn(Opcodes.POP);
        }
        org.objectweb.asm.Label zero = new org.objectweb.asm.Label();
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitJumpInsn(Opcodes.IFEQ, zero);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitLabel(zero);
        Object local = "frame".equals(defect) ? "java/lang/String" : Opcodes.INTEGER;
        mv.visitFrame(Opcodes.F_FULL, 1, new Object[] {local}, 0, new Object[0]);
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(4, 1);
        mv.visitEnd();
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        assertNotNull(bytes);
        return bytes;
    }

    // ---- reporting

    private static void report(String label, Run run, Map<String, Integer> perCodeBase, long rewriteMillis,
                               long twinMillis, long jvmMillis) throws IOException {
        int jvmSampled = run.jvmSampled;
        Path dumps = DUMPS.resolve(label);
        StringBuilder out = new StringBuilder();
        out.append("instrument-everything (").append(label).append("): code bases ").append(perCodeBase)
                .append('\n');
        if (JDK_STRIDE > 1) {
            out.append("  java.base sampled deterministically: every ").append(JDK_STRIDE)
                    .append("th class in name order\n");
        }
        for (Problem p : run.tooLarge) {
            out.append("  too large (reported, not rewritten): ").append(p.className()).append('.')
                    .append(p.method()).append(": ").append(p.reason()).append('\n');
        }
        if (!run.skipped.isEmpty()) {
            out.append("  JVM check skipped, by reason:\n");
            run.skipped.forEach((reason, n) -> out.append("    ").append(n).append(" x ").append(reason)
                    .append('\n'));
        }
        if (!run.unresolved.isEmpty()) {
            List<String> names = new ArrayList<>(run.unresolved);
            Collections.sort(names);
            out.append("  types without a class file (assignability to/from them not checked by ASM): ")
                    .append(names.size()).append(' ')
                    .append(names.subList(0, Math.min(10, names.size()))).append(names.size() > 10 ? "..." : "")
                    .append('\n');
        }
        out.append("  twin resolution: ").append(run.twinTargets).append(" distinct targets (")
                .append(run.twinSites).append(" call sites) of calls to twins and into the runtime; ")
                .append(run.twinMisses.size()).append(" missing; gaps Policy.everything asks for: ")
                .append(run.twinGaps).append("; not checked: ").append(run.twinUnchecked).append('\n');
        Map<TwinResolution.Cause, Integer> shown = new java.util.EnumMap<>(TwinResolution.Cause.class);
        for (TwinResolution.Miss m : run.twinMisses) { // up to 20 of each cause, so that every cause shows
            int n = shown.merge(m.cause(), 1, Integer::sum);
            if (n <= 20) {
                out.append("    missing: ").append(m.target()).append(", called by ").append(m.first())
                        .append(m.sites() > 1 ? " and " + (m.sites() - 1) + " more sites" : "").append(": ")
                        .append(m.cause().text).append('\n');
            } else if (n == 21) {
                out.append("    ... and more: ").append(m.cause().text).append('\n');
            }
        }
        Files.createDirectories(dumps);
        int k = 0;
        synchronized (run.failureKinds) {
            List<Failure> kinds = new ArrayList<>(run.failureKinds.values());
            kinds.sort((a, b) -> a.count != b.count ? b.count - a.count : a.kind.compareTo(b.kind));
            for (Failure f : kinds) {
                k++;
                out.append("  FAILURE KIND ").append(k).append(" (").append(f.count).append(" x): ").append(f.kind)
                        .append("\n    first: ").append(f.className.replace('/', '.'))
                        .append(f.method == null ? "" : "." + f.method).append(": ")
                        .append(firstLine(String.valueOf(f.detail))).append('\n');
                StringBuilder file = new StringBuilder();
                file.append(f.kind).append('\n').append(f.className).append(' ').append(f.method).append('\n')
                        .append(f.detail).append('\n');
                if (f.throwable != null) {
                    file.append(stackTrace(f.throwable)).append('\n');
                }
                String dump = f.dump == null ? null : f.dump.get();
                if (dump != null) {
                    file.append(dump);
                }
                Path p = dumps.resolve("failure-" + k + ".txt");
                Files.writeString(p, file);
                out.append("    dump: ").append(p.toAbsolutePath()).append('\n');
            }
        }
        out.append(String.format("instrument-everything (" + label + ") summary: classes read %d, classes rewritten %d "
                        + "(unchanged %d), methods rewritten %d, too-large reports %d, native reports %d, "
                        + "pre-Java-8 interface reports %d, "
                        + "pinned-call warnings %d, ASM-verified classes %d (methods %d), JVM-verified classes %d "
                        + "of %d sampled (jar classes%s, every %d%s), skipped %d, failures %d; %d threads, "
                        + "rewrite+ASM %d ms, twin resolution %d ms, "
                        + "JVM %d ms%n",
                run.classesRead.sum(), run.classesRewritten.sum(), run.classesUnchanged.sum(),
                run.methodsRewritten.sum(), run.tooLarge.size(), run.nativeReports.sum(), run.oldInterfaceReports.sum(),
                run.warnings.sum(),
                run.asmVerifiedClasses.sum(), run.asmVerifiedMethods.sum(), run.jvmVerified.sum(), jvmSampled,
                JDK_JVM ? " and java.base outside java.*" : "", JVM_STRIDE, JVM_STRIDE == 1 ? "st: all" : "th", run.skippedCount.sum(), run.failures.sum(),
                THREADS, rewriteMillis, twinMillis, jvmMillis));
        System.out.print(out);
        System.out.flush();
    }

    /** A message with the specifics (numbers, class names) blurred, to group failures by kind. */
    static String normalize(String message) {
        if (message == null) {
            return "null";
        }
        String s = firstLine(message);
        s = s.replaceAll("L[\\w$/]+;", "L…;");
        s = s.replaceAll("[\\w$]+(/[\\w$]+)+", "…");
        s = s.replaceAll("[\\w$]+(\\.[\\w$]+){2,}", "…");
        s = s.replaceAll("\\d+", "N");
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }

    /** The names in a JVM error message ("Method m in class C"), which would make every failure its own kind. */
    private static String blurNames(String message) {
        return firstLine(message).replaceAll("\\b(Method|method|Field|field|class|Class|Type|type)\\s+'?[\\w$/.<>]+'?",
                "$1 …");
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }
}
