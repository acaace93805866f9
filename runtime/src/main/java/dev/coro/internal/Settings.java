package dev.coro.internal;

/**
 * coro's settings, from system properties ({@code -Dcoro.preempt.slice=20}), each read once by the class that uses
 * it. A value that is no whole number, or lies outside its range, is reported as a warning that names the property,
 * the value and what is used instead: a typo in a setting must neither stop the application nor pass unnoticed.
 */
public final class Settings {
    /** The largest number of milliseconds a setting takes: its nanoseconds still fit a long. */
    public static final long MAX_MILLIS = Long.MAX_VALUE / 1_000_000L;

    private Settings() {
    }

    /** Whether the property is given at all. */
    public static boolean isSet(String name) {
        return System.getProperty(name) != null;
    }

    /** The property {@code name} as a whole number from {@code min} to {@code max}; {@code dflt} if unset or invalid. */
    public static long number(String name, long dflt, long min, long max) {
        String v = System.getProperty(name);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return rejected(name, v, "is not a whole number", dflt);
        }
        if (n < min || n > max) {
            return rejected(name, v, max == Long.MAX_VALUE || max == MAX_MILLIS
                    ? (n < min ? "is less than " + min : "is more than " + max) : "is not from " + min + " to " + max,
                    dflt);
        }
        return n;
    }

    /** {@link #number} for a setting that is an int. */
    public static int count(String name, int dflt, int min, int max) {
        return (int) number(name, dflt, min, max);
    }

    private static long rejected(String name, String value, String why, long dflt) {
        Diagnostics.warn("-D" + name + "=" + value + " " + why + "; using " + dflt + " instead");
        return dflt;
    }
}
