package dev.coro.tests.differential;

/**
 * The run-time context of one generated program instance: its trace of side effects, its fuel, and a back
 * reference to the program object (so static generated methods can reach its instance methods and fields).
 * Nothing here is static mutable state, so two instances of one program can run interleaved on one loop.
 *
 * <p>None of these methods is a coroutine: they are ordinary code called from generated code.
 */
public final class Ctx<P> {
    /** Longest string value kept in a variable, field or array element; bounds memory for any program. */
    public static final int MAX_STRING = 40;
    /** Longest trace; past it the program stops with a FuelError (deterministically, in both variants). */
    public static final int MAX_TRACE = 200_000;

    public final P p;
    private final StringBuilder trace = new StringBuilder();
    private int fuel;
    private long events;

    public Ctx(P p) {
        this.p = p;
    }

    /** Gives the next top-level call its budget. */
    public void refuel(int amount) {
        fuel = amount;
    }

    /** Called at every loop iteration and method entry. */
    public void tick() {
        if (--fuel < 0) {
            fuel = 0;
            throw new FuelError("fuel");
        }
    }

    private StringBuilder ev(String label) {
        if (trace.length() > MAX_TRACE) {
            throw new FuelError("trace");
        }
        events++;
        return trace.append(label).append('=');
    }

    public void out(String label, int v) {
        ev(label).append(v).append(';');
    }

    public void out(String label, long v) {
        ev(label).append(v).append("L;");
    }

    /** The bits, so -0.0 and 0.0 differ; NaNs are all one (a NaN's sign may differ between interpreter and JIT). */
    public void out(String label, float v) {
        ev(label).append(Float.floatToIntBits(v)).append("F;");
    }

    public void out(String label, double v) {
        ev(label).append(Double.doubleToLongBits(v)).append("D;");
    }

    public void out(String label, boolean v) {
        ev(label).append(v).append(';');
    }

    public void out(String label, char v) {
        ev(label).append('\'').append((int) v).append("';");
    }

    public void out(String label, String v) {
        ev(label).append('"').append(cap(v)).append("\";");
    }

    /** A caught exception: its class and message, never its stack. */
    public void ex(String label, Throwable e) {
        ev(label).append('!').append(describe(e)).append(';');
    }

    /** Ends the run: the whole trace, which is the program's observable result. */
    public String finish() {
        return "events=" + events + "\n" + trace;
    }

    /**
     * Class and message of an exception. The message of a NullPointerException is left out: the JVM computes it
     * from the bytecode, which instrumentation changes. Suppressed exceptions are described too.
     */
    public static String describe(Throwable e) {
        if (e == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(e.getClass().getSimpleName());
        if (!(e instanceof NullPointerException)) {
            b.append(':').append(e.getMessage());
        }
        for (Throwable s : e.getSuppressed()) {
            b.append("+sup(").append(describe(s)).append(')');
        }
        return b.toString();
    }

    /** Strings stored anywhere are cut to {@link #MAX_STRING} characters, so loops cannot grow them without end. */
    public static String cap(String s) {
        return s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s;
    }

    /** A resource for try-with-resources; its close is traced and may throw. */
    public Res res(String label, boolean failOnClose) {
        ev(label).append("open;");
        return new Res(this, label, failOnClose);
    }

    public static final class Res implements AutoCloseable {
        private final Ctx<?> c;
        private final String label;
        private final boolean fail;

        Res(Ctx<?> c, String label, boolean fail) {
            this.c = c;
            this.label = label;
            this.fail = fail;
        }

        @Override
        public void close() {
            c.ev(label).append("close;");
            if (fail) {
                throw new GenEx("close " + label);
            }
        }
    }
}
