package dev.coro.internal;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline, then by insertion order, so timers due at the same instant
 * fire in the order they were set.
 *
 * <p>Entries live in arrays (node, deadline, order, generation) and a sift touches only those: with 100,000
 * sleepers the nodes are scattered over the Java heap, and writing an index into each node a sift moves was most of
 * the loop's work. So a node does not know its place: {@link #remove} only bumps the node's generation, which makes
 * its entry stale; stale entries are dropped when they reach the top, or all at once when they outnumber the live
 * ones. Polling uses Floyd's hole sift, one comparison per level: the entry lifted from the end is usually the
 * latest timer and belongs near the bottom anyway.
 *
 * <p>Timers set in deadline order (every sleeper sleeping the same 100 ms, every read with the same timeout) skip the
 * heap: they queue up in a <em>run</em>, a ring in the same layout, where adding and polling are O(1) and walk memory
 * in order. A timer due before the run's last one goes to the heap; polling takes the earlier of the two heads, so
 * the order is the heap's alone would be.
 */
final class TimerHeap {
    private TimerNode[] nodes = new TimerNode[16];
    private long[] deadlines = new long[16];
    private long[] orders = new long[16];
    private int[] gens = new int[16];
    /** Entries in the arrays, stale ones included. */
    private int size;
    private int stale;
    private long order;

    /** The run: a ring of entries in deadline order, from {@code runHead}; stale ones included in runSize. */
    private TimerNode[] runNodes = new TimerNode[16];
    private long[] runDeadlines = new long[16];
    private long[] runOrders = new long[16];
    private int[] runGens = new int[16];
    private int runHead;
    private int runSize;
    private int runStale;
    /** The deadline of the run's last entry. */
    private long runLast;

    /** Scheduled timers. */
    int size() {
        return size - stale + runSize - runStale;
    }

    boolean isEmpty() {
        return size == stale && runSize == runStale; // stale entries may remain, but no timer is scheduled
    }

    /** The earliest deadline; only when not empty. */
    long nextDeadline() {
        dropStaleTop();
        dropStaleRunHead();
        return runFirst() ? runDeadlines[runHead] : deadlines[0];
    }

    /** After dropping stale heads: true if the next timer due is the run's head rather than the heap's. */
    private boolean runFirst() {
        return runSize > 0
                && (size == 0 || !less(deadlines[0], orders[0], runDeadlines[runHead], runOrders[runHead]));
    }

    void add(TimerNode n, long deadline) {
        if (n.scheduled) {
            throw new IllegalStateException("timer already scheduled");
        }
        n.scheduled = true;
        if (runSize == 0 || deadline - runLast >= 0) {
            n.inRun = true;
            addToRun(n, deadline);
            return;
        }
        n.inRun = false;
        if (size == nodes.length) {
            int grown = size * 2;
            nodes = Arrays.copyOf(nodes, grown);
            deadlines = Arrays.copyOf(deadlines, grown);
            orders = Arrays.copyOf(orders, grown);
            gens = Arrays.copyOf(gens, grown);
        }
        up(size++, n, deadline, order++, n.gen);
    }

    /** Unschedules the node if it is scheduled; true if it was. */
    boolean remove(TimerNode n) {
        if (!n.scheduled) {
            return false;
        }
        n.scheduled = false;
        n.gen++; // its entry is stale from now on
        if (n.inRun) {
            if (++runStale > 32 && runStale > runSize >>> 1) {
                compactRun();
            }
        } else if (++stale > 32 && stale > size >>> 1) {
            compact();
        }
        return true;
    }

    /** Removes and returns the earliest timer; only when not empty. */
    TimerNode poll() {
        dropStaleTop();
        dropStaleRunHead();
        TimerNode top;
        if (runFirst()) {
            top = runNodes[runHead];
            removeRunHead();
        } else {
            top = nodes[0];
            removeTop();
        }
        top.scheduled = false;
        return top;
    }

    private void addToRun(TimerNode n, long deadline) {
        if (runSize == runNodes.length) {
            copyRun(runNodes.length * 2, false);
        }
        int i = (runHead + runSize++) & (runNodes.length - 1);
        runNodes[i] = n;
        runDeadlines[i] = deadline;
        runOrders[i] = order++;
        runGens[i] = n.gen;
        runLast = deadline;
    }

    private void removeRunHead() {
        runNodes[runHead] = null;
        runHead = (runHead + 1) & (runNodes.length - 1);
        runSize--;
    }

    private void dropStaleRunHead() {
        while (runSize > 0 && runGens[runHead] != runNodes[runHead].gen) {
            removeRunHead();
            runStale--;
        }
    }

    /** Drops every stale entry of the run, keeping the order: O(n), once per n/2 removals at most. */
    private void compactRun() {
        copyRun(runNodes.length, true);
        runStale = 0;
    }

    /** Moves the run into new arrays of {@code capacity}, from index 0, in order; without stale entries if asked. */
    private void copyRun(int capacity, boolean liveOnly) {
        TimerNode[] n = new TimerNode[capacity];
        long[] d = new long[capacity];
        long[] o = new long[capacity];
        int[] g = new int[capacity];
        int mask = runNodes.length - 1;
        int kept = 0;
        for (int k = 0; k < runSize; k++) {
            int i = (runHead + k) & mask;
            if (!liveOnly || runGens[i] == runNodes[i].gen) {
                n[kept] = runNodes[i];
                d[kept] = runDeadlines[i];
                o[kept] = runOrders[i];
                g[kept] = runGens[i];
                kept++;
            }
        }
        runNodes = n;
        runDeadlines = d;
        runOrders = o;
        runGens = g;
        runHead = 0;
        runSize = kept;
    }

    private void dropStaleTop() {
        while (size > 0 && gens[0] != nodes[0].gen) {
            removeTop();
            stale--;
        }
    }

    private void removeTop() {
        int last = --size;
        TimerNode moved = nodes[last];
        nodes[last] = null;
        if (last == 0) {
            return;
        }
        long d = deadlines[last];
        long o = orders[last];
        int g = gens[last];
        int hole = 0;
        int c;
        while ((c = 2 * hole + 1) < last) {
            if (c + 1 < last && less(deadlines[c + 1], orders[c + 1], deadlines[c], orders[c])) {
                c++;
            }
            set(hole, nodes[c], deadlines[c], orders[c], gens[c]);
            hole = c;
        }
        up(hole, moved, d, o, g);
    }

    /** Drops every stale entry and rebuilds the heap: O(n), once per n/2 removals at most. */
    private void compact() {
        int live = 0;
        for (int i = 0; i < size; i++) {
            if (gens[i] == nodes[i].gen) {
                set(live++, nodes[i], deadlines[i], orders[i], gens[i]);
            }
        }
        Arrays.fill(nodes, live, size, null);
        size = live;
        stale = 0;
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            down(i, nodes[i], deadlines[i], orders[i], gens[i]);
        }
    }

    private static boolean less(long d1, long o1, long d2, long o2) {
        long d = d1 - d2; // by difference: System.nanoTime may wrap
        return d < 0 || (d == 0 && o1 < o2);
    }

    private void set(int i, TimerNode n, long d, long o, int g) {
        nodes[i] = n;
        deadlines[i] = d;
        orders[i] = o;
        gens[i] = g;
    }

    /** Places the entry at the hole {@code i} or above it. */
    private void up(int i, TimerNode n, long d, long o, int g) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!less(d, o, deadlines[p], orders[p])) {
                break;
            }
            set(i, nodes[p], deadlines[p], orders[p], gens[p]);
            i = p;
        }
        set(i, n, d, o, g);
    }

    /** Places the entry at the hole {@code i} or below it. */
    private void down(int i, TimerNode n, long d, long o, int g) {
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < size && less(deadlines[c + 1], orders[c + 1], deadlines[c], orders[c])) {
                c++;
            }
            if (!less(deadlines[c], orders[c], d, o)) {
                break;
            }
            set(i, nodes[c], deadlines[c], orders[c], gens[c]);
            i = c;
        }
        set(i, n, d, o, g);
    }
}
