package dev.coro.agent.instrument;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;

import java.util.Map;
import java.util.Set;

/**
 * Lambdas made for {@code CoroutineCallable} and {@code CoroutineRunnable} are what the loop resumes a task
 * through, once per suspension. Made instead for the runtime's {@code StackCallable}/{@code StackRunnable}
 * (sub-interfaces whose single abstract method takes the Stack), their proxy calls the body's twin directly, and a
 * resume skips the stub's thread-local lookup. Plain callers still reach the body through the sub-interface's
 * {@code call()}, which does the stub's work.
 */
final class EntryLambdas {
    private static final Map<String, String> RETARGET = Map.of(
            "dev/coro/CoroutineCallable", "dev/coro/internal/StackCallable",
            "dev/coro/CoroutineRunnable", "dev/coro/internal/StackRunnable");

    private EntryLambdas() {
    }

    /** Retargets every plain (not serializable, no markers) entry lambda of {@code cn} whose body has a twin. */
    static void retarget(ClassNode cn) {
        Set<String> methods = new java.util.HashSet<>();
        for (MethodNode m : cn.methods) {
            methods.add(m.name + m.desc);
        }
        for (MethodNode m : cn.methods) {
            for (AbstractInsnNode insn = m.instructions.getFirst(); insn != null; insn = insn.getNext()) {
                if (insn instanceof InvokeDynamicInsnNode) {
                    retarget(cn.name, (InvokeDynamicInsnNode) insn, methods);
                }
            }
        }
    }

    private static void retarget(String owner, InvokeDynamicInsnNode indy, Set<String> methods) {
        Type factory = Type.getMethodType(indy.desc);
        String target = RETARGET.get(factory.getReturnType().getInternalName());
        if (target == null || !indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")
                || !indy.bsm.getName().equals("metafactory") || indy.bsmArgs.length != 3
                || !(indy.bsmArgs[1] instanceof Handle)) {
            return;
        }
        Handle impl = (Handle) indy.bsmArgs[1];
        String twin = Insns.twinDesc(impl.getDesc());
        if (!impl.getOwner().equals(owner) || impl.getTag() == Opcodes.H_NEWINVOKESPECIAL
                || !methods.contains(impl.getName() + twin)) {
            return; // a method reference elsewhere, or a body without a twin: the stub path stays
        }
        Type stack = Type.getType(Insns.STACK_DESC);
        indy.desc = Type.getMethodDescriptor(Type.getObjectType(target), factory.getArgumentTypes());
        indy.bsmArgs = new Object[] {
            withStack((Type) indy.bsmArgs[0], stack),
            new Handle(impl.getTag(), impl.getOwner(), impl.getName(), twin, impl.isInterface()),
            withStack((Type) indy.bsmArgs[2], stack)
        };
    }

    private static Type withStack(Type method, Type stack) {
        Type[] args = method.getArgumentTypes();
        Type[] more = java.util.Arrays.copyOf(args, args.length + 1);
        more[args.length] = stack;
        return Type.getMethodType(method.getReturnType(), more);
    }
}
