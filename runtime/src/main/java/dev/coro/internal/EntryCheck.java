package dev.coro.internal;

import java.lang.StackWalker.StackFrame;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The first time a task suspends, checks that every frame between its entry and the suspension point can unwind.
 * A frame the agent did not rewrite (a class excluded from rewriting, or a lambda of an interface that is not a
 * coroutine, wrapped into a task's entry) would go on running after its callee unwound, with a result it never
 * got; the loop cannot see such a frame later, so this check runs before the first suspension and refuses it.
 * One walk per entry class: later tasks of the same class trust it.
 */
final class EntryCheck {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final Set<Class<?>> VERIFIED = ConcurrentHashMap.newKeySet();

    private EntryCheck() {
    }

    static void verify(CoTask<?> t, Stack s) {
        s.entryChecked = true;
        Class<?> entry = t.entryClass();
        if (VERIFIED.contains(entry)) {
            return;
        }
        StackFrame bad = WALKER.walk(st -> firstForeignFrame(st.collect(Collectors.toList())));
        if (bad == null) {
            VERIFIED.add(entry);
            return;
        }
        throw new IllegalStateException("task " + t.name() + " cannot suspend here: its entry reaches this point"
                + " through " + bad.getClassName() + "." + bad.getMethodName() + "(" + bad.getFileName() + ":"
                + bad.getLineNumber() + "), which the coro agent did not rewrite (its class is excluded, or it is a"
                + " lambda of an interface that is not a coroutine); suspending would let it run on without the"
                + " result it waits for. Make " + bad.getMethodName() + " a coroutine (@dev.coro.Coroutine, or a"
                + " coroutine lambda), or check the agent's include/exclude options");
    }

    /** Null if every frame from the suspension point down to the task's entry is a twin, a stub or coro's own. */
    private static StackFrame firstForeignFrame(List<StackFrame> frames) {
        StackFrame previous = null;
        for (StackFrame f : frames) {
            String c = f.getClassName();
            if (c.equals(CoTask.class.getName()) && f.getMethodName().equals("invokeEntry")) {
                return null;
            }
            boolean ok = isRuntime(c) || isTwin(f) || previous != null && isTwin(previous)
                    && previous.getClassName().equals(c) && previous.getMethodName().equals(f.getMethodName());
            if (!ok) {
                return f;
            }
            previous = f;
        }
        return null; // not under a loop's entry (cannot happen for a task): nothing to judge
    }

    /** coro's own frames, and method-handle plumbing (a dynamic twin call site forwards through it). */
    private static boolean isRuntime(String c) {
        return c.startsWith("dev.coro.") && c.indexOf('.', "dev.coro.".length()) < 0
                || c.startsWith("dev.coro.internal.") || c.startsWith("java.lang.invoke.");
    }

    private static boolean isTwin(StackFrame f) {
        Class<?>[] p = f.getMethodType().parameterArray();
        return p.length > 0 && p[p.length - 1] == Stack.class;
    }
}
