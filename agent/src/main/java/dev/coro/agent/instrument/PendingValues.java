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
 * Which values pending on the operand stack at a suspension point (the receiver, and what lies below it, as in
 * {@code list.add(fetch())}) need not be saved because the resume can make them again: a constant, or a plain
 * copy of a local that the frame restores anyway. Only the evident case counts as a copy: the value's only source is
 * a load, from which straight-line code that does not write that local leads to the call.
 */
final class PendingValues {
    private final MethodNode m;
    private final Frame<SourceValue>[] frames;
    private final Set<LabelNode> joins = new HashSet<>();

    PendingValues(String owner, MethodNode m) {
        this.m = m;
        Frame<SourceValue>[] f;
        try {
            f = new Analyzer<>(new SourceInterpreter()).analyze(owner, m);
        } catch (AnalyzerException e) {
            f = null; // the type analysis already accepted this code; without sources, every value is saved
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

    /**
     * For each operand-stack slot below the call's arguments (its receiver included), bottom first: the instruction
     * that makes the value again (a constant, or a load of a local unchanged since), or null where it must be saved.
     */
    AbstractInsnNode[] at(MethodInsnNode call) {
        int consumed = Type.getArgumentTypes(call.desc).length;
        Frame<SourceValue> f = frames == null ? null : frames[m.instructions.indexOf(call)];
        if (f == null) {
            return null;
        }
        AbstractInsnNode[] again = new AbstractInsnNode[f.getStackSize() - consumed];
        for (int j = 0; j < again.length; j++) {
            again[j] = remake(f.getStack(j), call);
        }
        return again;
    }

    private AbstractInsnNode remake(SourceValue v, MethodInsnNode call) {
        if (v.insns.size() != 1) {
            return null;
        }
        AbstractInsnNode source = v.insns.iterator().next();
        if (Insns.isConstant(source)) {
            return source;
        }
        if (!(source instanceof VarInsnNode) || source.getOpcode() < Opcodes.ILOAD
                || source.getOpcode() > Opcodes.ALOAD) {
            return null;
        }
        int local = ((VarInsnNode) source).var;
        for (AbstractInsnNode i = source.getNext(); i != call; i = i.getNext()) {
            if (i == null || i instanceof LabelNode && joins.contains(i) || i instanceof JumpInsnNode
                    || i instanceof TableSwitchInsnNode || i instanceof LookupSwitchInsnNode || Insns.writes(i, local)) {
                return null; // not straight-line, or the local changed
            }
        }
        return source;
    }
}
