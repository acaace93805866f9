package dev.coro.agent.instrument;

import dev.coro.agent.hierarchy.ClassHierarchy;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * Precise reference types for frames, answered from class files instead of loaded classes. It trusts the code it
 * reads (javac's output already passed the compiler): it infers types but does not verify them.
 */
final class TypeInterpreter extends SimpleVerifier {
    private final ClassHierarchy hierarchy;

    TypeInterpreter(ClassHierarchy hierarchy, String owner, String superName, boolean isInterface) {
        super(Opcodes.ASM9, Type.getObjectType(owner), superName == null ? null : Type.getObjectType(superName),
                null, isInterface);
        this.hierarchy = hierarchy;
    }

    @Override
    protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
        return true;
    }

    @Override
    protected boolean isInterface(Type type) {
        return type.getSort() == Type.OBJECT && hierarchy.isInterface(type.getInternalName());
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.getSort() != Type.OBJECT) {
            return Type.getObjectType("java/lang/Object");
        }
        String s = hierarchy.superName(type.getInternalName());
        return s == null ? null : Type.getObjectType(s);
    }

    @Override
    protected boolean isAssignableFrom(Type to, Type from) {
        if (to.equals(from)) {
            return true;
        }
        if (to.getSort() == Type.OBJECT && to.getInternalName().equals("java/lang/Object")) {
            return from.getSort() == Type.OBJECT || from.getSort() == Type.ARRAY;
        }
        if (to.getSort() == Type.ARRAY || from.getSort() == Type.ARRAY) {
            if (to.getSort() != Type.ARRAY) {
                String n = to.getInternalName();
                return n.equals("java/lang/Cloneable") || n.equals("java/io/Serializable");
            }
            if (from.getSort() != Type.ARRAY) {
                return false;
            }
            if (to.getDimensions() != from.getDimensions()) {
                Type te = to.getElementType();
                return te.getSort() == Type.OBJECT && to.getDimensions() < from.getDimensions()
                        && (te.getInternalName().equals("java/lang/Object")
                        || te.getInternalName().equals("java/lang/Cloneable")
                        || te.getInternalName().equals("java/io/Serializable"));
            }
            Type te = to.getElementType();
            Type fe = from.getElementType();
            return te.getSort() == Type.OBJECT && fe.getSort() == Type.OBJECT
                    && hierarchy.isAssignable(te.getInternalName(), fe.getInternalName());
        }
        if (to.getSort() != Type.OBJECT || from.getSort() != Type.OBJECT) {
            return false;
        }
        return hierarchy.isAssignable(to.getInternalName(), from.getInternalName());
    }

    @Override
    protected Class<?> getClass(Type type) {
        throw new IllegalStateException("the instrumenter must not load classes (asked for " + type + ")");
    }
}
