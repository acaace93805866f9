package dev.coro.internal;

import java.time.Duration;

/** Durations given to the API, as nanoseconds a wait can add to {@link System#nanoTime()}. */
public final class Nanos {
    /**
     * About 146 years: any longer duration means "never" and is cut to this, so that {@code nanoTime() + nanos}
     * compared by subtraction (as every deadline here is) cannot wrap into the past.
     */
    public static final long FOREVER = Long.MAX_VALUE / 2;

    private Nanos() {
    }

    /** {@code d} in nanoseconds, at most {@link #FOREVER} (also where it overflows a long); negative stays negative. */
    public static long of(Duration d) {
        if (d.getSeconds() >= FOREVER / 1_000_000_000L) {
            return FOREVER;
        }
        return d.isNegative() && d.getSeconds() < -(FOREVER / 1_000_000_000L) ? -FOREVER : d.toNanos();
    }
}
