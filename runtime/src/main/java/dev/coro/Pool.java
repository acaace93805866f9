package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TaskGroup} that runs at most {@code size} children at once (gevent's Pool): {@link #spawn} suspends while
 * the pool is full. {@link #map} applies a coroutine to every item and returns the results in order.
 *
 * <pre>{@code
 * try (Pool pool = Pool.open(10)) {
 *     List<Integer> sizes = pool.map(url -> fetch(url).length(), urls);   // 10 fetches at a time
 * }
 * }</pre>
 */
public final class Pool implements AutoCloseable {
    private final TaskGroup group;
    private final Semaphore slots;
    private final int size;

    private Pool(int size) {
        this.size = size;
        this.group = TaskGroup.open();
        this.slots = new Semaphore(size);
    }

    public static Pool open(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("pool size must be positive: " + size);
        }
        return new Pool(size);
    }

    public int size() {
        return size;
    }

    /** Starts {@code body} once a slot is free, suspending until then. */
    @Coroutine
    public <T> Task<T> spawn(CoroutineCallable<T> body) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return spawn(body, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public <T> Task<T> spawn(CoroutineCallable<T> body, Stack s) {
        if (Suspend.isResuming(s)) {
            body = (CoroutineCallable<T>) s.popA();
            slots.acquire(s);
        } else {
            if (body == null) {
                throw new NullPointerException("body is null");
            }
            slots.acquire(s);
            if (Suspend.isSuspending(s)) {
                s.pushA(body);
                return null;
            }
        }
        Task<T> t;
        try {
            t = group.spawn(body);
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        t.onComplete(done -> slots.release());
        return t;
    }

    /**
     * Applies {@code fn} to every item, at most {@link #size()} at a time, and returns the results in the items' order.
     * The first failure cancels the rest and is thrown.
     */
    @Coroutine
    public <A, R> List<R> map(CoroutineFunction<? super A, ? extends R> fn, List<? extends A> items) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return map(fn, items, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden A hand-written frame: its state is {@link MapState}. */
    @SuppressWarnings("unchecked")
    public <A, R> List<R> map(CoroutineFunction<? super A, ? extends R> fn, List<? extends A> items, Stack s) {
        MapState<A, R> st;
        boolean resuming = Suspend.isResuming(s);
        if (resuming) {
            st = (MapState<A, R>) s.popA();
        } else {
            if (fn == null || items == null) {
                throw new NullPointerException(fn == null ? "fn is null" : "items is null");
            }
            st = new MapState<>(fn, new ArrayList<>(items));
        }
        // on resume, st.awaiting says which of the two waits below this frame was suspended in
        while (!st.awaiting && st.tasks.size() < st.items.size() && (resuming || !group.hasFailed())) {
            A item = st.items.get(st.tasks.size());
            CoroutineFunction<? super A, ? extends R> f = st.fn;
            Task<R> t = spawn(() -> f.apply(item), s); // consumes the resume if the suspension was here
            resuming = false;
            if (Suspend.isSuspending(s)) {
                s.pushA(st);
                return null;
            }
            st.tasks.add(t);
        }
        st.awaiting = true;
        Task<?>[] all = st.tasks.toArray(new Task<?>[0]);
        if (resuming) {
            Suspend.awaitAll(s, null);
        } else {
            Suspend.awaitAll(s, all);
            if (Suspend.isSuspending(s)) {
                s.pushA(st);
                return null;
            }
        }
        Task<?> failed = group.failedTask();
        if (failed != null) {
            for (Task<R> t : st.tasks) {
                if (t.isCancelled() || t.exception() != null) {
                    failed.join(s); // throws the failure that cancelled the rest, not the cancel of an earlier item
                }
            }
        }
        List<R> results = new ArrayList<>(all.length);
        for (Task<R> t : st.tasks) {
            results.add(t.join(s));
        }
        return results;
    }

    private static final class MapState<A, R> {
        final CoroutineFunction<? super A, ? extends R> fn;
        final List<? extends A> items;
        final List<Task<R>> tasks = new ArrayList<>();
        /** Past the spawning: waiting for all. */
        boolean awaiting;

        MapState(CoroutineFunction<? super A, ? extends R> fn, List<? extends A> items) {
            this.fn = fn;
            this.items = items;
        }
    }

    /** Waits for every child; see {@link TaskGroup#close()}. */
    @Coroutine
    @Override
    public void close() {
        group.close();
    }

    /** @hidden */
    public void close(Stack s) {
        group.close(s);
    }
}
