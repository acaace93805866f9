package dev.coro.internal.patch;

import dev.coro.internal.Stack;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;

/**
 * {@code ThreadLocal.get/set/remove} in rewritten code (agent patch group {@code locals}), as gevent's
 * {@code patch_all} makes {@code threading.local} per greenlet and a virtual thread has its own thread locals:
 * inside a task, each task has its own value, starting from the local's {@code initialValue()}; on a plain thread,
 * or on a loop thread outside any task, the thread's. Without it the tasks of a loop share one value, and code that
 * keeps per-call state in a {@code ThreadLocal} (Gson's adapter resolution) sees another task's half-made state
 * once the first suspends or is preempted in between. A spawned task starts without its spawner's values, for an
 * {@code InheritableThreadLocal} too. Code that is not rewritten (the JDK's) keeps the thread's values.
 */
public final class PatchedLocals {
    /** Each task's {@link TaskLocalTable}, kept as a coroutine-local is: dropped with the task when it ends. */
    private static final int TABLE = Stack.newLocalIndex();
    /** {@code ThreadLocal.initialValue()}, protected: the agent opens {@code java.lang} to the runtime for it. */
    private static final MethodHandle INITIAL_VALUE = initialValueHandle();

    private PatchedLocals() {
    }

    /**
     * A subclass that overrides get, set or remove keeps its own code, with the thread's value (its
     * {@code super.get()} is the JDK's): a redirect would skip its override, or store where its override never reads.
     * Asked only on a miss: such a local never gets an entry in a task's table.
     */
    private static final ClassValue<Boolean> OVERRIDES = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            for (; c != ThreadLocal.class && c != InheritableThreadLocal.class && c != null; c = c.getSuperclass()) {
                for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                    String n = m.getName();
                    if (!java.lang.reflect.Modifier.isStatic(m.getModifiers())
                            && (n.equals("get") && m.getParameterCount() == 0
                            || n.equals("set") && m.getParameterCount() == 1
                            || n.equals("remove") && m.getParameterCount() == 0)) {
                        return true;
                    }
                }
            }
            return false;
        }
    };

    private static boolean overrides(ThreadLocal<?> local) {
        return OVERRIDES.get(local.getClass());
    }

    /**
     * The table of the task on whose behalf {@code s} runs (its own, or a generator body's consumer's), made on
     * first need; null outside any task.
     */
    private static TaskLocalTable table(Stack s, boolean make) {
        if (!s.onBehalfOfTask()) {
            return null;
        }
        Object t = s.local(TABLE);
        if (t != Stack.UNSET) {
            return (TaskLocalTable) t;
        }
        if (!make) {
            return null;
        }
        TaskLocalTable made = new TaskLocalTable();
        s.setLocal(TABLE, made);
        return made;
    }

    public static Object get(ThreadLocal<?> local) {
        Objects.requireNonNull(local); // as the JDK's call on null; a cleared entry must not match it
        Stack s = Stack.current();
        TaskLocalTable table = table(s, true);
        if (table != null) {
            TaskLocalTable.Entry e = table.find(local);
            if (e != null) {
                return e.value;
            }
            if (!overrides(local)) {
                Object v = initialValue(local);
                table.put(local, v); // looks again: initialValue() may have set it, as ThreadLocal's does
                return v;
            }
        }
        return local.get();
    }

    @SuppressWarnings("unchecked")
    public static void set(ThreadLocal<?> local, Object value) {
        Objects.requireNonNull(local);
        TaskLocalTable table = table(Stack.current(), true);
        if (table != null) {
            table.expungeDropped(); // before the hit: a task that only sets one local still lets dropped values go
            TaskLocalTable.Entry e = table.find(local);
            if (e != null) {
                e.value = value;
                return;
            }
            if (!overrides(local)) {
                table.put(local, value);
                return;
            }
        }
        ((ThreadLocal<Object>) local).set(value);
    }

    public static void remove(ThreadLocal<?> local) {
        Objects.requireNonNull(local);
        Stack s = Stack.current();
        if (s.onBehalfOfTask()) {
            TaskLocalTable table = table(s, false);
            if (table != null && table.remove(local) || !overrides(local)) {
                return;
            }
        }
        local.remove();
    }

    private static Object initialValue(ThreadLocal<?> local) {
        if (INITIAL_VALUE == null) {
            throw new IllegalStateException("coro: a ThreadLocal's initial value for a task needs java.lang open to "
                    + "the coro runtime, which the coro agent does at start; with the runtime on the module path, "
                    + "add --add-opens java.base/java.lang=" + PatchedLocals.class.getModule().getName());
        }
        try {
            return INITIAL_VALUE.invoke(local);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t); // initialValue() declares no checked exception
        }
    }

    private static MethodHandle initialValueHandle() {
        try {
            return MethodHandles.privateLookupIn(ThreadLocal.class, MethodHandles.lookup())
                    .findVirtual(ThreadLocal.class, "initialValue", MethodType.methodType(Object.class));
        } catch (IllegalAccessException | NoSuchMethodException e) {
            return null;
        }
    }
}
