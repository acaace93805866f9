package dev.coro.agent.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The launcher's terminal: workers' lines, each prefixed with the worker's index, and the launcher's own messages.
 * One lock for standard output and standard error together, and whole lines written under it, so no two lines
 * ever interleave mid-line, even when both streams go to the same terminal.
 */
final class Output {
    /** A line longer than this is written in pieces of this size, each on a line of its own. */
    private static final int MAX_LINE = 64 * 1024;

    private final Object lock = new Object();
    private final PrintStream out;
    private final PrintStream err;

    Output(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A message of the launcher's own: {@code [launcher] ...} on standard error. */
    void launcher(String message) {
        byte[] line = ("[launcher] " + message + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (lock) {
            err.write(line, 0, line.length);
            err.flush();
        }
    }

    /**
     * Copies {@code in} line by line to {@code toErr ? stderr : stdout}, each line prefixed with {@code prefix};
     * returns at end of stream. Bytes are passed through as they are (no decoding); a last line without a newline
     * gets one.
     */
    void pump(InputStream in, String prefix, boolean toErr) {
        byte[] pre = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[8192];
        byte[] line = new byte[256];
        int len = 0;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n' || len == MAX_LINE) {
                        emit(pre, line, len, toErr);
                        len = 0;
                        if (b == '\n') {
                            continue;
                        }
                    }
                    if (len == line.length) {
                        line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
                    }
                    line[len++] = b;
                }
            }
        } catch (IOException e) {
            // the worker is gone and its pipe with it: what was read so far still goes out
        }
        if (len > 0) {
            emit(pre, line, len, toErr);
        }
    }

    private void emit(byte[] prefix, byte[] line, int len, boolean toErr) {
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        PrintStream to = toErr ? err : out;
        synchronized (lock) {
            to.write(prefix, 0, prefix.length);
            to.write(line, 0, len);
            to.write('\n');
            to.flush();
        }
    }

    void flush() {
        synchronized (lock) {
            out.flush();
            err.flush();
        }
    }
}
