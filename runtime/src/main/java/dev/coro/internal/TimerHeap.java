package dev.coro.internal;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline, then by insertion order, so timers due at the same instant
 * fire in the order they were set. Every node knows its index: cancel is O(log n) and needs no search.
 */
final class TimerHeap {
    private TimerNode[] heap = new TimerNode[16];
    private int size;
    private long seq;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest deadline; only when not empty. */
    long nextDeadline() {
        return heap[0].deadline;
    }

    TimerNode peek() {
        return size == 0 ? null : heap[0];
    }

    void add(TimerNode n, long deadline) {
        if (n.index >= 0) {
            throw new IllegalStateException("timer already scheduled");
        }
        n.deadline = deadline;
        n.seq = seq++;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        n.index = size;
        heap[size++] = n;
        up(n.index);
    }

    /** Removes the node if it is scheduled; true if it was. */
    boolean remove(TimerNode n) {
        int i = n.index;
        if (i < 0 || i >= size || heap[i] != n) {
            return false;
        }
        TimerNode last = heap[--size];
        heap[size] = null;
        n.index = -1;
        if (i != size) {
            heap[i] = last;
            last.index = i;
            down(i);
            up(last.index);
        }
        return true;
    }

    TimerNode poll() {
        TimerNode n = heap[0];
        remove(n);
        return n;
    }

    private static boolean less(TimerNode a, TimerNode b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void up(int i) {
        TimerNode n = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            TimerNode parent = heap[p];
            if (!less(n, parent)) {
                break;
            }
            heap[i] = parent;
            parent.index = i;
            i = p;
        }
        heap[i] = n;
        n.index = i;
    }

    private void down(int i) {
        TimerNode n = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && less(heap[r], heap[c])) {
                c = r;
            }
            if (!less(heap[c], n)) {
                break;
            }
            heap[i] = heap[c];
            heap[i].index = i;
            i = c;
        }
        heap[i] = n;
        n.index = i;
    }
}
