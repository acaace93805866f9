package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

import java.util.HashSet;
import java.util.Set;

/**
 * Finds suspension points whose receiver is a plain copy of a local variable ({@code list.add(x)},
 * {@code this.step()}): there the receiver need not be saved apart, since restoring the local restores it. Only
 * the evident case counts: the receiver's only source is an {@code aload}, from which straight-line code that does
 * not write that local leads to the call.
 */
final class ReceiverCopies {
    static final int NONE = -1;

    private final MethodNode m;
    private final Frame<SourceValue>[] frames;
    private final Set<LabelNode> joins = new HashSet<>();

    ReceiverCopies(String owner, MethodNode m) {
        this.m = m;
        Frame<SourceValue>[] f;
        try {
            f = new Analyzer<>(new SourceInterpreter()).analyze(owner, m);
        } catch (AnalyzerException e) {
            f = null; // the type analysis already accepted this code; without sources, every receiver is saved
        }
        this.frames = f;
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof JumpInsnNode) {
                joins.add(((JumpInsnNode) i).label);
            } else if (i instanceof TableSwitchInsnNode) {
                joins.add(((TableSwitchInsnNode) i).dflt);
                joins.addAll(((TableSwitchInsnNode) i).labels);
            } else if (i instanceof LookupSwitchInsnNode) {
                joins.add(((LookupSwitchInsnNode) i).dflt);
                joins.addAll(((LookupSwitchInsnNode) i).labels);
            }
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            joins.add(t.handler);
        }
    }

    /** The local the call's receiver was loaded from, unchanged since; {@link #NONE} if not evident. */
    int of(MethodInsnNode call) {
        if (call.getOpcode() == Opcodes.INVOKESTATIC || frames == null) {
            return NONE;
        }
        Frame<SourceValue> f = frames[m.instructions.indexOf(call)];
        if (f == null) {
            return NONE;
        }
        SourceValue receiver = f.getStack(f.getStackSize() - Type.getArgumentTypes(call.desc).length - 1);
        if (receiver.insns.size() != 1) {
            return NONE;
        }
        AbstractInsnNode load = receiver.insns.iterator().next();
        if (load.getOpcode() != Opcodes.ALOAD) {
            return NONE;
        }
        int local = ((VarInsnNode) load).var;
        for (AbstractInsnNode i = load.getNext(); i != call; i = i.getNext()) {
            if (i == null || i instanceof LabelNode && joins.contains(i) || i instanceof JumpInsnNode
                    || i instanceof TableSwitchInsnNode || i instanceof LookupSwitchInsnNode || Insns.writes(i, local)) {
                return NONE; // not straight-line, or the local changed
            }
        }
        return local;
    }
}
