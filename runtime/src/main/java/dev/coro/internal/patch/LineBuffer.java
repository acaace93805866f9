package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.patch.ChannelStreams.Source;
import dev.coro.internal.patch.ChannelStreams.WouldBlock;

import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;
import java.util.Objects;

/**
 * The JDK's {@code BufferedReader} over a buffer that keeps a coroutine's partial line: the one body of coro's two
 * buffering readers, which single inheritance makes extend different JDK classes, {@link ChannelStreams.LineReader}
 * ({@code new BufferedReader(r)}) and {@link CoopReaders.LineCounter} ({@code new LineNumberReader(r)}); each
 * delegates its buffer, lines, mark, skip and close to one of these. The JDK's rules: a line ends at {@code \n},
 * {@code \r} or {@code \r\n}, the pair once even when {@code \r} ends one read of the reader below and {@code \n}
 * starts the next; a last line without terminator at EOF; {@code read(c, off, len)} reads straight into a large
 * array and goes on while the reader below is ready; a mark holds while no more than its read-ahead limit is read
 * past it (the buffer grows for it and for a long line); the same exceptions and messages.
 * <p>
 * A call with a coroutine's stack never waits: while the reader below has nothing it returns 0 (or null) with the
 * stack suspending, everything read so far kept here (the JDK's {@code readLine} keeps the partial line in a local
 * variable), and it is called again on resume. With a null stack a call blocks as the JDK's (or throws the innermost
 * stream's would-block signal, this object consistent). Not thread-safe: the owner calls it under its {@code lock}.
 */
final class LineBuffer {
    private static final int UNMARKED = -1;
    private static final int INVALIDATED = -2;

    private final Reader in;
    private final Source source;

    /** Over {@code in}, one of coro's readers, whose innermost stream is {@code source}. */
    LineBuffer(Reader in, Source source, int size) {
        this.in = in;
        this.source = source;
        this.cb = new char[checkSize(size)];
    }

    // the JDK's BufferedReader's state, and that of a readLine waiting for the rest of its line
    private char[] cb;
    private int nChars;
    private int nextChar;
    private int markedChar = UNMARKED;
    private int readAheadLimit;
    /** The next char is dropped if it is '\n' (a line of readLine ended at '\r'). */
    private boolean skipLF;
    private boolean markedSkipLF;
    /** A readLine in progress: a '\n' at its start is dropped. */
    private boolean omitLF;
    /** A readLine in progress: how far it looked for the end of its line. */
    private int scanned;
    private boolean closed;

    /** The JDK's check of a buffer size; the size the owner's JDK superclass gets (its buffer is not used). */
    static int checkSize(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("Buffer size <= 0");
        }
        return 1;
    }

    Source source() {
        return source;
    }

    void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
    }

    /**
     * Reads more chars after {@code nChars} (the JDK's fill, called when every char was consumed, a pending line of
     * readLine aside, which counts as consumed for the mark's read-ahead limit), keeping the unread and the marked
     * ones: a count, -1 at EOF, or 0 with {@code st} suspending.
     */
    private int fill(Stack st) throws IOException {
        boolean resuming = st != null && Suspend.isResuming(st);
        if (!resuming) {
            int keep = nextChar;
            if (markedChar >= 0) {
                if (nChars - markedChar >= readAheadLimit) {
                    markedChar = INVALIDATED; // as the JDK's: the read-ahead limit is passed
                    readAheadLimit = 0;
                } else {
                    keep = Math.min(keep, markedChar);
                }
            }
            if (keep > 0) {
                System.arraycopy(cb, keep, cb, 0, nChars - keep);
                nChars -= keep;
                nextChar -= keep;
                scanned = Math.max(0, scanned - keep);
                if (markedChar >= 0) {
                    markedChar -= keep;
                }
            }
            if (nChars == cb.length) {
                cb = Arrays.copyOf(cb, Math.max(cb.length * 2, readAheadLimit));
            }
        }
        int at = nChars;
        int len = cb.length - nChars;
        char[] buf = cb;
        int n;
        if (st == null || (!resuming && st.task() == null)) {
            do {
                n = in.read(buf, at, len);
            } while (n == 0);
        } else {
            Integer k = ChannelStreams.readCoop(source, () -> in.read(buf, at, len), st);
            if (k == null) {
                return 0;
            }
            n = k;
        }
        if (n > 0) {
            nChars += n;
        }
        return n;
    }

    /** BufferedReader's {@code read()} once open: a char, -1 at EOF, or 0 with {@code st} suspending. */
    int read(Stack st, boolean resume) throws IOException {
        int k = next(st, resume);
        return k > 0 ? cb[nextChar++] : k;
    }

    /**
     * Makes the next char available at {@code nextChar} (dropping a '\n' that {@code skipLF} drops, filling the
     * buffer when it has nothing): 1, -1 at EOF, or 0 with {@code st} suspending.
     */
    private int next(Stack st, boolean resume) throws IOException {
        for (;;) {
            if (!resume && nextChar < nChars) {
                if (skipLF) {
                    skipLF = false;
                    if (cb[nextChar] == '\n') {
                        nextChar++;
                        continue;
                    }
                }
                return 1;
            }
            int n = fill(st);
            resume = false;
            if (st != null && Suspend.isSuspending(st)) {
                return 0;
            }
            if (n < 0) {
                return -1;
            }
        }
    }

    /** BufferedReader's {@code read(c, off, len)}: a count, -1 at EOF, or 0 (also with {@code st} suspending). */
    int read(char[] c, int off, int len, Stack st) throws IOException {
        boolean resume = st != null && Suspend.isResuming(st);
        if (!resume) {
            ensureOpen();
            Objects.checkFromIndexSize(off, len, c.length);
            if (len == 0) {
                return 0;
            }
        }
        if (st != null) {
            return readSome(st, resume, c, off, len);
        }
        int n = read1(c, off, len);
        if (n > 0) {
            // as the JDK's: more while the reader below is ready (never a wait in a coroutine's call)
            try {
                while (n < len && in.ready()) {
                    int n1 = read1(c, off + n, len - n);
                    if (n1 <= 0) {
                        break;
                    }
                    n += n1;
                }
            } catch (WouldBlock nothingYet) {
                // under a wrapper's cooperative call (a decoder with part of a char ready): keep what was taken,
                // this object is consistent
            }
        }
        return n;
    }

    /** BufferedReader's {@code read1}: the JDK's, reading straight into a large array. */
    private int read1(char[] c, int off, int len) throws IOException {
        if (nextChar >= nChars) {
            if (len >= cb.length && markedChar <= UNMARKED && !skipLF) {
                int n;
                do {
                    n = in.read(c, off, len);
                } while (n == 0);
                return n;
            }
            fill(null);
        }
        if (nextChar >= nChars) {
            return -1;
        }
        if (skipLF) {
            skipLF = false;
            if (cb[nextChar] == '\n') {
                nextChar++;
                if (nextChar >= nChars) {
                    fill(null);
                }
                if (nextChar >= nChars) {
                    return -1;
                }
            }
        }
        return take(c, off, len);
    }

    /** What the buffer has (after a dropped '\n'), filling it first if empty; 0 with {@code st} suspending. */
    private int readSome(Stack st, boolean resume, char[] c, int off, int len) throws IOException {
        int k = next(st, resume);
        return k > 0 ? take(c, off, len) : k;
    }

    private int take(char[] c, int off, int len) {
        int n = Math.min(len, nChars - nextChar);
        System.arraycopy(cb, nextChar, c, off, n);
        nextChar += n;
        return n;
    }

    /**
     * BufferedReader's {@code readLine()}: a line, null at EOF, or null with {@code st} suspending (the partial line
     * stays in the buffer). {@code omitLF} also drops a '\n' at the start (a LineNumberReader's {@code read()} gave
     * '\n' for a '\r' just before); {@link #omitting()} tells whether that drop is still to come.
     */
    String readLine(Stack st, boolean omitLF) throws IOException {
        boolean resume = st != null && Suspend.isResuming(st);
        if (!resume) {
            this.omitLF = omitLF || skipLF; // set first: a closed reader's failed call has dropped nothing
            ensureOpen();
            scanned = nextChar;
        }
        for (;;) {
            if (!resume && nextChar < nChars) {
                if (this.omitLF) {
                    if (cb[nextChar] == '\n') {
                        nextChar++;
                        scanned = Math.max(scanned, nextChar);
                    }
                    this.omitLF = false;
                }
                skipLF = false;
                for (int i = scanned; i < nChars; i++) {
                    char ch = cb[i];
                    if (ch == '\n' || ch == '\r') {
                        String line = new String(cb, nextChar, i - nextChar);
                        nextChar = i + 1;
                        scanned = nextChar;
                        skipLF = ch == '\r';
                        return line;
                    }
                }
                scanned = nChars;
            }
            int n = fill(st);
            resume = false;
            if (st != null && Suspend.isSuspending(st)) {
                return null;
            }
            if (n < 0) {
                this.omitLF = false;
                if (nextChar < nChars) { // the last line, without terminator
                    String line = new String(cb, nextChar, nChars - nextChar);
                    nextChar = nChars;
                    scanned = nextChar;
                    return line;
                }
                return null;
            }
        }
    }

    /** Whether the last {@code readLine} has yet to drop a '\n' at its start (it failed or waits before any char). */
    boolean omitting() {
        return omitLF;
    }

    /** BufferedReader's {@code skip(n)}, {@code n} not negative: through the buffer. */
    long skip(long n) throws IOException {
        ensureOpen();
        long r = n;
        while (r > 0) {
            if (nextChar >= nChars && fill(null) < 0) {
                break;
            }
            if (skipLF) {
                skipLF = false;
                if (cb[nextChar] == '\n') {
                    nextChar++;
                }
            }
            long d = nChars - nextChar;
            if (r <= d) {
                nextChar += (int) r;
                r = 0;
                break;
            }
            r -= d;
            nextChar = nChars;
        }
        return n - r;
    }

    /** BufferedReader's {@code ready()}. */
    boolean ready() throws IOException {
        ensureOpen();
        if (skipLF) {
            if (nextChar >= nChars && in.ready()) {
                try {
                    fill(null);
                } catch (WouldBlock nothingYet) {
                    return false;
                }
            }
            if (nextChar < nChars) {
                if (cb[nextChar] == '\n') {
                    nextChar++;
                }
                skipLF = false;
            }
        }
        return nextChar < nChars || in.ready();
    }

    void mark(int readAheadLimit) throws IOException {
        if (readAheadLimit < 0) {
            throw new IllegalArgumentException("Read-ahead limit < 0");
        }
        ensureOpen();
        this.readAheadLimit = readAheadLimit;
        markedChar = nextChar;
        markedSkipLF = skipLF;
    }

    void reset() throws IOException {
        ensureOpen();
        if (markedChar < 0) {
            throw new IOException(markedChar == INVALIDATED ? "Mark invalid" : "Stream not marked");
        }
        nextChar = markedChar;
        scanned = nextChar;
        skipLF = markedSkipLF;
    }

    void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            in.close();
        } finally {
            closed = true;
        }
    }
}
