package dev.coro.agent.launch;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the command line: a whole number and a unit, {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration: expected a whole number and a unit, e.g. 500ms, 10s, 2m, 1h");
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(n);
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            default:
                return Duration.ofHours(n);
        }
    }

    /** The way the launcher's messages show a duration: 500ms, 10s, 90s, 5m, 2h. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 60 != 0 || s < 300) {
            return s + "s";
        }
        long min = s / 60;
        return min % 60 != 0 ? min + "m" : (min / 60) + "h";
    }
}
