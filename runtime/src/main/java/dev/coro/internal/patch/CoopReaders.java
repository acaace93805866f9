package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.patch.ChannelStreams.ChannelReader;
import dev.coro.internal.patch.ChannelStreams.CoopInput;
import dev.coro.internal.patch.ChannelStreams.LineReader;
import dev.coro.internal.patch.ChannelStreams.Source;
import dev.coro.internal.patch.ChannelStreams.Text;

import java.io.IOException;
import java.io.LineNumberReader;
import java.io.Reader;
import java.io.Writer;
import java.util.Objects;

/**
 * coro's {@code LineNumberReader}, and the reader calls whose JDK code loops over reads ({@code skip},
 * {@code transferTo}) on coro's cooperative readers ({@code InputStreamReader}, {@code BufferedReader},
 * {@code PushbackReader}, {@code LineNumberReader} around a coro socket's stream or a socket channel).
 * <p>
 * {@code new LineNumberReader(r)} at a patched call site, around one of coro's readers, gives a {@link LineCounter}:
 * the JDK's {@code BufferedReader} and {@code LineNumberReader} rules (a line ends at {@code \n}, {@code \r} or
 * {@code \r\n}, the pair counted once even when {@code \r} ends one read of the socket and {@code \n} starts the
 * next; {@code read()} gives {@code \n} for each; a last line without terminator counts at EOF;
 * {@code mark}/{@code reset} restore the line number; the same exceptions and messages) over its own buffer, so that
 * a coroutine's call keeps a partial line, and a {@code \r} whose {@code \n} has not come yet, in the object while it
 * waits (the JDK's keeps them in local variables, and its {@code read()} reads twice). Around anything else: the
 * JDK's own object.
 * <p>
 * {@code skip} and {@code transferTo} of coro's readers in a coroutine are loops of the reader's own cooperative
 * reads (how far they got on the coroutine's stack), under the reader's task lock (a second task's call waits for
 * the whole skip or transfer); {@code transferTo} writes through the target's patched write (cooperative on coro's
 * writers). Their checks are the JDK's (negative skip, closed reader, null target). Off a coroutine all are the
 * JDK's calls.
 */
public final class CoopReaders {
    private CoopReaders() {
    }

    /** Whether {@code r} is one of coro's cooperative readers. */
    static boolean coop(Reader r) {
        return r instanceof Text && r instanceof CoopInput;
    }

    // ---- new LineNumberReader(...) at patched call sites ----

    public static LineNumberReader newLineNumberReader(Reader in) {
        return coop(in) ? new LineCounter(in, 8192) : new LineNumberReader(in);
    }

    public static LineNumberReader newLineNumberReader(Reader in, int size) {
        return coop(in) ? new LineCounter(in, size) : new LineNumberReader(in, size);
    }

    /**
     * One cooperative read of {@code r} (one of coro's readers) for a coroutine, without its task lock (the caller
     * holds it): a count, -1 at EOF, or 0 with {@code st} suspending (called again on resume).
     */
    static int readSome(Reader r, char[] c, int off, int len, Stack st) throws IOException {
        if (r instanceof LineCounter) {
            return ((LineCounter) r).read(c, off, len, st);
        }
        if (r instanceof LineReader) {
            return ((LineReader) r).read(c, off, len, st);
        }
        if (r instanceof ChannelReader) {
            return ChannelStreams.readCoop((ChannelReader) r, 3, c, off, len, st);
        }
        return ChannelStreams.orZero(ChannelStreams.readCoop(((CoopInput) r).source(), () -> r.read(c, off, len),
                st));
    }

    // ---- skip and transferTo (twins of Reader.skip / Reader.transferTo at patched call sites) ----

    /** {@code skip(n)}: the reader's reads until {@code n} chars are skipped or EOF, as the JDK's skips do. */
    public static long skip(Reader r, long n, Stack st) throws IOException {
        if (!coop(r) || ChannelStreams.plain(st)) {
            return CoopFilters.offloads(r, st) ? CoopFilters.runLong(st, () -> r.skip(n)) : r.skip(n);
        }
        if (!Suspend.isResuming(st) && n <= 0) {
            return r.skip(n); // the checks, never a wait: a negative value, a closed reader (as each JDK class)
        }
        Long k = ChannelStreams.locked((Text) r, st, s -> skipLoop(r, n, s));
        return k == null ? 0 : k;
    }

    private static Long skipLoop(Reader r, long n, Stack st) throws IOException {
        long left;
        char[] buf;
        if (Suspend.isResuming(st)) {
            buf = (char[]) st.popA();
            left = st.popJ();
        } else {
            left = n;
            buf = new char[(int) Math.min(n, 8192)];
        }
        while (left > 0) {
            int k = readSome(r, buf, 0, (int) Math.min(left, buf.length), st);
            if (Suspend.isSuspending(st)) {
                st.pushJ(left);
                st.pushA(buf);
                return null;
            }
            if (k < 0) {
                break;
            }
            left -= k;
        }
        if (r instanceof LineCounter && n - left > 0) {
            ((LineCounter) r).skipped();
        }
        return n - left;
    }

    public static long skip(Reader r, long n) throws IOException {
        return r.skip(n);
    }

    /**
     * {@code transferTo(out)}: the JDK's loop of reads and writes, each read waiting for the socket and each write
     * made through {@code out}'s patched write (cooperative on coro's writers, the JDK's on anything else).
     */
    public static long transferTo(Reader r, Writer out, Stack st) throws IOException {
        if (!coop(r) || ChannelStreams.plain(st)) {
            return CoopFilters.offloads(r, st) ? CoopFilters.runLong(st, () -> r.transferTo(out)) : r.transferTo(out);
        }
        if (!Suspend.isResuming(st)) {
            Objects.requireNonNull(out, "out");
        }
        Long k = ChannelStreams.locked((Text) r, st, s -> transferLoop(r, out, s));
        return k == null ? 0 : k;
    }

    private static Long transferLoop(Reader r, Writer out, Stack st) throws IOException {
        long total;
        char[] buf;
        int pending; // chars read and not written yet, or -1
        if (Suspend.isResuming(st)) {
            pending = st.popI();
            total = st.popJ();
            buf = (char[]) st.popA();
        } else {
            total = 0;
            buf = new char[8192];
            pending = -1;
        }
        for (;;) {
            if (pending < 0) {
                int n = readSome(r, buf, 0, buf.length, st);
                if (Suspend.isSuspending(st)) {
                    st.pushA(buf);
                    st.pushJ(total);
                    st.pushI(-1);
                    return null;
                }
                if (n < 0) {
                    return total;
                }
                pending = n;
            }
            PatchedFileText.write(out, buf, 0, pending, st); // on resume: the same call again, it goes on
            if (Suspend.isSuspending(st)) {
                st.pushA(buf);
                st.pushJ(total);
                st.pushI(pending);
                return null;
            }
            total += pending;
            pending = -1;
        }
    }

    public static long transferTo(Reader r, Writer out) throws IOException {
        return r.transferTo(out);
    }

    /**
     * {@code new LineNumberReader(r)} around one of coro's readers: the JDK's {@code BufferedReader} (a
     * {@link LineBuffer}, the body it shares with coro's {@code BufferedReader}) and {@code LineNumberReader}'s
     * counting over it ({@link CoopReaders}).
     */
    static final class LineCounter extends LineNumberReader implements Text, CoopInput {
        // what the last call saw, as the JDK's (a line at EOF without terminator counts)
        private static final int NONE = 0;
        private static final int CHAR = 1;
        private static final int EOL = 2;
        private static final int EOF = 3;

        /** The BufferedReader part. */
        private final LineBuffer buf;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();
        // the LineNumberReader part
        private int prevChar = NONE;
        private int lineNumber;
        private int markedLineNumber;
        /** LineNumberReader's: read() gave '\n' for a '\r', a '\n' next is dropped. */
        private boolean lnSkipLF;
        private boolean lnMarkedSkipLF;

        LineCounter(Reader in, int size) {
            super(in, LineBuffer.checkSize(size));
            this.buf = new LineBuffer(in, ((CoopInput) in).source(), size);
        }

        @Override
        public Source source() {
            return buf.source();
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public void setLineNumber(int lineNumber) {
            this.lineNumber = lineNumber;
        }

        @Override
        public int getLineNumber() {
            return lineNumber;
        }

        @Override
        public int read() throws IOException {
            return ChannelStreams.lockedPlain(this, lock, () -> read((Stack) null));
        }

        /** {@code read()}; with a coroutine's stack, suspending while the socket has nothing. */
        int read(Stack st) throws IOException {
            boolean resume = st != null && Suspend.isResuming(st);
            if (!resume) {
                buf.ensureOpen();
            }
            for (;;) {
                int c = buf.read(st, resume);
                resume = false;
                if (st != null && Suspend.isSuspending(st)) {
                    return 0;
                }
                if (lnSkipLF) {
                    lnSkipLF = false; // before the second read: a wait there keeps the '\n' dropped
                    if (c == '\n') {
                        continue;
                    }
                }
                switch (c) {
                    case '\r':
                        lnSkipLF = true;
                        lineNumber++;
                        prevChar = EOL;
                        return '\n';
                    case '\n':
                        lineNumber++;
                        prevChar = EOL;
                        return '\n';
                    case -1:
                        if (prevChar == CHAR) {
                            lineNumber++;
                        }
                        prevChar = EOF;
                        return -1;
                    default:
                        prevChar = CHAR;
                        return c;
                }
            }
        }

        @Override
        public int read(char[] c, int off, int len) throws IOException {
            return ChannelStreams.lockedPlain(this, lock, () -> read(c, off, len, null));
        }

        /** {@code read(c, off, len)}; with a coroutine's stack, suspending while the socket has nothing. */
        int read(char[] c, int off, int len, Stack st) throws IOException {
            int n = buf.read(c, off, len, st);
            count(c, off, n); // nothing for 0 (suspending, or len 0)
            return n;
        }

        /** LineNumberReader's counting of the chars {@code read(c, off, len)} gave ({@code n}, or -1). */
        private void count(char[] c, int off, int n) {
            if (n == -1) {
                if (prevChar == CHAR) {
                    lineNumber++;
                }
                prevChar = EOF;
                return;
            }
            for (int i = off; i < off + n; i++) {
                char ch = c[i];
                if (lnSkipLF) {
                    lnSkipLF = false;
                    if (ch == '\n') {
                        continue;
                    }
                }
                if (ch == '\r') {
                    lnSkipLF = true;
                    lineNumber++;
                } else if (ch == '\n') {
                    lineNumber++;
                }
            }
            if (n > 0) {
                char last = c[off + n - 1];
                prevChar = last == '\r' || last == '\n' ? EOL : CHAR;
            }
        }

        @Override
        public String readLine() throws IOException {
            return ChannelStreams.lockedPlain(this, lock, () -> readLine(null));
        }

        /** {@code readLine()}; with a coroutine's stack, suspending while the line is not all there. */
        String readLine(Stack st) throws IOException {
            String line;
            try {
                line = buf.readLine(st, lnSkipLF); // the JDK's super.readLine(skipLF, term)
            } finally {
                if (!buf.omitting()) {
                    lnSkipLF = false; // done: a call that fails after this does not drop a second '\n'
                }
            }
            if (st != null && Suspend.isSuspending(st)) {
                return null;
            }
            if (line != null) {
                lineNumber++;
                prevChar = EOL; // the JDK's EOF for a last line without terminator: the same to every use (!= CHAR)
            } else {
                if (prevChar == CHAR) {
                    lineNumber++;
                }
                prevChar = EOF;
            }
            return line;
        }

        @Override
        public long skip(long n) throws IOException {
            if (n < 0) {
                throw new IllegalArgumentException("skip() value is negative");
            }
            return ChannelStreams.lockedPlain(this, lock, () -> {
                int nn = (int) Math.min(n, 8192);
                char[] chars = new char[nn];
                long r = n;
                while (r > 0) {
                    int nc = read(chars, 0, (int) Math.min(r, nn), null);
                    if (nc == -1) {
                        break;
                    }
                    r -= nc;
                }
                if (n - r > 0) {
                    prevChar = NONE;
                }
                return n - r;
            });
        }

        /** After a cooperative skip that skipped something: as the JDK's. */
        void skipped() {
            prevChar = NONE;
        }

        @Override
        public boolean ready() throws IOException {
            return ChannelStreams.lockedPlain(this, lock, () -> buf.ready());
        }

        @Override
        public boolean markSupported() {
            return true;
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            ChannelStreams.lockedPlain(this, lock, () -> {
                // as the JDK's: after a '\r' that read() gave as '\n', a '\n' next would be read too
                buf.mark(lnSkipLF ? readAheadLimit + 1 : readAheadLimit);
                markedLineNumber = lineNumber;
                lnMarkedSkipLF = lnSkipLF;
                return null;
            });
        }

        @Override
        public void reset() throws IOException {
            ChannelStreams.lockedPlain(this, lock, () -> {
                buf.reset();
                lineNumber = markedLineNumber;
                lnSkipLF = lnMarkedSkipLF;
                return null;
            });
        }

        @Override
        public void close() throws IOException {
            synchronized (lock) {
                buf.close();
            }
        }
    }
}
