package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Preemption: at the head of every loop (the target of a backward jump) a twin reads one volatile flag, which the
 * runtime's watchdog raises when a coroutine has run a whole time slice without suspending, or when it is
 * cancelled. Only then does it call the leaf {@code Suspend.preempt}, which yields; that call is an ordinary
 * suspension point for the {@link StateMachine}.
 */
final class PreemptionPoints {
    static final String OWNER = "dev/coro/internal/Suspend";
    static final String NAME = "preempt";
    static final String DESC = "()V";

    private PreemptionPoints() {
    }

    /** Inserts the checks; returns the leaf calls, to be rewritten as suspension points. */
    static List<MethodInsnNode> insert(MethodNode m, int stackLocal) {
        Set<LabelNode> headers = new LinkedHashSet<>();
        List<AbstractInsnNode> order = new ArrayList<>();
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            order.add(i);
        }
        for (int idx = 0; idx < order.size(); idx++) {
            AbstractInsnNode i = order.get(idx);
            if (i instanceof JumpInsnNode) {
                LabelNode target = ((JumpInsnNode) i).label;
                if (m.instructions.indexOf(target) < idx) {
                    headers.add(target);
                }
            }
        }
        List<MethodInsnNode> calls = new ArrayList<>();
        if (!headers.isEmpty()) {
            m.maxStack = Math.max(m.maxStack, 1); // the flag's load, in a method that may have needed no stack
        }
        for (LabelNode header : headers) {
            InsnList check = new InsnList();
            LabelNode skip = new LabelNode();
            check.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
            check.add(new FieldInsnNode(Opcodes.GETFIELD, Insns.STACK, "preempt", "Z"));
            check.add(new JumpInsnNode(Opcodes.IFEQ, skip));
            MethodInsnNode call = new MethodInsnNode(Opcodes.INVOKESTATIC, OWNER, NAME, DESC, false);
            check.add(call);
            check.add(skip);
            m.instructions.insert(header, check);
            calls.add(call);
        }
        return calls;
    }
}
