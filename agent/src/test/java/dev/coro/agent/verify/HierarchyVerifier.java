package dev.coro.agent.verify;

import dev.coro.agent.hierarchy.ClassHierarchy;
import dev.coro.agent.hierarchy.ClassInfo;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Interpreter;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * ASM's {@link SimpleVerifier} answering every type question from a {@link ClassHierarchy} (class files) instead
 * of loading classes, with the JVM verifier's assignability rules (JVMS 4.10.1.2): an interface type accepts any
 * reference (arrays only Cloneable and Serializable), a class type accepts its subclasses, an array type accepts
 * arrays of assignable components. A type whose class file cannot be found cannot be checked; the check passes
 * and the name is recorded in {@code unresolved} so that the report can say so.
 *
 * <p>{@link #analyzer} also checks the stack map frames of class files that the JVM verifies with them.
 */
final class HierarchyVerifier extends SimpleVerifier {
    private static final Type OBJECT = Type.getObjectType("java/lang/Object");
    private static final Type NULL = Type.getObjectType("null");

    private final ClassHierarchy hierarchy;
    private final Set<String> unresolved;

    HierarchyVerifier(ClassHierarchy hierarchy, ClassNode owner, Set<String> unresolved) {
        super(Opcodes.ASM9, Type.getObjectType(owner.name),
                owner.superName == null ? null : Type.getObjectType(owner.superName), interfaces(owner),
                (owner.access & Opcodes.ACC_INTERFACE) != 0);
        this.hierarchy = hierarchy;
        this.unresolved = unresolved;
    }

    /**
     * An analyzer for the methods of {@code owner}, which must have been read with its frames. For class files of
     * version 51 (Java 7) and later, which the JVM verifies by type checking against their stack map frames, it is
     * ASM's {@code CheckFrameAnalyzer} (package-private in asm-util, hence the reflection): like the JVM's type
     * checker it checks that every frame agrees with the code flowing into it, and continues from the frame. Older
     * class files, which the JVM verifies by type inference (version 50 falls back to it when the frames are
     * wrong), get the plain analyzer, which infers the types the same way.
     */
    @SuppressWarnings("unchecked")
    static Analyzer<BasicValue> analyzer(ClassHierarchy hierarchy, ClassNode owner, Set<String> unresolved) {
        HierarchyVerifier v = new HierarchyVerifier(hierarchy, owner, unresolved);
        if ((owner.version & 0xFFFF) < Opcodes.V1_7) {
            return new Analyzer<>(v);
        }
        try {
            return (Analyzer<BasicValue>) CHECK_FRAME_ANALYZER.newInstance(v);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Constructor<?> CHECK_FRAME_ANALYZER;

    static {
        try {
            CHECK_FRAME_ANALYZER = Class.forName("org.objectweb.asm.util.CheckFrameAnalyzer")
                    .getDeclaredConstructor(Interpreter.class);
            CHECK_FRAME_ANALYZER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static List<Type> interfaces(ClassNode owner) {
        List<Type> list = new ArrayList<>();
        for (String i : owner.interfaces) {
            list.add(Type.getObjectType(i));
        }
        return list;
    }

    @Override
    protected boolean isInterface(Type type) {
        if (type.getSort() != Type.OBJECT) {
            return false;
        }
        ClassInfo info = info(type.getInternalName());
        return info != null && info.isInterface();
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.getSort() != Type.OBJECT) {
            return OBJECT;
        }
        if (type.getInternalName().equals("java/lang/Object")) {
            return null;
        }
        ClassInfo info = info(type.getInternalName());
        if (info == null) {
            return OBJECT;
        }
        return info.superName() == null ? null : Type.getObjectType(info.superName());
    }

    @Override
    protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
        Type e = expected.getType();
        Type t = value.getType();
        if (e == null || t == null) {
            return e == null && t == null;
        }
        if (t.equals(e)) {
            return true;
        }
        switch (e.getSort()) {
            case Type.INT:
            case Type.FLOAT:
            case Type.LONG:
            case Type.DOUBLE:
                return false;
            case Type.ARRAY:
            case Type.OBJECT:
                return (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY) && isAssignableFrom(e, t);
            default:
                throw new AssertionError(e);
        }
    }

    /**
     * Merges as the JVM's type checker compares: when either value fits where the other is expected, the merge is
     * the more general one. Two values that each fit the other (an interface and Object, two interfaces: the JVM
     * checks an interface type as Object) are equivalent; then the analyzer's own merging keeps the value it had,
     * which ends the analysis, while {@code CheckFrameAnalyzer}, which asks {@code merge(actual, declared) ==
     * declared} to check that the code fits a stack map frame, gets the declared value.
     */
    @Override
    public BasicValue merge(BasicValue v1, BasicValue v2) {
        Type t1 = v1.getType();
        Type t2 = v2.getType();
        if (!v1.equals(v2) && isReference(t1) && isReference(t2) && !t1.equals(NULL) && !t2.equals(NULL)) {
            boolean oneFitsTwo = isAssignableFrom(t2, t1);
            boolean twoFitsOne = isAssignableFrom(t1, t2);
            if (oneFitsTwo && twoFitsOne) {
                return checkingAFrame() ? v2 : v1;
            }
            if (oneFitsTwo) {
                return v2;
            }
            if (twoFitsOne) {
                return v1;
            }
        }
        return super.merge(v1, v2);
    }

    private static boolean isReference(Type t) {
        return t != null && (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY);
    }

    private static final StackWalker STACK = StackWalker.getInstance();

    /** True if the caller is CheckFrameAnalyzer comparing the code's types with a declared frame. */
    private static boolean checkingAFrame() {
        return STACK.walk(frames -> frames.limit(6).anyMatch(f -> f.getMethodName().equals("checkMerge")
                && f.getClassName().equals("org.objectweb.asm.util.CheckFrameAnalyzer")));
    }

    /** JVM assignability of reference types: can a value of {@code from} be used where {@code to} is expected. */
    @Override
    protected boolean isAssignableFrom(Type to, Type from) {
        if (to.equals(from) || from.equals(NULL)) {
            return true;
        }
        if (to.equals(NULL)) {
            return false;
        }
        if (to.getSort() == Type.OBJECT) {
            String toName = to.getInternalName();
            if (toName.equals("java/lang/Object")) {
                return true;
            }
            ClassInfo toInfo = info(toName);
            if (toInfo == null) {
                return true; // cannot be checked (recorded)
            }
            if (toInfo.isInterface()) {
                return from.getSort() != Type.ARRAY
                        || toName.equals("java/lang/Cloneable") || toName.equals("java/io/Serializable");
            }
            if (from.getSort() != Type.OBJECT) {
                return false;
            }
            for (String c = from.getInternalName(); c != null; ) {
                if (c.equals(toName)) {
                    return true;
                }
                ClassInfo ci = info(c);
                if (ci == null) {
                    return true; // cannot be checked (recorded)
                }
                c = ci.superName();
            }
            return false;
        }
        if (to.getSort() == Type.ARRAY) {
            if (from.getSort() != Type.ARRAY) {
                return false;
            }
            Type tc = Type.getType(to.getDescriptor().substring(1));
            Type fc = Type.getType(from.getDescriptor().substring(1));
            boolean tRef = tc.getSort() == Type.OBJECT || tc.getSort() == Type.ARRAY;
            boolean fRef = fc.getSort() == Type.OBJECT || fc.getSort() == Type.ARRAY;
            if (!tRef || !fRef) {
                return tc.equals(fc);
            }
            return isAssignableFrom(tc, fc);
        }
        return false;
    }

    private ClassInfo info(String internalName) {
        ClassInfo info = hierarchy.get(internalName);
        if (info == null) {
            unresolved.add(internalName);
        }
        return info;
    }

    @Override
    protected Class<?> getClass(Type type) {
        throw new IllegalStateException("the verification must not load classes (asked for " + type + ")");
    }
}
