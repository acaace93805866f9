package dev.coro.agent.instrument;

/**
 * Something the instrumenter could not do as asked, reported at class-load time with the place, the reason and
 * the fix. An {@link Severity#ERROR} leaves the method (and in strict mode the class) unusable as a coroutine; a
 * {@link Severity#WARNING} describes a call that will run pinned.
 */
public final class Problem {
    public enum Severity { WARNING, ERROR }

    private final Severity severity;
    private final String className;
    private final String method;
    private final int line;
    private final String reason;
    private final String fix;

    public Problem(Severity severity, String className, String method, int line, String reason, String fix) {
        this.severity = severity;
        this.className = className.replace('/', '.');
        this.method = method;
        this.line = line;
        this.reason = reason;
        this.fix = fix;
    }

    public Severity severity() {
        return severity;
    }

    public String className() {
        return className;
    }

    public String method() {
        return method;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }

    public String fix() {
        return fix;
    }

    @Override
    public String toString() {
        return (severity == Severity.ERROR ? "error" : "warning") + ": " + className + "." + method
                + (line > 0 ? " (line " + line + ")" : "") + ": " + reason + (fix == null ? "" : ". Fix: " + fix);
    }
}
