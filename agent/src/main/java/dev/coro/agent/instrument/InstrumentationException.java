package dev.coro.agent.instrument;

/** A method cannot be rewritten; carries the reason and the fix for the report. */
final class InstrumentationException extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;
    final String fix;

    InstrumentationException(String reason, int line, String fix) {
        super(reason);
        this.line = line;
        this.fix = fix;
    }
}
