package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * {@code new Foo(a, suspendingCall())} leaves an uninitialised object on the operand stack across the call, and an
 * uninitialised object can be neither saved nor re-created at the same bytecode offset. This pass moves the
 * {@code NEW/DUP} pair after the arguments: they are evaluated into fresh locals first, then the object is
 * allocated and constructed. The only visible difference is that Foo's static initialiser runs after the
 * arguments are evaluated instead of before.
 */
final class NewRelocator {
    private NewRelocator() {
    }

    private static final class Site {
        final TypeInsnNode newInsn;
        boolean suspends;

        Site(TypeInsnNode newInsn) {
            this.newInsn = newInsn;
        }
    }

    static void relocate(MethodNode m, Set<MethodInsnNode> suspensions) throws InstrumentationException {
        Deque<Site> open = new ArrayDeque<>();
        List<Site> moves = new ArrayList<>();
        List<MethodInsnNode> inits = new ArrayList<>();
        for (AbstractInsnNode insn = m.instructions.getFirst(); insn != null; insn = insn.getNext()) {
            int op = insn.getOpcode();
            if (op == Opcodes.NEW) {
                open.push(new Site((TypeInsnNode) insn));
            } else if (op == Opcodes.INVOKESPECIAL && ((MethodInsnNode) insn).name.equals("<init>")
                    && !open.isEmpty() && open.peek().newInsn.desc.equals(((MethodInsnNode) insn).owner)) {
                Site s = open.pop();
                if (s.suspends) {
                    moves.add(s);
                    inits.add((MethodInsnNode) insn);
                }
            } else if (insn instanceof MethodInsnNode && suspensions.contains(insn)) {
                for (Site s : open) {
                    s.suspends = true;
                }
            }
        }
        for (int i = 0; i < moves.size(); i++) {
            move(m, moves.get(i).newInsn, inits.get(i));
        }
    }

    private static void move(MethodNode m, TypeInsnNode newInsn, MethodInsnNode init) throws InstrumentationException {
        AbstractInsnNode dup = newInsn.getNext();
        if (dup == null || dup.getOpcode() != Opcodes.DUP) {
            throw new InstrumentationException("a suspending call inside the arguments of new "
                    + newInsn.desc.replace('/', '.') + "(...) in bytecode not shaped as javac emits it (NEW without DUP)",
                    Insns.lineOf(newInsn), "evaluate the suspending argument into a local variable first");
        }
        m.instructions.remove(dup);
        m.instructions.remove(newInsn);
        Type[] args = Type.getArgumentTypes(init.desc);
        int[] temps = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            temps[i] = m.maxLocals;
            m.maxLocals += args[i].getSize();
        }
        InsnList seq = new InsnList();
        for (int i = args.length - 1; i >= 0; i--) {
            seq.add(Insns.store(args[i], temps[i]));
        }
        seq.add(new TypeInsnNode(Opcodes.NEW, newInsn.desc));
        seq.add(new InsnNode(Opcodes.DUP));
        for (int i = 0; i < args.length; i++) {
            seq.add(Insns.load(args[i], temps[i]));
        }
        m.instructions.insertBefore(init, seq);
    }
}
