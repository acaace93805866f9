package dev.coro.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every suspension point of instrumented code, so that a dump can name the frames a suspended coroutine stopped in
 * with nothing recorded when it suspends. The agent registers a method's points as it rewrites the method, and the
 * id it gets back for a point is the resume point the method's frame saves there: the saved frames name themselves.
 *
 * <p>A frame saves its resume point last, after its ints, so the frames can be read from the outermost down: the
 * top int is the outermost frame's id, and its point says how many ints lie below the id before the next frame's.
 * Ids start far below zero, where no int a hand-written frame of the runtime saves (a count, a state) can be one:
 * the walk stops at the first int that is not an id.
 */
public final class Sites {
    /** The first id. Ids are contiguous per method, in the order of its points. */
    public static final int FIRST_ID = Integer.MIN_VALUE / 2;
    /** A dump shows at most this many frames of one coroutine, the innermost ones. */
    private static final int MAX_FRAMES = 256;

    /** The points of one method, by their position in it. */
    private static final class Method {
        final String owner;
        final String name;
        final String file;
        final int first;
        final int[] lines;
        final String[] callees;
        final int[] savedInts;

        Method(String owner, String name, String file, int first, int[] lines, String[] callees, int[] savedInts) {
            this.owner = owner;
            this.name = name;
            this.file = file;
            this.first = first;
            this.lines = lines;
            this.callees = callees;
            this.savedInts = savedInts;
        }

        String frame(int k) {
            return owner + "." + name + "(" + (file == null ? "Unknown Source" : file)
                    + (lines[k] > 0 ? ":" + lines[k] : "") + ")";
        }
    }

    /** Points per chunk of the table. */
    private static final int CHUNK_BITS = 12;
    private static final int CHUNK = 1 << CHUNK_BITS;
    /**
     * By id minus {@link #FIRST_ID}, in chunks that never move, so a registration copies nothing but (rarely) this
     * outer array. A reader on another thread may see a slot still empty (it stops there) or filled: a {@link Method}
     * has only final fields, so seen at all it is seen whole.
     */
    private static volatile Method[][] chunks = new Method[0][];
    private static int count;

    private Sites() {
    }

    /**
     * Called by the agent: registers the suspension points of one method, in order, and returns the id of the first
     * (point k has id first + k).
     *
     * @param owner      the class, internal name ({@code a/b/C})
     * @param file       its source file, or null
     * @param lines      per point, its source line, or 0
     * @param callees    per point, the method it calls ({@code a.b.C.m}), as the source wrote it
     * @param savedInts  per point, how many ints the frame saves below its resume point (ints and floats)
     */
    public static synchronized int register(String owner, String method, String file, int[] lines, String[] callees,
                                            int[] savedInts) {
        int n = lines.length;
        if (callees.length != n || savedInts.length != n || n == 0) {
            throw new IllegalArgumentException("one line, callee and count per point, and at least one point");
        }
        if (count > -FIRST_ID - n) {
            throw new IllegalStateException("coro: too many suspension points in one JVM");
        }
        Method m = new Method(owner.replace('/', '.'), method, file, FIRST_ID + count, lines.clone(),
                callees.clone(), savedInts.clone());
        Method[][] table = chunks;
        int needed = (count + n + CHUNK - 1) >>> CHUNK_BITS;
        if (needed > table.length) {
            table = java.util.Arrays.copyOf(table, needed);
            for (int c = chunks.length; c < needed; c++) {
                table[c] = new Method[CHUNK];
            }
            chunks = table;
        }
        for (int k = 0; k < n; k++) {
            int index = count + k;
            table[index >>> CHUNK_BITS][index & (CHUNK - 1)] = m;
        }
        count += n;
        return m.first;
    }

    /**
     * The frames saved in {@code ints[0, top)}, innermost first, as stack-trace elements, preceded by the call the
     * innermost one waits in unless that is the runtime's own, and followed by a line that says how many outer
     * frames were left out, if any; empty if no instrumented frame is saved there. Reads
     * racily when called from another thread than the coroutine's loop: anything it cannot make sense of ends it.
     */
    static List<String> frames(int[] ints, int top) {
        if (ints == null) {
            return Collections.emptyList();
        }
        Method[][] table = chunks;
        // the ids of the saved frames, outermost first; as a thread dump, the innermost ones are those shown
        int[] ids = new int[16];
        int count = 0;
        for (int i = Math.min(top, ints.length) - 1; i >= 0; ) {
            Method m = method(table, ints[i]);
            if (m == null) {
                break; // a hand-written frame's own state, below the instrumented ones
            }
            if (count == ids.length) {
                ids = java.util.Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = ints[i];
            i -= 1 + m.savedInts[ints[i] - m.first];
        }
        List<String> frames = new ArrayList<>();
        if (count == 0) {
            return frames;
        }
        Method innermost = method(table, ids[count - 1]);
        String waitsIn = innermost.callees[ids[count - 1] - innermost.first];
        if (waitsIn != null && !waitsIn.startsWith("dev.coro.internal.")) {
            frames.add(waitsIn);
        }
        for (int j = count - 1; j >= Math.max(0, count - MAX_FRAMES); j--) {
            Method m = method(table, ids[j]);
            frames.add(m.frame(ids[j] - m.first));
        }
        if (count > MAX_FRAMES) {
            frames.add("... " + (count - MAX_FRAMES) + " outer frames not shown");
        }
        return frames;
    }

    /** The method whose point has id {@code id}, or null if it is none. */
    private static Method method(Method[][] table, int id) {
        long index = (long) id - FIRST_ID;
        return index >= 0 && (index >>> CHUNK_BITS) < table.length
                ? table[(int) (index >>> CHUNK_BITS)][(int) index & (CHUNK - 1)] : null;
    }
}
