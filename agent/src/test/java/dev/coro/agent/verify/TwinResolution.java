package dev.coro.agent.verify;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Checks that every method a rewritten class calls through a twin (a descriptor whose last parameter is the
 * runtime's {@code Stack}, see {@code Insns.twinDesc}), and every method of coro's runtime the rewriting calls,
 * exists once the classes are rewritten: the JVM's verifier never looks at the target of a call, so a twin the
 * target class never gets passes every other check and throws NoSuchMethodError at run time (as calls to the
 * twins of Jackson's annotation members and of Gson's Java 7 interface methods did under {@code scope=}).
 *
 * <p>Each distinct call target is resolved as the JVM resolves a method reference (JVMS 5.4.3.3 and 5.4.3.4: the
 * class and its superclasses, or the interface and then Object's public methods; then the maximally-specific
 * methods of the superinterfaces) against the classes as rewritten: the rewritten output of the code base being
 * checked, recorded as it is made, and any other class rewritten here on first need (the same instrumenter) or
 * read as it is if the agent leaves it alone. A call that resolves nowhere is a miss; so is one that resolves to a
 * static method from a non-static call or the reverse (IncompatibleClassChangeError). A miss is then explained,
 * when it can be, by what the original call resolves to: a native method, an annotation's member, an abstract
 * method of an interface older than Java 8, a class the instrumenter left unchanged after an error.
 *
 * <p>Thread-safe: classes are recorded from several threads; {@link #check} runs once they are all in.
 */
final class TwinResolution {
    static final String STACK_DESC = "Ldev/coro/internal/Stack;";
    private static final String TWIN_TAIL = STACK_DESC + ")";
    private static final String RUNTIME = "dev/coro/";
    private static final String AGENT = "dev/coro/agent/";

    /** Why a call's target is missing. */
    enum Cause {
        NATIVE("a native method (the instrumenter reports it)"),
        ANNOTATION_MEMBER("an annotation's member (annotations are never rewritten)"),
        OLD_INTERFACE("an abstract method of an interface older than Java 8 (the instrumenter reports it)"),
        CLASS_LEFT_UNCHANGED("a method of a class the instrumenter left unchanged after an error (reported)"),
        NOT_REWRITTEN("a method of a class the agent does not rewrite"),
        RUNTIME("a method of coro's runtime, which the rewriting calls"),
        WRONG_KIND("resolves, but static for a non-static call or the reverse (IncompatibleClassChangeError)"),
        UNEXPLAINED("no known reason: the original call resolves to a method of a rewritten class"),
        // not checked: the program would fail the same way without the agent, or the class file is not there
        ORIGINAL_UNRESOLVED("the original call does not resolve either"),
        NO_CLASS_FILE("a class on the way has no class file");

        final String text;

        Cause(String text) {
            this.text = text;
        }

        boolean checked() {
            return this != ORIGINAL_UNRESOLVED && this != NO_CLASS_FILE;
        }
    }

    /** A call target: an invoke instruction's opcode, or a method handle's tag + {@link #HANDLE}, and its reference. */
    record Target(int kind, String owner, String name, String desc, boolean itf) {
        static final int HANDLE = 1000;

        boolean wantsStatic() {
            return kind == Opcodes.INVOKESTATIC || kind == HANDLE + Opcodes.H_INVOKESTATIC;
        }

        boolean isTwin() {
            return desc.contains(TWIN_TAIL);
        }

        /** The descriptor the call had before it was redirected to the twin. */
        String originalDesc() {
            return desc.replace(TWIN_TAIL, ")");
        }

        @Override
        public String toString() {
            String how = kind >= HANDLE ? "method handle, tag " + (kind - HANDLE)
                    : org.objectweb.asm.util.Printer.OPCODES[kind].toLowerCase(java.util.Locale.ROOT);
            return owner.replace('/', '.') + "." + name + desc + " (" + how + (itf ? ", interface" : "") + ")";
        }
    }

    /** The first call site (in name order) of a target, and how many sites call it. */
    static final class Sites {
        volatile String first;
        final AtomicLong count = new AtomicLong();

        synchronized void add(String where) {
            count.incrementAndGet();
            if (first == null || where.compareTo(first) < 0) {
                first = where;
            }
        }
    }

    /** A target no method answers. */
    record Miss(Target target, Cause cause, String first, long sites) {
    }

    /** A class as the JVM sees it: its flags, version, supertypes and declared methods (name+desc to flags). */
    record Shape(String name, int access, int version, String superName, List<String> interfaces,
                 Map<String, Integer> methods) {
        boolean isInterface() {
            return (access & Opcodes.ACC_INTERFACE) != 0;
        }
    }

    /** A resolved method: its declaring class and flags. */
    private record Resolved(Shape declaring, int access) {
    }

    /** A class file missing where resolution needed it. */
    private static final class NoClassFile extends Exception {
        NoClassFile(String name) {
            super(name, null, false, false);
        }
    }

    private final Function<String, byte[]> originals;
    private final Function<String, byte[]> rewriteElsewhere;
    private final Predicate<String> rewrites;
    private final Set<String> leftUnchanged;
    private final Map<String, Optional<Shape>> rewritten = new ConcurrentHashMap<>();
    private final Map<String, Optional<Shape>> original = new ConcurrentHashMap<>();
    private final Map<Target, Sites> targets = new ConcurrentHashMap<>();

    /**
     * @param originals        class files as they are, by internal name (null if none)
     * @param rewriteElsewhere for a class outside the recorded code base, its class file as the agent would load it
     * @param rewrites         whether the agent rewrites a class (the classes it leaves alone have no twins)
     * @param leftUnchanged    the classes the instrumenter returned unchanged after an error (filled before check)
     */
    TwinResolution(Function<String, byte[]> originals, Function<String, byte[]> rewriteElsewhere,
                   Predicate<String> rewrites, Set<String> leftUnchanged) {
        this.originals = originals;
        this.rewriteElsewhere = rewriteElsewhere;
        this.rewrites = rewrites;
        this.leftUnchanged = leftUnchanged;
    }

    /**
     * One class of the code base as the agent would load it ({@code bytes}: rewritten, or the original if the
     * instrumenter left it unchanged); if rewritten, its calls to twins and into the runtime are collected.
     */
    void record(byte[] bytes, boolean wasRewritten) {
        ClassReader reader = new ClassReader(bytes);
        Shape[] shape = new Shape[1];
        ShapeReader sr = new ShapeReader() {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exc) {
                super.visitMethod(access, name, desc, signature, exc);
                if (!wasRewritten) {
                    return null;
                }
                String where = this.name + "." + name + desc;
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String mName, String mDesc, boolean itf) {
                        collect(new Target(opcode, owner, mName, mDesc, itf), where);
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bsm, Object... args) {
                        collect(bsm, where);
                        for (Object a : args) {
                            if (a instanceof Handle) {
                                collect((Handle) a, where);
                            }
                        }
                    }
                };
            }

            @Override
            public void visitEnd() {
                shape[0] = shape();
            }
        };
        reader.accept(sr, wasRewritten ? ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG
                : ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
        rewritten.put(shape[0].name(), Optional.of(shape[0]));
    }

    private void collect(Handle h, String where) {
        if (h.getTag() <= Opcodes.H_PUTSTATIC) {
            return; // a field handle
        }
        collect(new Target(Target.HANDLE + h.getTag(), h.getOwner(), h.getName(), h.getDesc(), h.isInterface()), where);
    }

    private void collect(Target t, String where) {
        if (t.owner().startsWith("[") || !t.isTwin() && !isRuntime(t.owner())) {
            return;
        }
        targets.computeIfAbsent(t, k -> new Sites()).add(where);
    }

    /** coro's runtime and API, which rewritten code calls and which is never rewritten itself. */
    private static boolean isRuntime(String owner) {
        return owner.startsWith(RUNTIME) && !owner.startsWith(AGENT);
    }

    /** Distinct targets collected so far. */
    int targetCount() {
        return targets.size();
    }

    /** Call sites collected so far. */
    long siteCount() {
        return targets.values().stream().mapToLong(s -> s.count.get()).sum();
    }

    /** Resolves every collected target; returns the misses, in target order. */
    List<Miss> check() {
        List<Map.Entry<Target, Sites>> all = new ArrayList<>(targets.entrySet());
        all.sort((a, b) -> a.getKey().toString().compareTo(b.getKey().toString()));
        List<Miss> misses = new ArrayList<>();
        for (Map.Entry<Target, Sites> e : all) {
            Target t = e.getKey();
            Cause cause;
            try {
                Resolved r = resolve(t.owner(), t.name(), t.desc(), t.itf(), this::rewrittenShape);
                if (r != null && ((r.access() & Opcodes.ACC_STATIC) != 0) == t.wantsStatic()) {
                    continue;
                }
                cause = r != null ? Cause.WRONG_KIND : explain(t);
            } catch (NoClassFile x) {
                cause = Cause.NO_CLASS_FILE;
            }
            misses.add(new Miss(t, cause, e.getValue().first, e.getValue().count.get()));
        }
        return misses;
    }

    /** Why {@code t} resolves nowhere, from what its original call resolves to. */
    private Cause explain(Target t) throws NoClassFile {
        if (isRuntime(t.owner())) {
            return Cause.RUNTIME; // the rewriting made this call: there is no original to blame
        }
        Resolved r = resolve(t.owner(), t.name(), t.originalDesc(), t.itf(), this::originalShape);
        if (r == null) {
            return Cause.ORIGINAL_UNRESOLVED;
        }
        Shape d = r.declaring();
        if ((d.access() & Opcodes.ACC_ANNOTATION) != 0) {
            return Cause.ANNOTATION_MEMBER;
        }
        if ((r.access() & Opcodes.ACC_NATIVE) != 0) {
            return Cause.NATIVE;
        }
        if (d.isInterface() && d.version() < Opcodes.V1_8 && (r.access() & Opcodes.ACC_ABSTRACT) != 0) {
            return Cause.OLD_INTERFACE;
        }
        if (leftUnchanged.contains(d.name())) {
            return Cause.CLASS_LEFT_UNCHANGED;
        }
        if (!rewrites.test(d.name())) {
            return Cause.NOT_REWRITTEN;
        }
        return Cause.UNEXPLAINED;
    }

    private Shape rewrittenShape(String name) {
        // not computeIfAbsent: rewriting a class may need the shapes of others
        Optional<Shape> s = rewritten.get(name);
        if (s == null) {
            byte[] b = rewrites.test(name) ? rewriteElsewhere.apply(name) : originals.apply(name);
            s = Optional.ofNullable(b == null ? null : shapeOf(b));
            Optional<Shape> raced = rewritten.putIfAbsent(name, s);
            s = raced != null ? raced : s;
        }
        return s.orElse(null);
    }

    private Shape originalShape(String name) {
        return original.computeIfAbsent(name, n -> {
            byte[] b = originals.apply(n);
            return Optional.ofNullable(b == null ? null : shapeOf(b));
        }).orElse(null);
    }

    static Shape shapeOf(byte[] classFile) {
        ShapeReader sr = new ShapeReader();
        new ClassReader(classFile).accept(sr, ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
        return sr.shape();
    }

    /**
     * JVMS 5.4.3.3 (a class's method, {@code itf} false) and 5.4.3.4 (an interface's method): the method a
     * reference resolves to, or null (NoSuchMethodError). Signature-polymorphic methods never get here (the
     * instrumenter leaves their calls alone).
     */
    private static Resolved resolve(String owner, String name, String desc, boolean itf, Function<String, Shape> shapes)
            throws NoClassFile {
        String key = name + desc;
        Shape c = need(shapes, owner);
        if (!itf) {
            for (Shape k = c; k != null; k = k.superName() == null ? null : need(shapes, k.superName())) {
                Integer a = k.methods().get(key);
                if (a != null) {
                    return new Resolved(k, a);
                }
            }
        } else {
            Integer a = c.methods().get(key);
            if (a != null) {
                return new Resolved(c, a);
            }
            Shape object = need(shapes, "java/lang/Object");
            a = object.methods().get(key);
            if (a != null && (a & Opcodes.ACC_PUBLIC) != 0 && (a & Opcodes.ACC_STATIC) == 0) {
                return new Resolved(object, a);
            }
        }
        return fromSuperinterfaces(c, key, shapes);
    }

    /**
     * The superinterfaces' non-private, non-static methods with this name and descriptor: the one
     * maximally-specific non-abstract method if there is exactly one, else any of them (resolution succeeds either
     * way; which one matters only for selection).
     */
    private static Resolved fromSuperinterfaces(Shape c, String key, Function<String, Shape> shapes)
            throws NoClassFile {
        Map<String, Shape> supers = new LinkedHashMap<>();
        for (Shape k = c; k != null; k = k.superName() == null ? null : need(shapes, k.superName())) {
            for (String i : k.interfaces()) {
                collectInterfaces(i, shapes, supers);
            }
        }
        List<Resolved> candidates = new ArrayList<>();
        for (Shape i : supers.values()) {
            Integer a = i.methods().get(key);
            if (a != null && (a & (Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC)) == 0) {
                candidates.add(new Resolved(i, a));
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        List<Resolved> maximal = new ArrayList<>();
        for (Resolved r : candidates) {
            boolean overridden = false;
            for (Resolved other : candidates) {
                if (other != r && isSubinterface(other.declaring(), r.declaring().name(), shapes)) {
                    overridden = true;
                    break;
                }
            }
            if (!overridden) {
                maximal.add(r);
            }
        }
        List<Resolved> concrete = new ArrayList<>();
        for (Resolved r : maximal) {
            if ((r.access() & Opcodes.ACC_ABSTRACT) == 0) {
                concrete.add(r);
            }
        }
        return concrete.size() == 1 ? concrete.get(0) : maximal.isEmpty() ? candidates.get(0) : maximal.get(0);
    }

    private static void collectInterfaces(String name, Function<String, Shape> shapes, Map<String, Shape> out)
            throws NoClassFile {
        if (out.containsKey(name)) {
            return;
        }
        Shape s = need(shapes, name);
        out.put(name, s);
        for (String i : s.interfaces()) {
            collectInterfaces(i, shapes, out);
        }
    }

    private static boolean isSubinterface(Shape sub, String sup, Function<String, Shape> shapes) throws NoClassFile {
        for (String i : sub.interfaces()) {
            if (i.equals(sup) || isSubinterface(need(shapes, i), sup, shapes)) {
                return true;
            }
        }
        return false;
    }

    private static Shape need(Function<String, Shape> shapes, String name) throws NoClassFile {
        Shape s = shapes.apply(name);
        if (s == null) {
            throw new NoClassFile(name);
        }
        return s;
    }

    /** Reads a class's shape; subclasses also look at the code. */
    private static class ShapeReader extends ClassVisitor {
        String name;
        private int access;
        private int version;
        private String superName;
        private List<String> interfaces;
        private final Map<String, Integer> methods = new HashMap<>();

        ShapeReader() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            this.version = version & 0xFFFF;
            this.access = access;
            this.name = name;
            this.superName = superName;
            this.interfaces = interfaces == null ? List.of() : Arrays.asList(interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exc) {
            methods.put(name + desc, access);
            return null;
        }

        Shape shape() {
            return new Shape(name, access, version, superName, Collections.unmodifiableList(interfaces), methods);
        }
    }
}
