package dev.coro.agent;

import dev.coro.agent.hierarchy.ClassHierarchy;
import dev.coro.agent.instrument.ClassInstrumenter;
import dev.coro.agent.instrument.Policy;
import dev.coro.agent.instrument.Problem;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Rewrites classes as they load. Never throws into the JVM: any failure becomes a report naming the class, and
 * the class loads unchanged (or, with {@code strict}, fails to initialise with the report).
 */
final class CoroTransformer implements ClassFileTransformer {
    private final AgentOptions options;
    private final PrintStream err;
    private final Map<ClassLoader, ClassHierarchy> hierarchies = new WeakHashMap<>();
    private final ClassHierarchy bootHierarchy = ClassHierarchy.of(null);
    /** Methods of not-yet-loaded classes that coroutine method references target: class -> name+desc. */
    private final Map<String, Set<String>> pendingTargets = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    /** Taken here, before this transformer sees a class: the registry's classes must not load inside a transform. */
    private final dev.coro.agent.instrument.SiteRegistry sites = dev.coro.agent.instrument.SiteRegistry.RUNTIME;

    CoroTransformer(AgentOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain pd,
                            byte[] classFile) {
        if (className == null || AgentOptions.alwaysExcluded(className)) {
            return null;
        }
        try {
            return options.accepts(className) ? rewrite(loader, className, classFile)
                    : pinnedTwins(loader, className, classFile);
        } catch (Throwable t) {
            String report = "coro: error: could not rewrite class " + className.replace('/', '.') + ": " + t
                    + "; it loads unchanged, so its coroutines run pinned. Please report this to the coro project";
            err.println(report);
            if (options.verbose) {
                t.printStackTrace(err);
            }
            return options.strict ? failing(classFile, report) : null;
        }
    }

    private byte[] rewrite(ClassLoader loader, String className, byte[] classFile) throws IOException {
        ClassHierarchy hierarchy = hierarchy(loader);
        hierarchy.remember(classFile);
        seen.add(className);
        Set<String> extra = pendingTargets.getOrDefault(className, Set.of());
        ClassInstrumenter.Result r = new ClassInstrumenter(Policy.coroutines(hierarchy, options::hasTwins, options::inScope), options.preempt,
                new dev.coro.agent.instrument.Patches(patchesFor(loader)), sites).instrument(classFile, extra);
        for (String[] target : r.foreignTargets) {
            String owner = target[0];
            String method = target[1];
            int paren = method.indexOf('(');
            if (hierarchy.isCoroutine(owner, method.substring(0, paren), method.substring(paren))) {
                continue; // rewritten anyway
            }
            if (seen.contains(owner)) {
                report("coro: warning: " + className.replace('/', '.') + " uses " + owner.replace('/', '.') + "::"
                        + method.substring(0, paren) + " as a coroutine, but that class was loaded before; it runs"
                        + " pinned. Fix: annotate " + method.substring(0, paren) + " with @dev.coro.Coroutine");
            } else {
                pendingTargets.computeIfAbsent(owner, k -> ConcurrentHashMap.newKeySet()).add(method);
            }
        }
        for (Problem p : r.problems) {
            report("coro: " + p);
        }
        if (options.strict && r.hasErrors()) {
            return failing(classFile, "coro could not rewrite " + className.replace('/', '.') + ":\n  "
                    + r.problems.stream().map(Problem::toString).collect(Collectors.joining("\n  ")));
        }
        if (r.bytes == null) {
            return null;
        }
        if (options.verbose) {
            for (String m : r.rewritten) {
                err.println("coro: rewrote " + className.replace('/', '.') + "." + m);
            }
        }
        if (options.dump != null) {
            Path out = options.dump.resolve(className + ".class");
            Files.createDirectories(out.getParent());
            Files.write(out, r.bytes);
        }
        return r.bytes;
    }

    /**
     * A class that include=/exclude= leave unrewritten keeps its code, but an override of a coroutine (or of a method
     * of a class in scope) gets a twin that runs it pinned: rewritten callers call twins, and would otherwise run
     * the overridden method instead of the override.
     */
    private byte[] pinnedTwins(ClassLoader loader, String className, byte[] classFile) {
        ClassHierarchy hierarchy = hierarchy(loader);
        if (!extendsRewritten(hierarchy, classFile)) {
            return null; // most classes: only a look at their supertypes' names, no parse of their methods
        }
        hierarchy.remember(classFile);
        ClassInstrumenter.Result r = new ClassInstrumenter(Policy.coroutines(hierarchy, options::hasTwins,
                options::inScope), false, dev.coro.agent.instrument.Patches.none(), sites).pinnedTwins(classFile);
        if (r.bytes != null && options.verbose) {
            err.println("coro: " + className.replace('/', '.') + " is not rewritten; its overrides of coroutines"
                    + " run pinned: " + String.join(", ", r.rewritten));
        }
        return r.bytes;
    }

    /** Whether a supertype of this class is one the agent rewrites: only then can it override a coroutine. */
    private boolean extendsRewritten(ClassHierarchy hierarchy, byte[] classFile) {
        org.objectweb.asm.ClassReader r = new org.objectweb.asm.ClassReader(classFile);
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(java.util.Arrays.asList(r.getInterfaces()));
        if (r.getSuperName() != null) {
            todo.add(r.getSuperName());
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (!seen.add(c) || AgentOptions.alwaysExcluded(c)) {
                continue; // the JDK's classes extend none of the application's
            }
            if (options.accepts(c)) {
                return true;
            }
            dev.coro.agent.hierarchy.ClassInfo info = hierarchy.get(c);
            if (info != null) {
                if (info.superName() != null) {
                    todo.add(info.superName());
                }
                todo.addAll(info.interfaces());
            }
        }
        return false;
    }

    /**
     * The groups to apply to a class of {@code loader}: without those that change classes with no coroutine
     * ({@link dev.coro.agent.instrument.Patches#EVERYWHERE}) when the loader cannot see coro's runtime (an isolated
     * plugin loader): such a class never names coro, and would fail with NoClassDefFoundError instead of running.
     */
    private java.util.Set<String> patchesFor(ClassLoader loader) {
        if (seesRuntime(loader)) {
            return options.patches;
        }
        java.util.Set<String> without = new java.util.HashSet<>(options.patches);
        without.removeAll(dev.coro.agent.instrument.Patches.EVERYWHERE);
        return without;
    }

    private final Map<ClassLoader, Boolean> runtimeVisible = new WeakHashMap<>();

    private boolean seesRuntime(ClassLoader loader) {
        ClassLoader runtime = dev.coro.internal.AgentSupport.class.getClassLoader();
        if (loader == runtime) {
            return true;
        }
        if (loader == null) {
            return false; // the boot loader sees only itself (and coro is not on its path unless runtime is null)
        }
        synchronized (runtimeVisible) {
            return runtimeVisible.computeIfAbsent(loader, l -> {
                // its delegation reaches coro's loader (the usual case), or it has coro's classes itself
                for (ClassLoader c = l; c != null; c = c.getParent()) {
                    if (c == runtime) {
                        return true;
                    }
                }
                return l.getResource("dev/coro/internal/patch/PatchedLocals.class") != null;
            });
        }
    }

    private void report(String line) {
        if (reported.add(line)) {
            err.println(line);
        }
    }

    private ClassHierarchy hierarchy(ClassLoader loader) {
        if (loader == null) {
            return bootHierarchy;
        }
        synchronized (hierarchies) {
            return hierarchies.computeIfAbsent(loader, ClassHierarchy::of);
        }
    }

    /** The class as it is, but its initialisation throws {@code InstrumentationError(report)}: the strict mode. */
    static byte[] failing(byte[] classFile, String report) {
        ClassNode cn = new ClassNode(Opcodes.ASM9);
        new ClassReader(classFile).accept(cn, 0);
        cn.methods.removeIf(m -> m.name.equals("<clinit>")); // it would never complete anyway
        MethodNode clinit = new MethodNode(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.instructions.add(new TypeInsnNode(Opcodes.NEW, "dev/coro/InstrumentationError"));
        clinit.instructions.add(new InsnNode(Opcodes.DUP));
        clinit.instructions.add(new LdcInsnNode(report));
        clinit.instructions.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, "dev/coro/InstrumentationError", "<init>",
                "(Ljava/lang/String;)V", false));
        clinit.instructions.add(new InsnNode(Opcodes.ATHROW));
        cn.methods.add(clinit);
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cn.accept(cw);
        return cw.toByteArray();
    }
}
