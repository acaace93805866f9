package dev.coro.internal.patch;

import dev.coro.CoroutineLocal;
import dev.coro.internal.Stack;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.WeakHashMap;

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
    /** Each task's values; weak keys, as a thread's own map has, so a dropped local does not stay for the task. */
    private static final CoroutineLocal<Map<ThreadLocal<?>, Object>> VALUES =
            CoroutineLocal.withInitial(WeakHashMap::new);
    /** Stands for a value set to null. */
    private static final Object NULL = new Object();
    /** {@code ThreadLocal.initialValue()}, protected: the agent opens {@code java.lang} to the runtime for it. */
    private static final MethodHandle INITIAL_VALUE = initialValueHandle();

    private PatchedLocals() {
    }

    /**
     * A subclass that overrides get, set or remove keeps its own code, with the thread's value (its
     * {@code super.get()} is the JDK's): a redirect would skip its override, or store where its override never reads.
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

    /** In a task (or a generator body run on a task's behalf), for a local whose get/set/remove are ThreadLocal's. */
    private static boolean perTask(ThreadLocal<?> local) {
        return Stack.current().onBehalfOfTask() && !OVERRIDES.get(local.getClass());
    }

    public static Object get(ThreadLocal<?> local) {
        if (!perTask(local)) {
            return local.get();
        }
        Map<ThreadLocal<?>, Object> values = VALUES.get();
        Object v = values.get(local);
        if (v == null) {
            v = initialValue(local);
            values.put(local, v == null ? NULL : v);
            return v;
        }
        return v == NULL ? null : v;
    }

    @SuppressWarnings("unchecked")
    public static void set(ThreadLocal<?> local, Object value) {
        if (!perTask(local)) {
            ((ThreadLocal<Object>) local).set(value);
            return;
        }
        VALUES.get().put(local, value == null ? NULL : value);
    }

    public static void remove(ThreadLocal<?> local) {
        if (!perTask(local)) {
            local.remove();
            return;
        }
        VALUES.get().remove(local);
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
