package dev.coro.internal;

import java.lang.StackWalker.StackFrame;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Diagnoses a suspension that cannot unwind because a frame between the leaf and the task's root was not
 * rewritten by the agent, or holds a monitor. Only runs on that (rare) path: the hot path is a counter check.
 */
public final class Pinning {
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Pinning() {
    }

    /** A suspension that can complete by blocking the thread: warn once per culprit call site. */
    public static void warnPinned(String primitive) {
        String where = culprit();
        if (WARNED.add(primitive + " " + where)) {
            Diagnostics.warn(primitive + " inside a coroutine blocked the loop thread instead of suspending, because "
                    + where + ". Every other coroutine of this loop waited meanwhile.");
        }
    }

    /** A call that blocks the loop thread by its nature, not for want of a rewritten frame: warn once per call site. */
    public static void warnBlocked(String primitive, String why) {
        String where = callSite();
        if (WARNED.add(primitive + " " + where)) {
            Diagnostics.warn(primitive + " at " + where + " blocked the loop thread: it waits " + why
                    + ". Every other coroutine of this loop waited meanwhile.");
        }
    }

    /** The first frame outside the runtime: the user's call. */
    private static String callSite() {
        return WALKER.walk(st -> st.filter(f -> !isRuntime(f)).findFirst())
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber()
                        + ")")
                .orElse("an unknown place");
    }

    /** A suspension that cannot complete by blocking: fail with the frame to fix. */
    public static IllegalStateException cannotSuspend(String primitive) {
        return new IllegalStateException(primitive + " cannot suspend here: " + culprit());
    }

    /**
     * Names the frame that prevents unwinding. Walking up from the leaf: runtime frames, then twins (instrumented
     * bodies, whose last parameter is a Stack), then the stub of the last twin; the next frame called it as plain
     * code. If that frame is itself a twin, it made a plain call because it holds a monitor.
     */
    static String culprit() {
        List<StackFrame> frames = WALKER.walk(st -> st.collect(Collectors.toList()));
        int i = 0;
        while (i < frames.size() && isRuntime(frames.get(i))) {
            i++;
        }
        // a plain runtime entry (Coro.sleep(long)...) was called directly by the frame at i: that is the culprit
        boolean viaTwin = i > 0 && isTwin(frames.get(i - 1));
        StackFrame lastTwin = null;
        while (viaTwin && i < frames.size() && isTwin(frames.get(i))) {
            lastTwin = frames.get(i++);
        }
        if (lastTwin != null && i < frames.size() && isStubOf(frames.get(i), lastTwin)) {
            i++;
        }
        if (i >= frames.size()) {
            return "a frame that is not instrumented calls into coroutine code";
        }
        StackFrame f = frames.get(i);
        String at = f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")";
        if (isTwin(f)) {
            return "it is called as plain code from " + at + ", which holds a monitor there (a coroutine cannot "
                    + "suspend inside synchronized: use a coroutine lock, or move the call out) or calls a method the"
                    + " agent could not make a suspension point (see its load-time warnings)";
        }
        Optional<StackFrame> above = i + 1 < frames.size() ? Optional.of(frames.get(i + 1)) : Optional.empty();
        return "it is reached through " + at + ", which is not a coroutine"
                + above.map(a -> " (called from " + a.getClassName() + "." + a.getMethodName() + ")").orElse("")
                + "; annotate " + f.getClassName() + "." + f.getMethodName()
                + " with @dev.coro.Coroutine so it can suspend (or check the agent's include/exclude options)";
    }

    private static boolean isStubOf(StackFrame f, StackFrame twin) {
        return !isTwin(f) && f.getClassName().equals(twin.getClassName())
                && f.getMethodName().equals(twin.getMethodName());
    }

    private static boolean isRuntime(StackFrame f) {
        String c = f.getClassName();
        return c.startsWith("dev.coro.") && c.indexOf('.', "dev.coro.".length()) < 0
                || c.startsWith("dev.coro.internal.");
    }

    private static boolean isTwin(StackFrame f) {
        Class<?>[] params = f.getMethodType().parameterArray();
        return params.length > 0 && params[params.length - 1] == Stack.class;
    }
}
