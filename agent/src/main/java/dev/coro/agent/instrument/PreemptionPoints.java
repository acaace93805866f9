package dev.coro.agent.instrument;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
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
 * Preemption: on every way back to the head of a loop a twin reads one volatile flag, which the
 * runtime's watchdog raises when a coroutine has run a whole time slice without suspending, or when it is
 * cancelled. Only then does it call the leaf {@code Suspend.preempt}, which yields; that call is an ordinary
 * suspension point for the {@link StateMachine}. In class files that can carry one (Java 7 and later), an
 * {@code invokedynamic} of the runtime's {@code PreemptSwitch} comes first, bound to one call site per method
 * (named by its static argument): a constant false, folded away by the JIT, until a task has to be stopped while
 * that method runs.
 */
final class PreemptionPoints {
    static final String OWNER = "dev/coro/internal/Suspend";
    static final String NAME = "preempt";
    static final String DESC = "()V";
    private static final Handle SWITCH = new Handle(Opcodes.H_INVOKESTATIC, "dev/coro/internal/PreemptSwitch",
            "bootstrap", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
            + "Ljava/lang/String;)Ljava/lang/invoke/CallSite;", false);

    private PreemptionPoints() {
    }

    /**
     * Inserts the checks; returns the leaf calls, to be rewritten as suspension points. {@code switched}: the class
     * file may carry an {@code invokedynamic}.
     */
    static List<MethodInsnNode> insert(MethodNode m, int stackLocal, boolean switched) {
        // An unconditional jump back gets the check just before it; a loop closed by a conditional jump back (a
        // do-while) gets it at its head, since the condition's operands are pending at the jump.
        Set<AbstractInsnNode> checks = new LinkedHashSet<>(); // each check goes just before one of these
        Set<LabelNode> headers = new LinkedHashSet<>();
        int idx = 0;
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext(), idx++) {
            if (i instanceof JumpInsnNode) {
                LabelNode target = ((JumpInsnNode) i).label;
                if (m.instructions.indexOf(target) < idx) {
                    if (i.getOpcode() == Opcodes.GOTO) {
                        checks.add(i);
                    } else {
                        headers.add(target);
                    }
                }
            }
        }
        for (LabelNode header : headers) {
            checks.add(header.getNext());
        }
        List<MethodInsnNode> calls = new ArrayList<>();
        if (!checks.isEmpty()) {
            m.maxStack += 1; // the flag's load, on top of whatever is pending there
        }
        for (AbstractInsnNode before : checks) {
            InsnList check = new InsnList();
            LabelNode skip = new LabelNode();
            if (switched) {
                check.add(new InvokeDynamicInsnNode("armed", "()Z", SWITCH, m.name));
                check.add(new JumpInsnNode(Opcodes.IFEQ, skip));
            }
            check.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
            check.add(new FieldInsnNode(Opcodes.GETFIELD, Insns.STACK, "preempt", "Z"));
            check.add(new JumpInsnNode(Opcodes.IFEQ, skip));
            MethodInsnNode call = new MethodInsnNode(Opcodes.INVOKESTATIC, OWNER, NAME, DESC, false);
            check.add(call);
            check.add(skip);
            m.instructions.insertBefore(before, check);
            calls.add(call);
        }
        return calls;
    }
}
