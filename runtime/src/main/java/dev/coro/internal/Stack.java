package dev.coro.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The saved frames of one coroutine, and the contract between instrumented code and the runtime.
 *
 * <p>Every instrumented method {@code m(args)} gets a twin {@code m(args, Stack)} holding the real body; the
 * original becomes a stub that finds the current stack with {@link #current()} and calls the twin. The twin
 * reads {@link #mode} twice on its hot path: at entry ({@code RESUMING} means jump back to the saved call site)
 * and after each call to another coroutine method ({@code SUSPENDING} means save this frame and return).
 *
 * <p>Frames are saved innermost first while unwinding and restored outermost first while rewinding, so the
 * three arrays work as plain LIFO stacks: each frame pops exactly what it pushed, in reverse order, with its
 * resume point pushed last. Arrays only grow, so a steady suspend/resume cycle allocates nothing.
 *
 * <p>A task gets a stack of its own only when it first suspends: until then it runs on its loop's spare stack, which
 * a task that completes without suspending leaves empty for the next one. So the million short tasks a program may
 * hold at once are small objects, and only suspended coroutines pay for frame storage. What belongs to a wait (its
 * node, its description) lives here for the same reason: only a suspended task has one.
 */
public class Stack {
    /** Running normally. */
    public static final int RUNNING = 0;
    /** A leaf asked to suspend: every frame saves itself and returns. */
    public static final int SUSPENDING = 1;
    /** Rewinding: every frame restores itself and re-enters its saved call site. */
    public static final int RESUMING = 2;

    /** One of {@link #RUNNING}, {@link #SUSPENDING}, {@link #RESUMING}; read by instrumented code. */
    public int mode;

    /**
     * Raised by the watchdog when the coroutine has run a whole time slice without suspending, or by a cancel from
     * another thread; loop heads of instrumented code read it and yield. Volatile so a loop cannot hoist the read.
     */
    public volatile boolean preempt;

    /** The next stub entered is a trampoline the runtime knows to be transparent (a task's entry point). */
    boolean armed;
    /** How many frames that cannot unwind (plain code, a held monitor) stand between here and the task's root. */
    int pinned;
    /**
     * The task these frames belong to; null for a thread's stack outside any coroutine. A loop's spare stack is lent
     * to each task that runs before it first suspends; loop thread only.
     */
    CoTask<?> task;

    /** Its task's entry's path to suspension points was checked (see EntryCheck). */
    boolean entryChecked;
    /** What the task is suspended on, for diagnostics: a description, or the task it joins. */
    Object waitingOn;
    /** The queue node of the current wait, if it waits in one. */
    WaitNode waitNode;

    /*
     * The arrays are null until first needed: most tasks never suspend nor set a coroutine-local, and a null field is
     * one reference fewer for the collector to follow each time it copies a task.
     */

    /**
     * Values of coroutine-locals of a stack outside any task (a plain thread's), by index; {@link #UNSET} where none
     * was set. Null until one is set. A task keeps its own: its values must not stay with a lent stack.
     */
    private Object[] locals;
    /** Marks a coroutine-local without a value (null is a value). */
    public static final Object UNSET = new Object();
    private static volatile int[] inheritable = new int[0];

    private int[] ints;
    private long[] longs;
    private Object[] refs;
    private int ip, lp, rp;

    /** A stack for {@code task}, or outside any task if null. */
    Stack(CoTask<?> task) {
        this.task = task;
    }

    /** The stack of the coroutine running on this thread, or the thread's plain stack outside any coroutine. */
    public static Stack current() {
        return Carrier.get().current;
    }

    /**
     * Called by a stub before it runs its twin. True when the runtime armed this entry (a task's root being
     * started or resumed through its entry object); otherwise the caller is plain code that cannot unwind, and the
     * stub runs the twin pinned, between {@link #pin()} and {@link #unpin()}.
     */
    public boolean enter() {
        if (armed) {
            armed = false;
            return true;
        }
        return false;
    }

    /** Marks a frame that cannot unwind; suspensions below it block or fail with a diagnostic. */
    public void pin() {
        pinned++;
    }

    public void unpin() {
        pinned--;
    }

    /**
     * Called by the twin an interface or abstract class gets for a coroutine method it does not implement. A
     * lambda proxy (synthetic) only forwards to the lambda body, so it is transparent: arm its stub. Any other
     * implementation the agent did not rewrite is plain code and runs pinned.
     */
    public boolean bridge(Object target) {
        if (target.getClass().isSynthetic()) {
            armed = true;
            return true;
        }
        pinned++;
        return false;
    }

    /** Ends a {@link #bridge(Object)} call. */
    public void bridged(boolean transparent) {
        if (transparent) {
            armed = false;
        } else {
            pinned--;
        }
    }

    // ---- frame storage, used by the save and restore code the agent emits ----

    public void pushI(int v) {
        if (ints == null || ip == ints.length) {
            ints = ints == null ? new int[grow(0)] : Arrays.copyOf(ints, grow(ip));
        }
        ints[ip++] = v;
    }

    public void pushF(float v) {
        pushI(Float.floatToRawIntBits(v));
    }

    public void pushJ(long v) {
        if (longs == null || lp == longs.length) {
            longs = longs == null ? new long[grow(0)] : Arrays.copyOf(longs, grow(lp));
        }
        longs[lp++] = v;
    }

    public void pushD(double v) {
        pushJ(Double.doubleToRawLongBits(v));
    }

    public void pushA(Object v) {
        if (refs == null || rp == refs.length) {
            refs = refs == null ? new Object[grow(0)] : Arrays.copyOf(refs, grow(rp));
        }
        refs[rp++] = v;
    }

    public int popI() {
        return ints[--ip];
    }

    public float popF() {
        return Float.intBitsToFloat(popI());
    }

    public long popJ() {
        return longs[--lp];
    }

    public double popD() {
        return Double.longBitsToDouble(popJ());
    }

    public Object popA() {
        Object v = refs[--rp];
        refs[rp] = null; // the frame owns it again; don't keep it alive from here
        return v;
    }

    /** The last reference saved, left in place: for a twin whose way back depends on what it saved. */
    public Object peekA() {
        return refs[rp - 1];
    }

    /** Instrumented code found a resume point it does not have: the saved frames do not match the code. */
    public IllegalStateException corrupt() {
        IllegalStateException e = new IllegalStateException("coro: saved frames do not match the code being resumed"
                + (task == null ? "" : " in task " + task.name())
                + "; was a class redefined, or instrumented twice, while a coroutine was suspended in it?");
        clear();
        return e;
    }

    private static int grow(int size) {
        return size < 4 ? 4 : size + (size >> 1) + 1;
    }

    /** A coroutine-local's value here, or {@link #UNSET}. */
    public Object local(int index) {
        Object[] l = task != null ? task.locals() : locals;
        return l != null && index < l.length && l[index] != null ? l[index] : UNSET;
    }

    /** Sets (or, with {@link #UNSET}, removes) a coroutine-local's value here. */
    public void setLocal(int index, Object value) {
        if (task != null) {
            task.setLocal(index, value);
        } else {
            locals = withLocal(locals, index, value);
        }
    }

    /** {@code l} (or a longer copy) with the value at {@code index} set or removed. */
    static Object[] withLocal(Object[] l, int index, Object value) {
        int length = l == null ? 0 : l.length;
        if (index >= length) {
            if (value == UNSET) {
                return l;
            }
            l = length == 0 ? new Object[index + 1] : Arrays.copyOf(l, Math.max(index + 1, length * 2));
        }
        l[index] = value == null ? NULL_VALUE : value == UNSET ? null : value;
        return l;
    }

    private static final Object NULL_VALUE = new Object();

    /** Unwraps a stored value: {@link #local} returns this for a local set to null. */
    public static Object unmask(Object stored) {
        return stored == NULL_VALUE ? null : stored;
    }

    /** Drops this plain stack's coroutine-local values. */
    void clearLocals() {
        locals = null;
    }

    private static final AtomicInteger LOCAL_INDEXES = new AtomicInteger();

    /** A new slot for {@link #local}: each coroutine-local has one, and so has each per-task table of the runtime. */
    public static int newLocalIndex() {
        return LOCAL_INDEXES.getAndIncrement();
    }

    /** Registers a coroutine-local whose value a spawned task starts with. */
    public static synchronized void registerInheritable(int index) {
        int[] old = inheritable;
        int[] now = Arrays.copyOf(old, old.length + 1);
        now[old.length] = index;
        inheritable = now;
    }

    /** The values of inheritable coroutine-locals here, which a task spawned from here starts with; null if none. */
    Object[] inheritedLocals() {
        Object[] l = null;
        for (int i : inheritable) {
            Object v = local(i);
            if (v != UNSET) {
                l = withLocal(l, i, unmask(v));
            }
        }
        return l;
    }

    /** The task these frames belong to, or null outside any coroutine. */
    public CoTask<?> task() {
        return task;
    }

    /**
     * The task code running on this stack runs on behalf of: its own, or the task consuming a generator body that
     * runs here (see GeneratorIterator.BodyStack); null outside any. Loop thread.
     */
    public CoTask<?> taskOnBehalf() {
        return task;
    }

    /** True if code running on this stack runs on a task's behalf: its own, or a generator body's consumer's. */
    public final boolean onBehalfOfTask() {
        return taskOnBehalf() != null;
    }

    /** Leaves call this when the rewind reaches them: the suspension is over. */
    void resumed() {
        mode = RUNNING;
    }

    /** Drops whatever a failed or cancelled rewind left behind. */
    void clear() {
        if (refs != null) {
            Arrays.fill(refs, 0, Math.max(0, Math.min(rp, refs.length)), null);
        }
        ip = lp = rp = 0;
        mode = RUNNING;
        armed = false;
        pinned = 0;
    }

    /**
     * The instrumented frames saved here, innermost first, as stack-trace elements (see {@link Sites#frames}); any
     * thread, racily.
     */
    java.util.List<String> savedFrames() {
        return Sites.frames(ints, ip);
    }

    boolean isEmpty() {
        return ip == 0 && lp == 0 && rp == 0;
    }

    /** Bytes the saved frames occupy in their arrays (for diagnostics). */
    int savedSlots() {
        return ip + lp + rp;
    }
}
