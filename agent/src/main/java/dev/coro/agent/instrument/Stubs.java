package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

import java.util.ArrayList;

/**
 * The small methods around a twin: the stub that keeps the original signature (the entry from plain code), and
 * the bridge an interface or abstract class gets for a coroutine method it leaves to implementations.
 */
final class Stubs {
    private Stubs() {
    }

    /**
     * {@code m(args)}: find the current stack; if the runtime armed this entry (a task's root), run the twin;
     * otherwise the caller is plain code that cannot unwind: run it pinned.
     */
    static MethodNode stub(String owner, boolean ownerIsInterface, MethodNode original, int line) {
        int access = original.access & ~(Opcodes.ACC_SYNCHRONIZED | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE);
        MethodNode stub = new MethodNode(Opcodes.ASM9, access, original.name, original.desc, original.signature,
                original.exceptions == null ? null : original.exceptions.toArray(new String[0]));
        copyMetadata(original, stub);
        boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
        Type[] args = Type.getArgumentTypes(original.desc);
        Type ret = Type.getReturnType(original.desc);
        int stackLocal = argsSize(original.desc, isStatic);

        LabelNode start = new LabelNode();
        stub.instructions.add(start);
        if (line > 0) {
            stub.instructions.add(new LineNumberNode(line, start));
        }
        stub.instructions.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Insns.STACK, "current",
                "()" + Insns.STACK_DESC, false));
        stub.instructions.add(new VarInsnNode(Opcodes.ASTORE, stackLocal));
        stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        stub.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "enter", "()Z", false));
        LabelNode pinned = new LabelNode();
        stub.instructions.add(new JumpInsnNode(Opcodes.IFEQ, pinned));
        callTwin(stub, owner, ownerIsInterface, original, isStatic, args, stackLocal);
        stub.instructions.add(new InsnNode(ret.getOpcode(Opcodes.IRETURN)));

        stub.instructions.add(pinned);
        stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        stub.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "pin", "()V", false));
        LabelNode tryStart = new LabelNode();
        LabelNode tryEnd = new LabelNode();
        LabelNode handler = new LabelNode();
        stub.instructions.add(tryStart);
        callTwin(stub, owner, ownerIsInterface, original, isStatic, args, stackLocal);
        stub.instructions.add(tryEnd);
        stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        stub.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "unpin", "()V", false));
        stub.instructions.add(new InsnNode(ret.getOpcode(Opcodes.IRETURN)));
        stub.instructions.add(handler);
        stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        stub.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "unpin", "()V", false));
        stub.instructions.add(new InsnNode(Opcodes.ATHROW));
        stub.tryCatchBlocks = new ArrayList<>();
        stub.tryCatchBlocks.add(new TryCatchBlockNode(tryStart, tryEnd, handler, null));
        stub.maxLocals = stackLocal + 1;
        return stub;
    }

    /** Non-virtual: a plain {@code super.m()} must reach this class's body, not an override. */
    private static void callTwin(MethodNode stub, String owner, boolean itf, MethodNode original, boolean isStatic,
                                 Type[] args, int stackLocal) {
        int slot = 0;
        if (!isStatic) {
            stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
            slot = 1;
        }
        for (Type a : args) {
            stub.instructions.add(Insns.load(a, slot));
            slot += a.getSize();
        }
        stub.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        stub.instructions.add(new MethodInsnNode(isStatic ? Opcodes.INVOKESTATIC : Opcodes.INVOKESPECIAL, owner,
                original.name, Insns.twinDesc(original.desc), itf));
    }

    /**
     * For an abstract coroutine method: {@code m(args, stack)} that calls {@code m(args)} on the implementation.
     * Implementations the agent rewrote override it with their own twin; a lambda proxy is transparent; any
     * other implementation runs pinned (see {@code Stack.bridge}).
     */
    static MethodNode bridge(String owner, boolean ownerIsInterface, MethodNode abstractMethod) {
        int access = (abstractMethod.access & ~(Opcodes.ACC_ABSTRACT | Opcodes.ACC_VARARGS)) | Opcodes.ACC_SYNTHETIC;
        String desc = Insns.twinDesc(abstractMethod.desc);
        MethodNode b = new MethodNode(Opcodes.ASM9, access, abstractMethod.name, desc, null,
                abstractMethod.exceptions == null ? null : abstractMethod.exceptions.toArray(new String[0]));
        Type[] args = Type.getArgumentTypes(abstractMethod.desc);
        Type ret = Type.getReturnType(abstractMethod.desc);
        int stackLocal = argsSize(abstractMethod.desc, false);
        int flag = stackLocal + 1;
        int result = flag + 1;
        b.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        b.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
        b.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "bridge", "(Ljava/lang/Object;)Z",
                false));
        b.instructions.add(new VarInsnNode(Opcodes.ISTORE, flag));
        LabelNode tryStart = new LabelNode();
        LabelNode tryEnd = new LabelNode();
        LabelNode handler = new LabelNode();
        b.instructions.add(tryStart);
        b.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
        int slot = 1;
        for (Type a : args) {
            b.instructions.add(Insns.load(a, slot));
            slot += a.getSize();
        }
        b.instructions.add(new MethodInsnNode(ownerIsInterface ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL,
                owner, abstractMethod.name, abstractMethod.desc, ownerIsInterface));
        b.instructions.add(tryEnd);
        if (ret.getSort() != Type.VOID) {
            b.instructions.add(Insns.store(ret, result));
        }
        b.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        b.instructions.add(new VarInsnNode(Opcodes.ILOAD, flag));
        b.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "bridged", "(Z)V", false));
        if (ret.getSort() != Type.VOID) {
            b.instructions.add(Insns.load(ret, result));
        }
        b.instructions.add(new InsnNode(ret.getOpcode(Opcodes.IRETURN)));
        b.instructions.add(handler);
        b.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        b.instructions.add(new VarInsnNode(Opcodes.ILOAD, flag));
        b.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "bridged", "(Z)V", false));
        b.instructions.add(new InsnNode(Opcodes.ATHROW));
        b.tryCatchBlocks = new ArrayList<>();
        b.tryCatchBlocks.add(new TryCatchBlockNode(tryStart, tryEnd, handler, null));
        b.maxLocals = result + Math.max(1, ret.getSize());
        return b;
    }

    /**
     * The twin of a method that could not be rewritten: callers compiled against the twin still find it, and it
     * runs the original body pinned.
     */
    static MethodNode pinnedTwin(String owner, boolean ownerIsInterface, MethodNode original) {
        boolean isStatic = (original.access & Opcodes.ACC_STATIC) != 0;
        int access = (original.access & ~(Opcodes.ACC_VARARGS | Opcodes.ACC_SYNCHRONIZED)) | Opcodes.ACC_SYNTHETIC;
        MethodNode t = new MethodNode(Opcodes.ASM9, access, original.name, Insns.twinDesc(original.desc), null,
                original.exceptions == null ? null : original.exceptions.toArray(new String[0]));
        Type[] args = Type.getArgumentTypes(original.desc);
        Type ret = Type.getReturnType(original.desc);
        int stackLocal = argsSize(original.desc, isStatic);
        t.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        t.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "pin", "()V", false));
        LabelNode tryStart = new LabelNode();
        LabelNode tryEnd = new LabelNode();
        LabelNode handler = new LabelNode();
        t.instructions.add(tryStart);
        int slot = 0;
        if (!isStatic) {
            t.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
            slot = 1;
        }
        for (Type a : args) {
            t.instructions.add(Insns.load(a, slot));
            slot += a.getSize();
        }
        t.instructions.add(new MethodInsnNode(isStatic ? Opcodes.INVOKESTATIC : Opcodes.INVOKESPECIAL, owner,
                original.name, original.desc, ownerIsInterface));
        t.instructions.add(tryEnd);
        t.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        t.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "unpin", "()V", false));
        t.instructions.add(new InsnNode(ret.getOpcode(Opcodes.IRETURN)));
        t.instructions.add(handler);
        t.instructions.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        t.instructions.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "unpin", "()V", false));
        t.instructions.add(new InsnNode(Opcodes.ATHROW));
        t.tryCatchBlocks = new ArrayList<>();
        t.tryCatchBlocks.add(new TryCatchBlockNode(tryStart, tryEnd, handler, null));
        t.maxLocals = stackLocal + 1;
        return t;
    }

    static int argsSize(String desc, boolean isStatic) {
        return (Type.getArgumentsAndReturnSizes(desc) >> 2) - (isStatic ? 1 : 0);
    }

    private static void copyMetadata(MethodNode from, MethodNode to) {
        to.visibleAnnotations = from.visibleAnnotations;
        to.invisibleAnnotations = from.invisibleAnnotations;
        to.visibleParameterAnnotations = from.visibleParameterAnnotations;
        to.invisibleParameterAnnotations = from.invisibleParameterAnnotations;
        to.visibleAnnotableParameterCount = from.visibleAnnotableParameterCount;
        to.invisibleAnnotableParameterCount = from.invisibleAnnotableParameterCount;
        to.visibleTypeAnnotations = from.visibleTypeAnnotations;
        to.invisibleTypeAnnotations = from.invisibleTypeAnnotations;
        to.parameters = from.parameters;
        to.annotationDefault = from.annotationDefault;
        to.attrs = from.attrs;
    }
}
