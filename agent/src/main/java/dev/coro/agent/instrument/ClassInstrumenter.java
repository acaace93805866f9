package dev.coro.agent.instrument;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.JSRInlinerAdapter;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Rewrites one class: every coroutine method becomes a stub with the original signature plus a twin holding the
 * body as a state machine; every abstract coroutine method gets a bridge twin. The passes, in order, per method:
 * {@link #toTwin} (signature and locals), {@link NewRelocator}, {@link FlowAnalyzer} (types and monitors),
 * {@link StateMachine}.
 */
public final class ClassInstrumenter {
    private static final String LAMBDA_FACTORY = "java/lang/invoke/LambdaMetafactory";

    private final Policy policy;
    private final boolean preemption;
    private final Patches patches;
    private final SiteRegistry sites;

    /** With preemption checks at loop heads, without patches. */
    public ClassInstrumenter(Policy policy) {
        this(policy, true, Patches.none());
    }

    public ClassInstrumenter(Policy policy, boolean preemption, Patches patches) {
        this(policy, preemption, patches, SiteRegistry.RUNTIME);
    }

    public ClassInstrumenter(Policy policy, boolean preemption, Patches patches, SiteRegistry sites) {
        this.policy = policy;
        this.preemption = preemption;
        this.patches = patches;
        this.sites = sites;
    }

    /** The outcome for one class. */
    public static final class Result {
        /** The new class file, or null if the class is unchanged. */
        public final byte[] bytes;
        public final List<Problem> problems;
        /** One line per rewritten method: name, size before and after. */
        public final List<String> rewritten;
        /** Method references to other classes' methods that coroutine lambdas target: owner, name+desc. */
        public final List<String[]> foreignTargets;

        Result(byte[] bytes, List<Problem> problems, List<String> rewritten, List<String[]> foreignTargets) {
            this.bytes = bytes;
            this.problems = problems;
            this.rewritten = rewritten;
            this.foreignTargets = foreignTargets;
        }

        public boolean hasErrors() {
            return problems.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR);
        }
    }

    public Result instrument(byte[] classFile) {
        return instrument(classFile, Set.of());
    }

    /**
     * For a class the agent must not rewrite: its code stays as it is, and each method that overrides a coroutine
     * gets a twin that runs it pinned, so that rewritten callers (which call twins) reach the override.
     */
    public Result pinnedTwins(byte[] classFile) {
        ClassNode cn = new ClassNode(Opcodes.ASM9);
        new ClassReader(classFile).accept(cn, ClassReader.SKIP_FRAMES);
        List<String> twins = new ArrayList<>();
        boolean itf = (cn.access & Opcodes.ACC_INTERFACE) != 0;
        if ((cn.access & Opcodes.ACC_ANNOTATION) != 0 || itf && (cn.version & 0xFFFF) < Opcodes.V1_8) {
            return new Result(null, List.of(), twins, List.of());
        }
        Set<String> existing = new HashSet<>();
        for (MethodNode m : cn.methods) {
            existing.add(m.name + m.desc);
        }
        List<MethodNode> added = new ArrayList<>();
        for (MethodNode m : cn.methods) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE | Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0
                    && !m.name.startsWith("<") && !m.desc.contains(Insns.STACK_DESC)
                    && !existing.contains(m.name + Insns.twinDesc(m.desc)) && policy.isCoroutine(cn, m, Set.of())) {
                added.add(Stubs.pinnedTwin(cn.name, itf, m));
                twins.add(m.name + m.desc);
            }
        }
        if (added.isEmpty()) {
            return new Result(null, List.of(), twins, List.of());
        }
        cn.methods.addAll(added);
        ClassWriter cw = new HierarchyClassWriter(policy.hierarchy());
        cn.accept(cw);
        return new Result(cw.toByteArray(), List.of(), twins, List.of());
    }

    /** @param extraTargets name+desc of methods of this class to treat as coroutines (method-reference targets) */
    public Result instrument(byte[] classFile, Set<String> extraTargets) {
        // a coroutine whose twin would be too large gets a pinned twin, and the class is rewritten again: callers
        // elsewhere were rewritten to call its twins, so the class must not load without them
        java.util.Map<String, Integer> pinned = new java.util.HashMap<>(); // method -> its twin's code size
        while (true) {
            try {
                return instrument(classFile, extraTargets, pinned);
            } catch (TwinTooLarge e) {
                pinned.put(e.method, e.size);
            }
        }
    }

    /** A twin over the JVM's limit for a method's code, of a method not yet pinned. */
    private static final class TwinTooLarge extends Exception {
        final String method;
        final int size;

        TwinTooLarge(String method, int size) {
            super(method, null, false, false);
            this.method = method;
            this.size = size;
        }
    }

    private Result instrument(byte[] classFile, Set<String> extraTargets, java.util.Map<String, Integer> pinned)
            throws TwinTooLarge {
        ClassReader reader = new ClassReader(classFile);
        ClassNode cn = new ClassNode(Opcodes.ASM9);
        reader.accept(new ClassVisitor(Opcodes.ASM9, cn) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                return new JSRInlinerAdapter(super.visitMethod(access, name, desc, sig, exc), access, name, desc, sig,
                        exc);
            }
        }, ClassReader.SKIP_FRAMES);

        List<Problem> problems = new ArrayList<>();
        List<String> rewritten = new ArrayList<>();
        List<String[]> foreign = new ArrayList<>();
        Set<String> lambdaBodies = new HashSet<>(extraTargets);
        findCoroutineLambdas(cn, lambdaBodies, foreign);

        boolean itf = (cn.access & Opcodes.ACC_INTERFACE) != 0;
        if ((cn.access & Opcodes.ACC_ANNOTATION) != 0) {
            return new Result(null, problems, rewritten, foreign); // annotation members are constants, not code
        }
        // before Java 8 (class file 52) an interface can hold only abstract methods: no bridges, no bodies
        boolean oldInterface = itf && (cn.version & 0xFFFF) < Opcodes.V1_8;
        Set<String> existing = new HashSet<>();
        for (MethodNode m : cn.methods) {
            existing.add(m.name + m.desc);
        }
        List<MethodNode> added = new ArrayList<>();
        boolean changed = false;
        for (MethodNode m : new ArrayList<>(cn.methods)) {
            if (!policy.isCoroutine(cn, m, lambdaBodies)) {
                continue;
            }
            String where = m.name + m.desc;
            if (existing.contains(m.name + Insns.twinDesc(m.desc)) || m.desc.contains(Insns.STACK_DESC)) {
                continue; // already rewritten (a retransform, or a second agent)
            }
            if (m.name.equals("<init>") || m.name.equals("<clinit>")) {
                problems.add(new Problem(Problem.Severity.ERROR, cn.name, where, Insns.firstLine(m),
                        (m.name.equals("<init>") ? "a constructor" : "a static initialiser") + " cannot be a coroutine",
                        "move the suspending work into a @Coroutine method (a static factory, or an init method)"));
                continue;
            }
            if ((m.access & Opcodes.ACC_NATIVE) != 0) {
                problems.add(new Problem(Problem.Severity.ERROR, cn.name, where, -1,
                        "a native method cannot be a coroutine", "remove @Coroutine, or wrap the call in Coro.blocking"));
                continue;
            }
            if ((m.access & Opcodes.ACC_ABSTRACT) != 0) {
                if (oldInterface) {
                    problems.add(new Problem(Problem.Severity.ERROR, cn.name, where, -1,
                            "the interface's class file (version " + (cn.version & 0xFFFF) + ") predates Java 8, so it"
                                    + " cannot get the default method a coroutine interface needs; its implementations"
                                    + " are called pinned", "recompile the interface for Java 8 or later"));
                    continue;
                }
                added.add(Stubs.bridge(cn.name, itf, m));
                changed = true;
                continue;
            }
            if (pinned.containsKey(where)) {
                problems.add(new Problem(Problem.Severity.ERROR, cn.name, where, Insns.firstLine(m),
                        "rewritten as a coroutine it would take " + pinned.get(where) + " bytes, over the JVM's"
                                + " 65535-byte limit for one method; it runs pinned (never suspends)",
                        "split the method into smaller @Coroutine methods"));
                added.add(Stubs.pinnedTwin(cn.name, itf, m));
                changed = true;
                continue;
            }
            try {
                int before = sizeOf(m);
                MethodNode twin = rewrite(cn, m, problems);
                int line = Insns.firstLine(twin);
                MethodNode stub = Stubs.stub(cn.name, itf, m, line);
                cn.methods.set(cn.methods.indexOf(m), stub);
                added.add(twin);
                rewritten.add(where + " " + before + " -> " + sizeOf(twin) + " bytes");
                changed = true;
            } catch (InstrumentationException e) {
                problems.add(new Problem(Problem.Severity.ERROR, cn.name, where, e.line, e.getMessage()
                        + "; it runs pinned (never suspends)", e.fix));
                added.add(Stubs.pinnedTwin(cn.name, itf, m));
                changed = true;
            } catch (AnalyzerException e) {
                problems.add(new Problem(Problem.Severity.ERROR, cn.name, where,
                        e.node == null ? -1 : Insns.lineOf(e.node),
                        "its bytecode could not be analysed (" + e.getMessage() + "); it runs pinned (never suspends)",
                        "report this class to the coro project"));
                added.add(Stubs.pinnedTwin(cn.name, itf, m));
                changed = true;
            }
        }
        for (MethodNode m : cn.methods) {
            changed |= patches.redirectPlain(m, policy.hierarchy());
        }
        for (MethodNode m : added) {
            patches.redirectPlain(m, policy.hierarchy()); // their calls are patched already; method references not
        }
        if (!changed) {
            return new Result(null, problems, rewritten, foreign);
        }
        cn.methods.addAll(added);
        EntryLambdas.retarget(cn);
        try {
            ClassWriter cw = new HierarchyClassWriter(policy.hierarchy());
            cn.accept(cw);
            return new Result(cw.toByteArray(), problems, rewritten, foreign);
        } catch (MethodTooLargeException e) {
            String desc = e.getDescriptor();
            String original = e.getMethodName() + desc.replace(Insns.STACK_DESC + ")", ")");
            if (desc.contains(Insns.STACK_DESC + ")") && !pinned.containsKey(original)) {
                throw new TwinTooLarge(original, e.getCodeSize());
            }
            problems.add(new Problem(Problem.Severity.ERROR, cn.name, e.getMethodName() + e.getDescriptor(), -1,
                    "rewritten as a coroutine it would take " + e.getCodeSize()
                            + " bytes, over the JVM's 65535-byte limit for one method",
                    "split the method into smaller @Coroutine methods"));
            return new Result(null, problems, rewritten, foreign);
        }
    }

    /** The twin of {@code m}: same body, a trailing Stack parameter, rewritten into a state machine. */
    private MethodNode rewrite(ClassNode cn, MethodNode m, List<Problem> problems)
            throws InstrumentationException, AnalyzerException {
        MethodNode twin = toTwin(m);
        int stackLocal = Stubs.argsSize(m.desc, (m.access & Opcodes.ACC_STATIC) != 0);

        Set<MethodInsnNode> calls = new LinkedHashSet<>();
        java.util.Map<MethodInsnNode, String> dynamic = new java.util.HashMap<>(); // call -> its original desc
        java.util.Map<MethodInsnNode, String> patched = new java.util.HashMap<>(); // call -> what the source called
        Set<MethodInsnNode> keepArgs = new HashSet<>(patches.redirectConstructors(twin));
        calls.addAll(keepArgs);
        for (AbstractInsnNode insn = twin.instructions.getFirst(); insn != null; insn = insn.getNext()) {
            if (insn instanceof MethodInsnNode) {
                MethodInsnNode call = (MethodInsnNode) insn;
                if (keepArgs.contains(call)) {
                    continue;
                }
                String called = calleeName(call);
                if (patches.redirect(call, policy.hierarchy())) {
                    patched.put(call, called);
                    calls.add(call);
                    keepArgs.add(call); // a patched leaf retries the JDK call on resume: it needs its arguments
                } else if (policy.isSuspending(call.getOpcode(), call.owner, call.name, call.desc)) {
                    calls.add(call);
                } else if ((cn.version & 0xFFFF) >= Opcodes.V1_7 && patches.dispatches(call)) {
                    calls.add(call);
                    dynamic.put(call, call.desc);
                }
            }
        }
        Set<MethodInsnNode> preemptions = new HashSet<>();
        if (preemption) {
            preemptions.addAll(PreemptionPoints.insert(twin, stackLocal, (cn.version & 0xFFFF) >= Opcodes.V1_7));
            calls.addAll(preemptions);
        }
        if (calls.isEmpty()) {
            return twin;
        }
        NewRelocator.relocate(twin, calls);

        FlowAnalyzer analyzer = new FlowAnalyzer(new TypeInterpreter(policy.hierarchy(), cn.name, cn.superName,
                (cn.access & Opcodes.ACC_INTERFACE) != 0));
        Frame<BasicValue>[] frames = analyzer.analyze(cn.name, twin);
        int[] monitors = analyzer.monitorDepths(twin);
        java.util.BitSet[] live = analyzer.liveLocals(twin);
        List<MethodInsnNode> sites = new ArrayList<>();
        List<Frame<BasicValue>> siteFrames = new ArrayList<>();
        List<java.util.BitSet> siteLive = new ArrayList<>();
        List<AbstractInsnNode[]> sitePending = new ArrayList<>();
        PendingValues pending = new PendingValues(cn.name, twin);
        for (MethodInsnNode call : calls) {
            int i = twin.instructions.indexOf(call);
            if (frames[i] == null) {
                continue; // unreachable: javac leaves none, and it can never run
            }
            if (monitors[i] > 0 && keepArgs.contains(call)) {
                continue; // a patched call holding a monitor simply stays the JDK call: it blocks, as it would
            }
            if (monitors[i] > 0 && !policy.hierarchy().isCoroutine(call.owner, call.name, call.desc)) {
                continue; // a coroutine only by scope= (a library): if it ever waits pinned, the runtime says so
            }
            if (monitors[i] > 0) {
                problems.add(new Problem(Problem.Severity.WARNING, cn.name, m.name + m.desc, Insns.lineOf(call),
                        "the call to " + call.owner.replace('/', '.') + "." + call.name
                                + " is made while holding a monitor (synchronized), which a coroutine cannot release "
                                + "while suspended: it runs pinned, blocking the loop thread if it waits",
                        "use a coroutine lock instead of synchronized, or make the call outside the synchronized block"));
                continue; // stays a plain call: the callee's stub runs it pinned
            }
            sites.add(call);
            siteFrames.add(frames[i]);
            siteLive.add(live[i]);
            sitePending.add(pending.at(call));
        }
        if (!sites.isEmpty()) {
            new StateMachine(cn.name, cn.sourceFile, twin, stackLocal, preemptions,
                    call -> patched.getOrDefault(call, calleeName(call)), this.sites)
                    .rewrite(sites, siteFrames, siteLive, sitePending, keepArgs);
        }
        for (java.util.Map.Entry<MethodInsnNode, String> d : dynamic.entrySet()) {
            MethodInsnNode call = d.getKey();
            if (!call.desc.equals(d.getValue())) { // it became a suspension point: the receiver decides at run time
                twin.instructions.set(call, Patches.dynamicTwinCall(call, d.getValue()));
            }
        }
        return twin;
    }

    private static String calleeName(MethodInsnNode call) {
        return (call.owner.replace('/', '.') + "." + call.name).intern(); // a few distinct callees, many sites
    }

    /** A copy of {@code m}'s body in a new method with a trailing Stack parameter, locals shifted up by one. */
    private static MethodNode toTwin(MethodNode m) {
        boolean isStatic = (m.access & Opcodes.ACC_STATIC) != 0;
        int stackLocal = Stubs.argsSize(m.desc, isStatic);
        MethodNode copy = new MethodNode(Opcodes.ASM9, m.access, m.name, m.desc, null, null);
        m.accept(copy);
        int access = (m.access & ~Opcodes.ACC_VARARGS) | Opcodes.ACC_SYNTHETIC;
        MethodNode twin = new MethodNode(Opcodes.ASM9, access, m.name, Insns.twinDesc(m.desc), null,
                m.exceptions == null ? null : m.exceptions.toArray(new String[0]));
        twin.instructions = copy.instructions;
        twin.tryCatchBlocks = copy.tryCatchBlocks;
        twin.localVariables = copy.localVariables;
        twin.maxLocals = m.maxLocals + 1;
        twin.maxStack = m.maxStack;
        for (AbstractInsnNode insn = twin.instructions.getFirst(); insn != null; insn = insn.getNext()) {
            if (insn instanceof VarInsnNode && ((VarInsnNode) insn).var >= stackLocal) {
                ((VarInsnNode) insn).var++;
            } else if (insn instanceof IincInsnNode && ((IincInsnNode) insn).var >= stackLocal) {
                ((IincInsnNode) insn).var++;
            }
        }
        if (twin.localVariables != null) {
            for (LocalVariableNode lv : twin.localVariables) {
                if (lv.index >= stackLocal) {
                    lv.index++;
                }
            }
        }
        return twin;
    }

    /** Lambda bodies of this class whose functional interface method is a coroutine; foreign targets are listed. */
    private void findCoroutineLambdas(ClassNode cn, Set<String> bodies, List<String[]> foreign) {
        for (MethodNode m : cn.methods) {
            for (AbstractInsnNode insn = m.instructions.getFirst(); insn != null; insn = insn.getNext()) {
                if (!(insn instanceof InvokeDynamicInsnNode)) {
                    continue;
                }
                InvokeDynamicInsnNode indy = (InvokeDynamicInsnNode) insn;
                if (!indy.bsm.getOwner().equals(LAMBDA_FACTORY) || indy.bsmArgs.length < 3
                        || !(indy.bsmArgs[0] instanceof Type) || !(indy.bsmArgs[1] instanceof Handle)) {
                    continue;
                }
                Type iface = Type.getReturnType(indy.desc);
                Type sam = (Type) indy.bsmArgs[0];
                if (iface.getSort() != Type.OBJECT
                        || !policy.hierarchy().isCoroutine(iface.getInternalName(), indy.name, sam.getDescriptor())) {
                    continue;
                }
                Handle impl = (Handle) indy.bsmArgs[1];
                if (impl.getName().equals("<init>")) {
                    continue; // a constructor reference: constructors cannot suspend
                }
                if (impl.getOwner().equals(cn.name)) {
                    bodies.add(impl.getName() + impl.getDesc());
                } else {
                    foreign.add(new String[] {impl.getOwner(), impl.getName() + impl.getDesc()});
                }
            }
        }
    }

    private static int sizeOf(MethodNode m) {
        org.objectweb.asm.commons.CodeSizeEvaluator e = new org.objectweb.asm.commons.CodeSizeEvaluator(null);
        m.accept(e);
        return e.getMaxSize();
    }

}
