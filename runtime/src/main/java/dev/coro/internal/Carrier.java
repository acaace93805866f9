package dev.coro.internal;

/**
 * Per-thread state: which stack instrumented stubs should use. A loop swaps {@link #current} as it switches
 * tasks with a plain field write; the one ThreadLocal lookup happens only when a stub is entered.
 */
final class Carrier {
    private static final ThreadLocal<Carrier> CARRIER = ThreadLocal.withInitial(Carrier::new);

    /** Outside any coroutine: suspending primitives block the thread or refuse. */
    final Stack plain = new Stack(null);
    Stack current = plain;
    Loop loop;

    static Carrier get() {
        return CARRIER.get();
    }
}
