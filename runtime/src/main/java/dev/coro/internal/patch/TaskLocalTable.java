package dev.coro.internal.patch;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;

/**
 * One task's values of patched {@code ThreadLocal}s: open addressing with linear probing over weak keys, as a
 * thread's own {@code ThreadLocalMap}, so that a hit is one hash, one slot and one compare (a {@code WeakHashMap}
 * cost about three times a virtual thread's lookup). Keys a collection dropped are found through a reference queue
 * on the next {@link #put} or {@link #remove}, their values with them: a long-lived task does not keep what
 * belonged to a local nobody holds. Loop thread only.
 */
final class TaskLocalTable {
    static final class Entry extends WeakReference<ThreadLocal<?>> {
        final int hash;
        Object value;

        Entry(ThreadLocal<?> key, int hash, Object value, ReferenceQueue<ThreadLocal<?>> queue) {
            super(key, queue);
            this.hash = hash;
            this.value = value;
        }
    }

    private final ReferenceQueue<ThreadLocal<?>> dropped = new ReferenceQueue<>();
    private Entry[] table = new Entry[8];
    private int size;

    /** The entry of {@code key}, or null if it has no value here. */
    Entry find(ThreadLocal<?> key) {
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = System.identityHashCode(key) & mask; ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null || e.refersTo(key)) {
                return e;
            }
        }
    }

    void put(ThreadLocal<?> key, Object value) {
        expungeDropped();
        int hash = System.identityHashCode(key);
        Entry[] t = table;
        int mask = t.length - 1;
        int i = hash & mask;
        for (Entry e; (e = t[i]) != null; i = (i + 1) & mask) {
            if (e.refersTo(key)) {
                e.value = value;
                return;
            }
        }
        t[i] = new Entry(key, hash, value, dropped);
        if (++size * 2 > t.length) {
            resize(t.length * 2);
        }
    }

    /** Forgets {@code key}'s value; false if it had none here. */
    boolean remove(ThreadLocal<?> key) {
        expungeDropped();
        Entry e = find(key);
        if (e == null) {
            return false;
        }
        delete(e);
        return true;
    }

    /** Drops the entries of keys a collection took, with their values. */
    void expungeDropped() {
        for (Object r; (r = dropped.poll()) != null; ) {
            delete((Entry) r);
        }
    }

    /** Takes {@code e} out and moves up the entries after it that probing could no longer reach. */
    private void delete(Entry e) {
        Entry[] t = table;
        int mask = t.length - 1;
        int i = e.hash & mask;
        while (t[i] != e) {
            if (t[i] == null) {
                return; // already gone (a remove() before its key was collected)
            }
            i = (i + 1) & mask;
        }
        e.value = null;
        e.clear(); // not to be queued again
        t[i] = null;
        size--;
        for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
            int home = t[j].hash & mask;
            // t[j] may fill the hole at i unless its home lies cyclically in (i, j]
            if (i <= j ? home <= i || home > j : home <= i && home > j) {
                t[i] = t[j];
                t[j] = null;
                i = j;
            }
        }
    }

    private void resize(int length) {
        Entry[] old = table;
        Entry[] t = new Entry[length];
        int mask = length - 1;
        for (Entry e : old) {
            if (e != null) {
                int i = e.hash & mask;
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = e;
            }
        }
        table = t;
    }
}
