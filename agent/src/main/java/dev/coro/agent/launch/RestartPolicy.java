package dev.coro.agent.launch;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** When a worker that exited is started again. */
enum RestartPolicy {
    /** Never: a worker that exits stays gone. */
    NEVER("never"),
    /** When it exits with a non-zero status or is killed by a signal. */
    ON_FAILURE("on-failure"),
    /** Whenever it exits, even with status 0. */
    ALWAYS("always");

    final String flag;

    RestartPolicy(String flag) {
        this.flag = flag;
    }

    boolean restarts(int status) {
        return this == ALWAYS || this == ON_FAILURE && status != 0;
    }

    @Override
    public String toString() {
        return flag;
    }

    /** The values as written on the command line, for picocli's help ({@code completionCandidates}). */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> names = new ArrayList<>();
            for (RestartPolicy p : values()) {
                names.add(p.flag);
            }
            return names.iterator();
        }
    }

    static final class Converter implements CommandLine.ITypeConverter<RestartPolicy> {
        @Override
        public RestartPolicy convert(String value) {
            for (RestartPolicy p : values()) {
                if (p.flag.equals(value)) {
                    return p;
                }
            }
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a restart policy: expected never, on-failure or always");
        }
    }
}
