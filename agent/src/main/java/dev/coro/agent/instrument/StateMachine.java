package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Turns a twin's body into a resumable state machine. For suspension point {@code k}:
 *
 * <pre>
 *  entry:     if (stack.mode != RUNNING) goto dispatch           -- the only cost on entry
 *  call k:    [spill receiver]  CALL_k: aload stack; invoke m(args, stack)
 *             if (stack.mode != RUNNING) goto SAVE_k             -- the only cost per call
 *  SAVE_k:    pop result; push operand values below the call, receiver, live locals, then id_k; return zero
 *  dispatch:  switch (stack.popI()) { case id_k: goto RESTORE_k }
 *  RESTORE_k: pop locals and receiver into place, operand values back onto the stack;
 *             push zero arguments (the callee restores its own); goto CALL_k
 *             (a preemption check's leaf: goto a second call of it, off the loop's path)
 *
 * A pending value that the resume can make again (a constant, a copy of a local restored anyway: see
 * {@link PendingValues}) is not saved: the restore makes it.
 * </pre>
 *
 * The resume point {@code id_k} is the id the {@link SiteRegistry} gave suspension point k: it names the point, so
 * a dump can read the frames a coroutine is suspended in from what they saved.
 *
 * Save, dispatch and restore code lies after the method's last instruction, outside every exception range; the
 * jump back lands inside the call's ranges, so exceptions thrown after a resume reach the original handlers.
 */
final class StateMachine {
    private final MethodNode m;
    private final int stackLocal;
    private final boolean isStatic;
    private final boolean thisIsConstant;
    private final Type returnType;
    /** The leaf calls of preemption checks ({@link PreemptionPoints}). */
    private final java.util.Set<MethodInsnNode> preemptions;
    private final String owner;
    private final String sourceFile;
    private final SiteRegistry registry;
    /** The method each site calls, as the source names it (before any patch redirected it). */
    private final java.util.function.Function<MethodInsnNode, String> callees;
    /** Ints (and floats) the site being rewritten saves so far, besides its resume point. */
    private int savedInts;

    StateMachine(String owner, String sourceFile, MethodNode twin, int stackLocal,
                 java.util.Set<MethodInsnNode> preemptions, java.util.function.Function<MethodInsnNode, String> callees,
                 SiteRegistry registry) {
        this.owner = owner;
        this.sourceFile = sourceFile;
        this.callees = callees;
        this.registry = registry;
        this.m = twin;
        this.preemptions = preemptions;
        this.stackLocal = stackLocal;
        this.isStatic = (twin.access & Opcodes.ACC_STATIC) != 0;
        this.thisIsConstant = !isStatic && !storesTo(twin, 0);
        this.returnType = Type.getReturnType(twin.desc);
    }

    private static boolean storesTo(MethodNode m, int local) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (Insns.writes(i, local)) {
                return true;
            }
        }
        return false;
    }

    /** Rewrites the sites, which must be reachable and given with the frames from before any change. */
    void rewrite(List<MethodInsnNode> sites, List<Frame<BasicValue>> frames, List<BitSet> live,
                 List<AbstractInsnNode[]> pending, java.util.Set<MethodInsnNode> keepArgs)
            throws InstrumentationException {
        InsnList tail = new InsnList();
        List<LabelNode> restores = new ArrayList<>();
        InsnList restoreCode = new InsnList();
        int n = sites.size();
        LdcInsnNode[] ids = new LdcInsnNode[n];
        int[] lines = new int[n];
        String[] called = new String[n];
        int[] ints = new int[n];
        for (int k = 0; k < n; k++) {
            LabelNode restore = new LabelNode();
            restores.add(restore);
            savedInts = 0;
            ids[k] = rewriteSite(k, sites.get(k), frames.get(k), live.get(k), pending.get(k),
                    keepArgs.contains(sites.get(k)), tail, restore, restoreCode);
            lines[k] = Math.max(0, Insns.lineOf(sites.get(k)));
            called[k] = callees.apply(sites.get(k));
            ints[k] = savedInts;
        }
        int first = registry.register(owner, m.name, sourceFile, lines, called, ints);
        for (int k = 0; k < n; k++) {
            ids[k].cst = first + k;
        }
        LabelNode dispatch = new LabelNode();
        InsnList entry = new InsnList();
        entry.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        entry.add(new FieldInsnNode(Opcodes.GETFIELD, Insns.STACK, "mode", "I"));
        entry.add(new JumpInsnNode(Opcodes.IFNE, dispatch));
        m.instructions.insert(entry);

        tail.add(dispatch);
        tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        tail.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "popI", "()I", false));
        LabelNode corrupt = new LabelNode();
        tail.add(new TableSwitchInsnNode(first, first + n - 1, corrupt, restores.toArray(new LabelNode[0])));
        tail.add(corrupt);
        tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        tail.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "corrupt",
                "()Ljava/lang/IllegalStateException;", false));
        tail.add(new InsnNode(Opcodes.ATHROW));
        tail.add(restoreCode);
        m.instructions.add(tail);
    }

    /** Rewrites site {@code k}; returns the constant its frame saves as its resume point, which the caller sets. */
    private LdcInsnNode rewriteSite(int k, MethodInsnNode call, Frame<BasicValue> f, BitSet live, AbstractInsnNode[] again,
                             boolean patched, InsnList tail, LabelNode restore,
                             InsnList restoreCode) throws InstrumentationException {
        int line = Insns.lineOf(call);
        Type[] args = Type.getArgumentTypes(call.desc);
        boolean hasReceiver = call.getOpcode() != Opcodes.INVOKESTATIC;
        int consumed = args.length + (hasReceiver ? 1 : 0);
        int below = f.getStackSize() - consumed;
        for (int j = 0; j < below; j++) {
            if (!isSavable(f.getStack(j), line)) {
                throw new InstrumentationException("an operand-stack value of an unsupported kind (" + f.getStack(j)
                        + ") is pending across the call to " + call.name, line,
                        "evaluate the call into a local variable first");
            }
        }
        // what the resume makes again instead of restoring it: constants, copies of locals restored anyway
        AbstractInsnNode[] remake = new AbstractInsnNode[below + (hasReceiver ? 1 : 0)];
        for (int j = 0; again != null && j < remake.length; j++) {
            remake[j] = remakeable(again[j], f, live, line);
        }
        BasicValue receiver = hasReceiver ? f.getStack(below) : null;
        boolean spillReceiver = hasReceiver && remake[below] == null;

        // before the call: keep a copy of the receiver, which the call consumes
        InsnList pre = new InsnList();
        int receiverLocal = -1;
        // an interface may be implemented by a lambda proxy, which adapts (unboxes, dereferences) its arguments
        // before reaching the lambda's body: it needs the real ones again on resume
        boolean keepArgs = (patched || call.getOpcode() == Opcodes.INVOKEINTERFACE) && args.length > 0;
        int[] argLocals = new int[args.length];
        if (keepArgs || spillReceiver) {
            for (int i = args.length - 1; i >= 0; i--) {
                argLocals[i] = newLocal(args[i].getSize());
                pre.add(Insns.store(args[i], argLocals[i]));
            }
            if (spillReceiver) {
                receiverLocal = newLocal(1);
                pre.add(new InsnNode(Opcodes.DUP));
                pre.add(new VarInsnNode(Opcodes.ASTORE, receiverLocal));
            }
            for (int i = 0; i < args.length; i++) {
                pre.add(Insns.load(args[i], argLocals[i]));
            }
        }
        LabelNode callLabel = new LabelNode();
        pre.add(callLabel);
        pre.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        m.instructions.insertBefore(call, pre);
        String originalDesc = call.desc;
        call.desc = Insns.twinDesc(call.desc);

        LabelNode save = new LabelNode();
        InsnList post = new InsnList();
        post.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        post.add(new FieldInsnNode(Opcodes.GETFIELD, Insns.STACK, "mode", "I"));
        JumpInsnNode toSave = new JumpInsnNode(Opcodes.IFNE, save);
        post.add(toSave);
        m.instructions.insert(call, post);
        LabelNode resumeAt = callLabel;
        if (preemptions.contains(call)) {
            // A preemption resumes through a second call of the leaf, next to the first (so inside the same
            // exception ranges) and off the loop's path. The first call then leads out of the loop (it suspends;
            // only a pinned task goes on after it, which the JIT leaves to a rare path), and a loop that has been
            // preempted compiles without a call in it, where a shared call would be on its path at every resume.
            LabelNode second = new LabelNode();
            LabelNode after = new LabelNode();
            InsnList split = new InsnList();
            split.add(new JumpInsnNode(Opcodes.GOTO, after));
            split.add(second);
            split.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
            split.add(new MethodInsnNode(Opcodes.INVOKESTATIC, call.owner, call.name, call.desc, false));
            split.add(after);
            m.instructions.insert(toSave, split);
            resumeAt = second;
        }

        // SAVE_k: the callee returned a dummy; the values below the call are still on the operand stack. They go
        // first (top down, as they come off), so that the restore, popping in reverse, has the locals back before
        // it makes any value again from one.
        tail.add(save);
        if (line > 0) {
            LabelNode l = new LabelNode();
            tail.add(l);
            tail.add(new LineNumberNode(line, l));
        }
        Type ret = Type.getReturnType(originalDesc);
        if (ret.getSize() == 1) {
            tail.add(new InsnNode(Opcodes.POP));
        } else if (ret.getSize() == 2) {
            tail.add(new InsnNode(Opcodes.POP2));
        }
        for (int j = below - 1; j >= 0; j--) {
            BasicValue v = f.getStack(j);
            if (isNull(v) || remake[j] != null) {
                tail.add(new InsnNode(v.getSize() == 2 ? Opcodes.POP2 : Opcodes.POP));
            } else if (v.getSize() == 1) {
                tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                tail.add(new InsnNode(Opcodes.SWAP));
                tail.add(push(v));
            } else {
                tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                tail.add(new InsnNode(Opcodes.DUP_X2));
                tail.add(new InsnNode(Opcodes.POP));
                tail.add(push(v));
            }
        }
        if (spillReceiver && !isNull(receiver)) {
            tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
            tail.add(new VarInsnNode(Opcodes.ALOAD, receiverLocal));
            tail.add(push(receiver));
        }
        if (keepArgs) {
            for (int a = 0; a < args.length; a++) {
                tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                tail.add(Insns.load(args[a], argLocals[a]));
                tail.add(push(new BasicValue(args[a])));
            }
        }
        List<Integer> savedLocals = new ArrayList<>();
        for (int i = 0; i < f.getLocals(); ) {
            BasicValue v = f.getLocal(i);
            int size = v == null || v.getType() == null ? 1 : v.getSize();
            if (isSaved(i, f, live, line)) {
                savedLocals.add(i);
                if (!isNull(v)) {
                    tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                    tail.add(new VarInsnNode(v.getType().getOpcode(Opcodes.ILOAD), i));
                    tail.add(push(v));
                }
            }
            i += size;
        }
        tail.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
        LdcInsnNode id = new LdcInsnNode(k);
        tail.add(id);
        tail.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, "pushI", "(I)V", false));
        AbstractInsnNode zero = Insns.zero(returnType);
        if (zero != null) {
            tail.add(zero);
        }
        tail.add(new InsnNode(returnType.getOpcode(Opcodes.IRETURN)));

        // RESTORE_k: pop in the reverse order of the pushes above
        restoreCode.add(restore);
        if (line > 0) {
            LabelNode l = new LabelNode();
            restoreCode.add(l);
            restoreCode.add(new LineNumberNode(line, l));
        }
        for (int s = savedLocals.size() - 1; s >= 0; s--) {
            int index = savedLocals.get(s);
            BasicValue v = f.getLocal(index);
            if (isNull(v)) {
                restoreCode.add(new InsnNode(Opcodes.ACONST_NULL));
            } else {
                restoreCode.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                pop(v, restoreCode);
            }
            restoreCode.add(new VarInsnNode(v.getType().getOpcode(Opcodes.ISTORE), index));
        }
        if (keepArgs) {
            for (int a = args.length - 1; a >= 0; a--) {
                restoreCode.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                pop(new BasicValue(args[a]), restoreCode);
                restoreCode.add(Insns.store(args[a], argLocals[a]));
            }
        }
        if (spillReceiver) {
            if (isNull(receiver)) {
                restoreCode.add(new InsnNode(Opcodes.ACONST_NULL)); // a call on a provable null (a finally copy)
            } else {
                restoreCode.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                pop(receiver, restoreCode);
            }
            restoreCode.add(new VarInsnNode(Opcodes.ASTORE, receiverLocal));
        }
        for (int j = 0; j < below; j++) {
            BasicValue v = f.getStack(j);
            if (remake[j] != null) {
                restoreCode.add(remake[j]);
            } else if (isNull(v)) {
                restoreCode.add(new InsnNode(Opcodes.ACONST_NULL));
            } else {
                restoreCode.add(new VarInsnNode(Opcodes.ALOAD, stackLocal));
                pop(v, restoreCode);
            }
        }
        if (hasReceiver) {
            restoreCode.add(spillReceiver ? new VarInsnNode(Opcodes.ALOAD, receiverLocal) : remake[below]);
        }
        for (int a = 0; a < args.length; a++) {
            restoreCode.add(keepArgs ? Insns.load(args[a], argLocals[a]) : Insns.zero(args[a]));
        }
        restoreCode.add(new JumpInsnNode(Opcodes.GOTO, resumeAt));
        return id;
    }

    /**
     * The instruction that makes a pending value again at the resume: a copy of {@code source} if it is a constant,
     * or a load of a local that comes back anyway (a saved one, or a constant this); else null.
     */
    private AbstractInsnNode remakeable(AbstractInsnNode source, Frame<BasicValue> f, BitSet live, int line)
            throws InstrumentationException {
        if (source == null) {
            return null;
        }
        if (Insns.isConstant(source)) {
            return source.clone(java.util.Map.of());
        }
        int local = ((VarInsnNode) source).var;
        boolean back = local == 0 && thisIsConstant && source.getOpcode() == Opcodes.ALOAD
                || isSaved(local, f, live, line);
        return back ? new VarInsnNode(source.getOpcode(), local) : null;
    }

    /** Whether local {@code i} is saved at a site with this frame and liveness. */
    private boolean isSaved(int i, Frame<BasicValue> f, BitSet live, int line) throws InstrumentationException {
        return i != stackLocal && !(i == 0 && thisIsConstant) && live.get(i) && isSavable(f.getLocal(i), line);
    }

    private int newLocal(int size) {
        int index = m.maxLocals;
        m.maxLocals += size;
        return index;
    }

    private static boolean isSavable(BasicValue v, int line) throws InstrumentationException {
        if (v == null || v.getType() == null) {
            return false; // unset slot, or the second half of a long/double
        }
        if (v == BasicValue.RETURNADDRESS_VALUE) {
            throw new InstrumentationException("a jsr/ret subroutine is active across a suspension point", line,
                    "recompile the class with a Java 6+ compiler");
        }
        return true;
    }

    private static boolean isNull(BasicValue v) {
        Type t = v.getType();
        return t.getSort() == Type.OBJECT && t.getInternalName().equals("null");
    }

    /** The descriptor of the Stack slot kind a value is saved in: I (all int-like), F, J, D, or Object. */
    private static String slot(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN:
            case Type.BYTE:
            case Type.CHAR:
            case Type.SHORT:
            case Type.INT:
                return "I";
            case Type.FLOAT:
                return "F";
            case Type.LONG:
                return "J";
            case Type.DOUBLE:
                return "D";
            default:
                return "Ljava/lang/Object;";
        }
    }

    /** Stack.pushI/F/J/D/A for a value of this kind; counts the ints (and floats) the site saves. */
    private MethodInsnNode push(BasicValue v) {
        String slot = slot(v.getType());
        if (slot.equals("I") || slot.equals("F")) {
            savedInts++;
        }
        return stackCall("push" + (slot.length() == 1 ? slot : "A"), "(" + slot + ")V");
    }

    /** Stack.popI/F/J/D/A for a value of this kind, cast back to its type. */
    private static void pop(BasicValue v, InsnList out) {
        Type t = v.getType();
        String slot = slot(t);
        out.add(stackCall("pop" + (slot.length() == 1 ? slot : "A"), "()" + slot));
        if (slot.length() > 1 && !t.getDescriptor().equals("Ljava/lang/Object;")
                && !t.getDescriptor().equals("Lnull;")) {
            out.add(new TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
        }
    }

    private static MethodInsnNode stackCall(String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Insns.STACK, name, desc, false);
    }
}
