package dev.coro.internal;

/**
 * A loop's FIFO of ready tasks; loop thread only. A chain of fixed-size segments instead of one growing array: a
 * million tasks spawned at once cost no array copies and no huge arrays (which the collector allocates outside the
 * young generation, starting collections of their own), and a segment is dropped once consumed instead of being
 * reused, so the queue's stores go into young memory, which the collector's write barrier lets through cheaply.
 */
final class ReadyQueue {
    /** Tasks per segment; the slot after them links the next segment. */
    private static final int SEGMENT = 256;

    private Object[] head = new Object[SEGMENT + 1];
    private Object[] tail = head;
    /** The next slot to poll in {@link #head}, and the next free slot in {@link #tail}. */
    private int headIndex, tailIndex;

    void addLast(CoTask<?> t) {
        if (tailIndex == SEGMENT) {
            Object[] next = new Object[SEGMENT + 1];
            tail[SEGMENT] = next;
            tail = next;
            tailIndex = 0;
        }
        tail[tailIndex++] = t;
    }

    /** The oldest ready task, removed; null if none. */
    CoTask<?> pollFirst() {
        if (headIndex == SEGMENT) {
            if (head == tail) {
                return null; // consumed to its end and nothing added since: keep it until the next add
            }
            Object[] next = (Object[]) head[SEGMENT];
            head[SEGMENT] = null; // a consumed segment that got old must not keep the younger ones alive
            head = next;
            headIndex = 0;
        }
        if (head == tail && headIndex == tailIndex) {
            return null;
        }
        CoTask<?> t = (CoTask<?>) head[headIndex];
        head[headIndex++] = null; // a finished task must not be kept alive from here
        return t;
    }

    boolean isEmpty() {
        return head == tail && headIndex == tailIndex; // a segment after the head holds at least one task
    }
}
