package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Frames with precise types at every instruction, plus the control-flow graph, from which it derives how many
 * monitors are held at each instruction (a call made while holding one cannot unwind).
 */
final class FlowAnalyzer extends Analyzer<BasicValue> {
    private List<Integer>[] successors;
    private List<Integer>[] handlers;
    private boolean[] caughtAll;

    FlowAnalyzer(Interpreter<BasicValue> interpreter) {
        super(interpreter);
    }

    @SuppressWarnings("unchecked")
    @Override
    public Frame<BasicValue>[] analyze(String owner, MethodNode method) throws AnalyzerException {
        successors = new List[method.instructions.size()];
        handlers = new List[method.instructions.size()];
        caughtAll = new boolean[method.instructions.size()];
        return super.analyze(owner, method);
    }

    @Override
    protected void newControlFlowEdge(int insn, int successor) {
        successors[insn] = add(successors[insn], successor);
    }

    @Override
    protected boolean newControlFlowExceptionEdge(int insn, TryCatchBlockNode tryCatchBlock) {
        // The exception table is searched in order: past the first catch-all covering an instruction, no handler
        // is ever reached from it (javac's synchronized releases its monitor in such a catch-all; counting the
        // outer handlers would make everything after an enclosing try look as if it held the monitor).
        if (caughtAll[insn]) {
            return true; // still analysed for frames, but no edge for monitors and liveness
        }
        if (tryCatchBlock.type == null) {
            caughtAll[insn] = true;
        }
        return super.newControlFlowExceptionEdge(insn, tryCatchBlock);
    }

    @Override
    protected boolean newControlFlowExceptionEdge(int insn, int successor) {
        handlers[insn] = add(handlers[insn], successor);
        return true;
    }

    private static List<Integer> add(List<Integer> list, int v) {
        List<Integer> l = list == null ? new ArrayList<>(2) : list;
        l.add(v);
        return l;
    }

    /**
     * Monitors held when each instruction starts (-1: unreachable), for the method last analysed. Normal edges
     * carry the instruction's effect; exception edges leave before it (a throwing MONITOREXIT still holds).
     */
    int[] monitorDepths(MethodNode method) {
        int n = method.instructions.size();
        int[] depth = new int[n];
        Arrays.fill(depth, -1);
        int base = (method.access & Opcodes.ACC_SYNCHRONIZED) != 0 ? 1 : 0;
        Deque<Integer> work = new ArrayDeque<>();
        if (n > 0) {
            depth[0] = base;
            work.add(0);
        }
        while (!work.isEmpty()) {
            int i = work.poll();
            int op = method.instructions.get(i).getOpcode();
            int after = op == Opcodes.MONITORENTER ? depth[i] + 1
                    : op == Opcodes.MONITOREXIT ? Math.max(base, depth[i] - 1) : depth[i];
            propagate(successors[i], Math.min(after, 64), depth, work);
            propagate(handlers[i], depth[i], depth, work);
        }
        return depth;
    }

    /**
     * The locals each instruction may read before overwriting them (backward liveness over the normal and
     * exception edges), for the method last analysed. A throwing instruction does not complete its store, so
     * what its handlers read stays live across it.
     */
    BitSet[] liveLocals(MethodNode method) {
        int n = method.instructions.size();
        BitSet[] in = new BitSet[n];
        BitSet[] use = new BitSet[n];
        int[] def = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = new BitSet();
            use[i] = new BitSet();
            def[i] = -1;
            AbstractInsnNode insn = method.instructions.get(i);
            if (insn instanceof VarInsnNode) {
                int var = ((VarInsnNode) insn).var;
                int op = insn.getOpcode();
                if (op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
                    def[i] = var;
                } else {
                    use[i].set(var);
                }
            } else if (insn instanceof IincInsnNode) {
                use[i].set(((IincInsnNode) insn).var);
            }
        }
        boolean changed = true;
        BitSet scratch = new BitSet();
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                scratch.clear();
                if (successors[i] != null) {
                    for (int s : successors[i]) {
                        scratch.or(in[s]);
                    }
                }
                if (def[i] >= 0) {
                    scratch.clear(def[i]);
                }
                if (handlers[i] != null) {
                    for (int s : handlers[i]) {
                        scratch.or(in[s]);
                    }
                }
                scratch.or(use[i]);
                if (!scratch.equals(in[i])) {
                    in[i] = (BitSet) scratch.clone();
                    changed = true;
                }
            }
        }
        return in;
    }

    private static void propagate(List<Integer> targets, int d, int[] depth, Deque<Integer> work) {
        if (targets == null) {
            return;
        }
        for (int s : targets) {
            if (depth[s] < d) {
                depth[s] = d;
                work.add(s);
            }
        }
    }
}
