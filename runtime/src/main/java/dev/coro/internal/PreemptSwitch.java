package dev.coro.internal;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;

/**
 * Whether the preemption checks at loop back-edges look at their task's flag at all. Until something first asks a
 * running coroutine to yield (the watchdog, after a time slice; a cancel that may find it running), no check needs
 * to: each starts with an {@code invokedynamic} bound to {@link #bootstrap}'s one shared call site, whose target
 * returns false, and the JIT folds it and the check into nothing. {@link #arm} retargets it to return true, once for
 * the JVM: the JVM deoptimizes the compiled code that relied on the old target (running loops included, at their
 * next safepoint poll), and from then on every check reads its flag. Class files older than Java 7 cannot carry an
 * {@code invokedynamic}; their checks read the flag always.
 */
public final class PreemptSwitch {
    private static final MethodType TYPE = MethodType.methodType(boolean.class);
    private static final MutableCallSite SITE = new MutableCallSite(MethodHandles.constant(boolean.class, false));
    private static volatile boolean armed;

    private PreemptSwitch() {
    }

    /** The bootstrap of every check's {@code invokedynamic} (type {@code ()Z}): the one shared call site. */
    public static CallSite bootstrap(MethodHandles.Lookup caller, String name, MethodType type) {
        if (!type.equals(TYPE)) {
            throw new IllegalArgumentException("coro: a preemption check must have type ()boolean, not " + type
                    + " (in " + caller.lookupClass().getName() + "): the class was rewritten by another coro version");
        }
        return SITE;
    }

    /** Makes every check read its task's flag from now on; call before raising a flag. Any thread. */
    static void arm() {
        if (!armed) {
            armOnce();
        }
    }

    private static synchronized void armOnce() {
        if (armed) {
            return;
        }
        SITE.setTarget(MethodHandles.constant(boolean.class, true));
        MutableCallSite.syncAll(new MutableCallSite[] {SITE});
        armed = true;
    }

    /** True once some coroutine was asked to yield while it might be running. */
    public static boolean isArmed() {
        return armed;
    }
}
