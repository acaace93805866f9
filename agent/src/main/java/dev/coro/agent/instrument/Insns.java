package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.VarInsnNode;

/** Small bytecode helpers shared by the rewriting passes. */
final class Insns {
    static final String STACK = "dev/coro/internal/Stack";
    static final String STACK_DESC = "L" + STACK + ";";

    private Insns() {
    }

    /** The descriptor of a method's twin: the same with a trailing Stack parameter. */
    static String twinDesc(String desc) {
        int close = desc.indexOf(')');
        return desc.substring(0, close) + STACK_DESC + desc.substring(close);
    }

    static VarInsnNode load(Type t, int index) {
        return new VarInsnNode(t.getOpcode(Opcodes.ILOAD), index);
    }

    static VarInsnNode store(Type t, int index) {
        return new VarInsnNode(t.getOpcode(Opcodes.ISTORE), index);
    }

    static AbstractInsnNode intConst(int v) {
        if (v >= -1 && v <= 5) {
            return new InsnNode(Opcodes.ICONST_0 + v);
        }
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            return new IntInsnNode(Opcodes.BIPUSH, v);
        }
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return new IntInsnNode(Opcodes.SIPUSH, v);
        }
        return new LdcInsnNode(v);
    }

    /** Pushes the zero value of {@code t} (null for references); nothing for void. */
    static AbstractInsnNode zero(Type t) {
        switch (t.getSort()) {
            case Type.VOID: return null;
            case Type.LONG: return new InsnNode(Opcodes.LCONST_0);
            case Type.FLOAT: return new InsnNode(Opcodes.FCONST_0);
            case Type.DOUBLE: return new InsnNode(Opcodes.DCONST_0);
            case Type.ARRAY:
            case Type.OBJECT: return new InsnNode(Opcodes.ACONST_NULL);
            default: return new InsnNode(Opcodes.ICONST_0);
        }
    }

    /** The source line of an instruction, or -1. */
    static int lineOf(AbstractInsnNode insn) {
        for (AbstractInsnNode p = insn; p != null; p = p.getPrevious()) {
            if (p instanceof LineNumberNode) {
                return ((LineNumberNode) p).line;
            }
        }
        return -1;
    }

    /** The first source line of a method's code, or -1. */
    static int firstLine(org.objectweb.asm.tree.MethodNode m) {
        for (AbstractInsnNode p = m.instructions.getFirst(); p != null; p = p.getNext()) {
            if (p instanceof LineNumberNode) {
                return ((LineNumberNode) p).line;
            }
        }
        return -1;
    }

    /** Whether {@code i} writes local {@code local} (a long or double stored just below it covers it too). */
    static boolean writes(AbstractInsnNode i, int local) {
        if (i instanceof VarInsnNode && i.getOpcode() >= Opcodes.ISTORE && i.getOpcode() <= Opcodes.ASTORE) {
            int var = ((VarInsnNode) i).var;
            boolean wide = i.getOpcode() == Opcodes.LSTORE || i.getOpcode() == Opcodes.DSTORE;
            return var == local || wide && var + 1 == local;
        }
        return i instanceof IincInsnNode && ((IincInsnNode) i).var == local;
    }

    /** Whether {@code i} pushes a constant: null, a small int, long, float or double, or an ldc. */
    static boolean isConstant(AbstractInsnNode i) {
        return i.getOpcode() >= Opcodes.ACONST_NULL && i.getOpcode() <= Opcodes.LDC;
    }
}
