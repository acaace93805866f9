package dev.coro.internal;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the preemption checks at a method's loop back-edges look at their task's flag at all. Each check starts
 * with an {@code invokedynamic} bound by {@link #bootstrap} to its method's call site, one per method name and class,
 * whose target returns false: the JIT folds it and the check into nothing. Only a method that was running when its
 * task had to be stopped pays for its checks: {@link #arm(StackTraceElement[])} retargets the sites of the methods on
 * a stack to return true (the watchdog's, for a task past its time slice), {@link #armAll} every site, now and
 * later (a cancel, which may reach a task anywhere). The JVM then deoptimizes the compiled code that relied on the
 * old targets, running loops included, at their next safepoint poll, and those checks read their flag from then
 * on. A site never goes back to false: a loop that ran past a slice once will again. Class files older than Java 7
 * cannot carry an {@code invokedynamic}; their checks read the flag always.
 */
public final class PreemptSwitch {
    private static final MethodType TYPE = MethodType.methodType(boolean.class);
    private static final MethodHandle OFF = MethodHandles.constant(boolean.class, false);
    private static final MethodHandle ON = MethodHandles.constant(boolean.class, true);
    /** "class.method", as a stack trace names a frame; the key's sites, once armed, stay armed. Guarded by the class. */
    private static final Map<String, MutableCallSite> SITES = new HashMap<>();
    private static boolean allArmed; // guarded by the class
    private static volatile int armedCount;

    private PreemptSwitch() {
    }

    /**
     * The bootstrap of every check's {@code invokedynamic} (type {@code ()Z}, one static argument: the name of the
     * method holding the check): the call site shared by that method's checks.
     */
    public static CallSite bootstrap(MethodHandles.Lookup caller, String name, MethodType type, String method) {
        if (!type.equals(TYPE)) {
            throw new IllegalArgumentException("coro: a preemption check must have type ()boolean, not " + type
                    + " (in " + caller.lookupClass().getName() + "): the class was rewritten by another coro version");
        }
        String key = caller.lookupClass().getName() + '.' + method;
        synchronized (PreemptSwitch.class) {
            MutableCallSite site = SITES.get(key);
            if (site == null) {
                site = new MutableCallSite(allArmed ? ON : OFF);
                SITES.put(key, site);
            }
            return site;
        }
    }

    /**
     * Makes the checks of every method on {@code trace} read their task's flag from now on; call before raising the
     * flag. Any thread. Returns whether a site was switched on just now.
     */
    static boolean arm(StackTraceElement[] trace) {
        List<MutableCallSite> on = new ArrayList<>();
        synchronized (PreemptSwitch.class) {
            for (StackTraceElement e : trace) {
                MutableCallSite site = SITES.get(e.getClassName() + '.' + e.getMethodName());
                if (site != null && site.getTarget() == OFF) {
                    site.setTarget(ON);
                    on.add(site);
                }
            }
            return switchOn(on);
        }
    }

    /** Makes every check read its flag, now and in classes loaded later. Any thread. */
    static void armAll() {
        synchronized (PreemptSwitch.class) {
            if (allArmed) {
                return;
            }
            allArmed = true;
            List<MutableCallSite> on = new ArrayList<>();
            for (MutableCallSite site : SITES.values()) {
                if (site.getTarget() == OFF) {
                    site.setTarget(ON);
                    on.add(site);
                }
            }
            switchOn(on);
        }
    }

    private static boolean switchOn(List<MutableCallSite> on) {
        if (on.isEmpty()) {
            return false;
        }
        MutableCallSite.syncAll(on.toArray(new MutableCallSite[0]));
        armedCount += on.size();
        return true;
    }

    /** How many methods' checks read their flag. */
    public static int armedCount() {
        return armedCount;
    }

    /** Whether the checks of {@code method} (any overload) in {@code owner} read their flag. */
    public static boolean isArmed(Class<?> owner, String method) {
        synchronized (PreemptSwitch.class) {
            MutableCallSite site = SITES.get(owner.getName() + '.' + method);
            return site != null ? site.getTarget() == ON : allArmed;
        }
    }
}
