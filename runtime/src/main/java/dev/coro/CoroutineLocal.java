package dev.coro;

import dev.coro.internal.Stack;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value per task, as a {@link ThreadLocal} is per thread (Python's {@code threading.local} for coroutines): every
 * task sees its own, though all tasks of a loop share one thread. A plain thread has its own too. A spawned task
 * starts without its parent's values, unless the local is {@link #inheritable}.
 *
 * <pre>{@code
 * static final CoroutineLocal<String> USER = CoroutineLocal.withInitial(() -> "nobody");
 * Coro.spawn(() -> { USER.set("alice"); Coro.sleep(10); return USER.get(); });   // "alice"
 * Coro.spawn(() -> { USER.set("bob");   Coro.sleep(10); return USER.get(); });   // "bob"
 * }</pre>
 *
 * @param <T> the value type
 */
public class CoroutineLocal<T> {
    private final int index = Stack.newLocalIndex();
    private final Supplier<? extends T> initial;

    /** A local whose value is null until set. */
    public CoroutineLocal() {
        this(() -> null, false);
    }

    private CoroutineLocal(Supplier<? extends T> initial, boolean inherit) {
        this.initial = Objects.requireNonNull(initial, "initial");
        if (inherit) {
            Stack.registerInheritable(index);
        }
    }

    /** A local whose value starts as {@code initial.get()} in each task. */
    public static <T> CoroutineLocal<T> withInitial(Supplier<? extends T> initial) {
        return new CoroutineLocal<>(initial, false);
    }

    /** A local whose value a spawned task starts with: its spawner's at the moment of the spawn. */
    public static <T> CoroutineLocal<T> inheritable(Supplier<? extends T> initial) {
        return new CoroutineLocal<>(initial, true);
    }

    @SuppressWarnings("unchecked")
    public T get() {
        Stack s = Stack.current();
        Object v = s.local(index);
        if (v == Stack.UNSET) {
            T init = initial.get();
            s.setLocal(index, init);
            return init;
        }
        return (T) Stack.unmask(v);
    }

    public void set(T value) {
        Stack.current().setLocal(index, value);
    }

    /** Forgets the value: the next {@link #get()} starts from the initial one again. */
    public void remove() {
        Stack.current().setLocal(index, Stack.UNSET);
    }
}
