package dev.coro.internal;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether the preemption checks at a method's loop back-edges look at their task's flag at all. Each check starts
 * with an {@code invokedynamic} bound by {@link #bootstrap} to its method's call site, one per method name and class,
 * whose target returns false: the JIT folds it and the check into nothing. Only a method that was running when its
 * task had to be stopped pays for its checks: {@link #arm(StackTraceElement[])} retargets the sites of the methods on
 * a stack to return true (the watchdog's, for a task past its time slice), {@link #armAll} every site, now and
 * later (a cancel, which may reach a task anywhere). The JVM then deoptimizes the compiled code that relied on the
 * old targets, running loops included, at their next safepoint poll, and those checks read their flag from then
 * on. The watchdog switches a method's site off again after a quiet period ({@link #relax}): a loop that overran
 * its slice once, perhaps while it still ran interpreted, need not pay for its checks for good. If it overruns
 * again, the watchdog switches it on again, one tick later than the first time, and the next quiet period is twice
 * as long (system property {@code coro.preempt.quiet}, ms, the first period, default 1,000; at most 64 times that).
 * Class files older than Java 7 cannot carry an {@code invokedynamic}; their checks read the flag always.
 */
public final class PreemptSwitch {
    private static final MethodType TYPE = MethodType.methodType(boolean.class);
    private static final MethodHandle OFF = MethodHandles.constant(boolean.class, false);
    private static final MethodHandle TRUE = MethodHandles.constant(boolean.class, true);
    private static final long QUIET_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Settings.number("coro.preempt.quiet", 1_000, 1, 86_400_000));
    private static final long MAX_QUIET_NANOS = QUIET_NANOS * 64;
    /** One method's switch. */
    private static final class Site {
        final MutableCallSite callSite = new MutableCallSite(OFF);
        long quiet = QUIET_NANOS; // how long it stays on the next time
        long offAt; // when it goes off again, if on
    }

    /** "class.method", as a stack trace names a frame. Guarded by the class, as is everything below. */
    private static final Map<String, Site> SITES = new HashMap<>();
    private static final List<Site> ON = new ArrayList<>(); // on, and going off again
    private static boolean allArmed;
    private static final long NONE = Long.MAX_VALUE;
    private static volatile long nextOff = NONE; // the earliest offAt in ON, or NONE

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
            Site site = SITES.get(key);
            if (site == null) {
                site = new Site();
                if (allArmed) {
                    site.callSite.setTarget(TRUE);
                }
                SITES.put(key, site);
            }
            return site.callSite;
        }
    }

    /**
     * Makes the checks of every method on {@code trace} read their task's flag, for its quiet period; call before
     * raising the flag. Any thread. Returns whether a site was switched on just now.
     */
    static boolean arm(StackTraceElement[] trace) {
        long now = System.nanoTime();
        List<MutableCallSite> changed = new ArrayList<>();
        synchronized (PreemptSwitch.class) {
            for (StackTraceElement e : trace) {
                Site site = SITES.get(e.getClassName() + '.' + e.getMethodName());
                if (site != null && site.callSite.getTarget() == OFF) {
                    site.callSite.setTarget(TRUE);
                    changed.add(site.callSite);
                    site.offAt = now + site.quiet;
                    site.quiet = Math.min(site.quiet * 2, MAX_QUIET_NANOS);
                    ON.add(site);
                    nextOff = earlier(nextOff, site.offAt);
                }
            }
            sync(changed);
        }
        return !changed.isEmpty();
    }

    /** Makes every check read its flag, now and in classes loaded later, for good. Any thread. */
    static void armAll() {
        synchronized (PreemptSwitch.class) {
            if (allArmed) {
                return;
            }
            allArmed = true;
            ON.clear();
            nextOff = NONE;
            List<MutableCallSite> changed = new ArrayList<>();
            for (Site site : SITES.values()) {
                if (site.callSite.getTarget() == OFF) {
                    site.callSite.setTarget(TRUE);
                    changed.add(site.callSite);
                }
            }
            sync(changed);
        }
    }

    /** Switches off the sites whose quiet period is over. The watchdog's thread, on every tick. */
    static void relax(long now) {
        long due = nextOff;
        if (due == NONE || now - due < 0) {
            return;
        }
        synchronized (PreemptSwitch.class) {
            List<MutableCallSite> changed = new ArrayList<>();
            long next = NONE;
            for (Iterator<Site> it = ON.iterator(); it.hasNext();) {
                Site site = it.next();
                if (now - site.offAt >= 0) {
                    site.callSite.setTarget(OFF);
                    changed.add(site.callSite);
                    it.remove();
                } else {
                    next = earlier(next, site.offAt);
                }
            }
            nextOff = next;
            sync(changed);
        }
    }

    /** The earlier of two nanoTime instants, {@code a} perhaps NONE. */
    private static long earlier(long a, long b) {
        return a == NONE || b - a < 0 ? b : a;
    }

    private static void sync(List<MutableCallSite> changed) {
        if (!changed.isEmpty()) {
            MutableCallSite.syncAll(changed.toArray(new MutableCallSite[0]));
        }
    }

    /** How many methods' checks read their flag. */
    public static int armedCount() {
        synchronized (PreemptSwitch.class) {
            int n = 0;
            for (Site site : SITES.values()) {
                if (site.callSite.getTarget() == TRUE) {
                    n++;
                }
            }
            return n;
        }
    }

    /** For {@code Coro.dump()}: the methods whose checks are on, if any; else the empty string. */
    static String describe() {
        long now = System.nanoTime();
        synchronized (PreemptSwitch.class) {
            if (allArmed) {
                return "preemption checks on in every method, for good (a task was cancelled from another thread "
                        + "while no watchdog ran, or the JVM is shutting down)\n";
            }
            if (ON.isEmpty()) {
                return "";
            }
            StringBuilder b = new StringBuilder("preemption checks on in ").append(ON.size())
                    .append(ON.size() == 1 ? " method" : " methods").append(" (a task overran its time slice there):");
            for (Map.Entry<String, Site> e : SITES.entrySet()) {
                Site site = e.getValue();
                if (ON.contains(site)) {
                    b.append("\n  ").append(e.getKey()).append(", off again in ")
                            .append(Math.max(0, TimeUnit.NANOSECONDS.toMillis(site.offAt - now))).append(" ms");
                }
            }
            return b.append('\n').toString();
        }
    }

    /** Whether the checks of {@code method} (any overload) in {@code owner} read their flag. */
    public static boolean isArmed(Class<?> owner, String method) {
        synchronized (PreemptSwitch.class) {
            Site site = SITES.get(owner.getName() + '.' + method);
            return site != null ? site.callSite.getTarget() == TRUE : allArmed;
        }
    }
}
