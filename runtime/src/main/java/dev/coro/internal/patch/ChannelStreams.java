package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.util.Objects;

/**
 * {@code Channels.newInputStream/newOutputStream/newReader/newWriter} in rewritten code. Over a
 * {@link SocketChannel} they give streams whose reads and writes go through {@link PatchedChannels}: at patched
 * call sites ({@code InputStream.read}, {@code OutputStream.write}, dispatched by {@link PatchedNet}) they suspend
 * the calling coroutine on its loop while the channel, adopted as any blocking socket channel a coroutine uses,
 * has nothing to read or no room to write; called plainly they block as the JDK's do, on a channel adopted or
 * not. The JDK's checks are kept: bounds, {@link IllegalBlockingModeException} when the user put the channel in
 * non-blocking mode, {@code close()} closing the channel (and waking whoever waits on it). Any other channel
 * (a {@code FileChannel}, a pipe) gets exactly the JDK's object. These streams are themselves a {@link Source} and
 * a {@link Sink}: the JDK's wrappers made around them at patched call sites ({@code BufferedInputStream},
 * {@code DataInputStream}, {@code PushbackInputStream}, {@code InputStreamReader} and the readers around it,
 * {@code OutputStreamWriter}, {@code BufferedWriter}, {@code BufferedOutputStream}, {@code DataOutputStream},
 * {@code PrintWriter}, {@code PrintStream}) are {@link SocketStreams}' cooperative ones, as around a coro socket's.
 * <p>
 * The readers and writers are the JDK's {@code InputStreamReader}/{@code OutputStreamWriter} with the very
 * decoder/encoder the JDK's would use, over these streams, as subclasses marked {@link Text} ({@code new
 * BufferedReader/BufferedWriter} around one gives a marked one too, see {@link PatchedFileText}): the decoding and
 * encoding are the JDK's (charset, malformed input, messages). At patched call sites in a coroutine
 * ({@code Reader.read}, {@code BufferedReader.readLine}, {@code Writer.write/append/flush/close},
 * {@code BufferedWriter.newLine}) they never wait inside JDK code: a read runs the JDK's decoder over what the
 * socket has now and, when that is not a single character, suspends until the socket is readable and decodes
 * again (nothing is lost: the JDK's decoder reads only when it has decoded nothing yet); a write lets the JDK
 * encode into a stream that sends what the socket takes and keeps the rest, which the call then sends while
 * suspending. A {@code BufferedReader} around such a reader is coro's ({@link LineReader}: the JDK's
 * {@code BufferedReader} rules for lines, {@code mark}, {@code skip}), because the JDK's keeps a partial line in a
 * local variable while it waits. Called plainly (a plain thread, unrewritten code) they block as the JDK's do.
 * <p>
 * One call at a time uses a given reader (writer), as the JDK's lock makes it, but held by the calling task across
 * its suspensions ({@link #locked}, a {@link dev.coro.Lock} per reader or writer): a second task calling
 * {@code readLine} (or {@code write}) on it waits, suspended, until the first one's call returns, so lines and
 * writes never interleave; a plain thread waits blocking; a task cancelled while waiting leaves the lock to the
 * next. {@code close()} of a reader does not wait (it wakes a reader waiting for the socket, which then fails);
 * a writer's waits for the write in progress, as the JDK's.
 */
public final class ChannelStreams {
    private ChannelStreams() {
    }

    public static InputStream newInputStream(ReadableByteChannel ch) {
        Objects.requireNonNull(ch, "ch");
        return ch instanceof SocketChannel ? new In((SocketChannel) ch) : Channels.newInputStream(ch);
    }

    public static OutputStream newOutputStream(WritableByteChannel ch) {
        Objects.requireNonNull(ch, "ch");
        return ch instanceof SocketChannel ? new Out((SocketChannel) ch) : Channels.newOutputStream(ch);
    }

    public static Reader newReader(ReadableByteChannel ch, CharsetDecoder dec, int minBufferCap) {
        Objects.requireNonNull(ch, "ch");
        if (!(ch instanceof SocketChannel)) {
            return Channels.newReader(ch, dec, minBufferCap);
        }
        return new ChannelReader(new In((SocketChannel) ch), dec.reset());
    }

    public static Reader newReader(ReadableByteChannel ch, String csName) {
        Objects.requireNonNull(csName, "csName");
        return newReader(ch, Charset.forName(csName).newDecoder(), -1);
    }

    public static Reader newReader(ReadableByteChannel ch, Charset charset) {
        Objects.requireNonNull(charset, "charset");
        return newReader(ch, charset.newDecoder(), -1);
    }

    public static Writer newWriter(WritableByteChannel ch, CharsetEncoder enc, int minBufferCap) {
        Objects.requireNonNull(ch, "ch");
        if (!(ch instanceof SocketChannel)) {
            return Channels.newWriter(ch, enc, minBufferCap);
        }
        Objects.requireNonNull(enc, "enc");
        return new ChannelWriter(new Out((SocketChannel) ch), enc.reset());
    }

    public static Writer newWriter(WritableByteChannel ch, String csName) {
        Objects.requireNonNull(csName, "csName");
        return newWriter(ch, Charset.forName(csName).newEncoder(), -1);
    }

    public static Writer newWriter(WritableByteChannel ch, Charset charset) {
        Objects.requireNonNull(charset, "charset");
        return newWriter(ch, charset.newEncoder(), -1);
    }

    private static void checkBlocking(SocketChannel ch) {
        if (!PatchedChannels.isBlocking(ch)) {
            throw new IllegalBlockingModeException(); // as the JDK's channel streams
        }
    }

    /**
     * The innermost stream of a cooperative reader or stream wrapper (a socket channel's, or a coro socket's in
     * {@link SocketStreams}): while a coroutine's call runs JDK code over it ({@link #coop} set) its reads never
     * wait, they throw {@link #WOULD_BLOCK} when there is nothing yet; the call then waits through
     * {@link #awaitReadable} and runs the JDK code again (see {@link #readCoop(Source, IoCall, Stack)}).
     */
    abstract static class Source extends InputStream {
        /** Set while a coroutine's call runs JDK code over this stream. */
        Stack coop;
        /** The last wait timed out: the next read that finds nothing reports it. */
        boolean timedOut;

        /**
         * Waits until the source may be read: true when the caller may retry now (it waited, or had nothing to
         * wait for; {@link #timedOut} says if the wait timed out), false when {@code st} is suspending (called again
         * on resume, it ends the wait).
         */
        abstract boolean awaitReadable(Stack st) throws IOException;
    }

    /**
     * The innermost stream of a cooperative writer or stream wrapper: while a coroutine's call runs JDK code over
     * it ({@link #coop} set) its writes never wait, it sends what the socket takes and keeps the rest
     * ({@link #pending}), which the call then sends while suspending ({@link #drain}).
     */
    abstract static class Sink extends OutputStream {
        /** Set while a coroutine's call runs JDK code over this stream. */
        Stack coop;
        /** Bytes accepted but not sent yet (read mode), sent first by whoever writes next. */
        private ByteBuffer pending;
        /** A close asked for while bytes were pending in a coroutine: done once they are sent. */
        private boolean closeRequested;

        /** The checks of a write before anything is sent (a channel's blocking mode). */
        void check() throws IOException {
        }

        /** A write's bounds check: fails as the stream it stands for does. */
        void checkBounds(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
        }

        /** One write that never waits: advances {@code bb} by what the socket took. */
        abstract void writeNow(ByteBuffer bb, Stack st) throws IOException;

        /** Every byte of {@code bb}, waiting the blocking way as the JDK's stream. */
        abstract void writeAll(ByteBuffer bb) throws IOException;

        /**
         * Every byte of {@code bb} and what the stream below holds ({@link #unsentBelow}), suspending while the
         * socket has no room (called again on resume).
         */
        abstract void send(ByteBuffer bb, Stack st) throws IOException;

        abstract void closeTarget() throws IOException;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checkBounds(b, off, len);
            if (len == 0) {
                return;
            }
            check();
            if (coop != null) {
                ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                if (!hasPending()) {
                    writeNow(bb, coop);
                }
                keep(bb);
                return;
            }
            if (hasPending()) {
                writeAll(pending); // what an abandoned cooperative write left, first
            }
            writeAll(ByteBuffer.wrap(b, off, len)); // every byte, as the JDK's
        }

        boolean hasPending() {
            return pending != null && pending.hasRemaining();
        }

        /**
         * Whether the stream below still holds bytes this sink's writes handed it (a TLS record the kernel took
         * only part of): {@link #send} sends them too.
         */
        boolean unsentBelow() {
            return false;
        }

        /** Keeps what {@code bb} has left after what is pending already. */
        private void keep(ByteBuffer bb) {
            if (!bb.hasRemaining()) {
                return;
            }
            if (!hasPending()) {
                pending = ByteBuffer.allocate(Math.max(bb.remaining(), 8192));
            } else {
                pending.compact(); // write mode now
                if (pending.remaining() < bb.remaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2,
                            pending.position() + bb.remaining()));
                    pending.flip();
                    pending = bigger.put(pending);
                }
            }
            pending.put(bb).flip();
        }

        /**
         * Sends what is pending, suspending while the socket has no room (called again on resume: nothing else
         * to redo); then the close asked for meanwhile. Returns with {@code st} suspending if it must wait. A
         * failed send drops what was pending (as a failed JDK write loses it) and still closes if asked to.
         */
        void drain(Stack st) throws IOException {
            try {
                // on resume always: another task's drain may have sent everything meanwhile, the wait still ends
                if (hasPending() || unsentBelow() || Suspend.isResuming(st)) {
                    send(pending != null ? pending : ByteBuffer.allocate(0), st);
                    if (Suspend.isSuspending(st)) {
                        return;
                    }
                    pending = null;
                }
            } catch (IOException | RuntimeException e) {
                pending = null;
                if (closeRequested) {
                    closeRequested = false;
                    try {
                        closeTarget();
                    } catch (IOException c) {
                        e.addSuppressed(c);
                    }
                }
                throw e;
            }
            if (closeRequested) {
                closeRequested = false;
                closeTarget();
            }
        }

        @Override
        public void close() throws IOException {
            if (coop != null && (hasPending() || unsentBelow())) {
                closeRequested = true; // the cooperative call sends what is pending, then closes
                return;
            }
            if (hasPending() || unsentBelow()) {
                try {
                    writeAll(pending != null ? pending : ByteBuffer.allocate(0));
                } finally {
                    pending = null;
                }
            }
            closeTarget();
        }
    }

    /** The input stream of a socket channel. */
    static final class In extends Source {
        final SocketChannel ch;
        /** The JDK's stream over the same channel, for {@code available()}. */
        private final InputStream jdk;

        In(SocketChannel ch) {
            this.ch = ch;
            this.jdk = Channels.newInputStream(ch);
        }

        /** Bad bounds fail with the JDK's exception (its message differs across JDK versions). */
        private void checkBounds(byte[] b, int off, int len) throws IOException {
            if ((off | len) < 0 || len > b.length - off) {
                jdk.read(b, off, len); // the JDK's stream checks the bounds before it reads
                throw new IndexOutOfBoundsException();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            checkBounds(b, off, len);
            if (len == 0) {
                return 0;
            }
            checkBlocking(ch);
            if (coop != null) {
                int n = PatchedChannels.readNow(ch, ByteBuffer.wrap(b, off, len), coop);
                if (n == 0) {
                    throw WOULD_BLOCK;
                }
                return n;
            }
            return PatchedChannels.read(ch, ByteBuffer.wrap(b, off, len)); // waits as the JDK's blocking read
        }

        /** The cooperative read; nothing is read when it suspends, so a resumption just reads again. */
        int read(byte[] b, int off, int len, Stack st) throws IOException {
            if (!Suspend.isResuming(st)) {
                checkBounds(b, off, len);
                if (len == 0) {
                    return 0;
                }
                checkBlocking(ch);
            }
            return PatchedChannels.read(ch, ByteBuffer.wrap(b, off, len), st);
        }

        int read(Stack st) throws IOException {
            byte[] one = Suspend.isResuming(st) ? (byte[]) st.popA() : new byte[1];
            int n = read(one, 0, 1, st);
            if (Suspend.isSuspending(st)) {
                st.pushA(one);
                return 0;
            }
            return n == 1 ? one[0] & 0xff : -1;
        }

        /** The cooperative {@code readAllBytes}: what it has read so far waits on the coroutine's stack. */
        byte[] readAllBytes(Stack st) throws IOException {
            ByteArrayOutputStream acc;
            byte[] buf;
            if (Suspend.isResuming(st)) {
                buf = (byte[]) st.popA();
                acc = (ByteArrayOutputStream) st.popA();
            } else {
                acc = new ByteArrayOutputStream();
                buf = new byte[8192];
            }
            for (;;) {
                int n = read(buf, 0, buf.length, st);
                if (Suspend.isSuspending(st)) {
                    st.pushA(acc);
                    st.pushA(buf);
                    return null;
                }
                if (n < 0) {
                    return acc.toByteArray();
                }
                acc.write(buf, 0, n);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            if (coop == null || n <= 0) {
                return super.skip(n); // reads until n or EOF, as the JDK's stream
            }
            // under a wrapper's cooperative call: one read, a second one that found nothing would lose this one's
            byte[] scratch = new byte[(int) Math.min(n, 2048)];
            int k = read(scratch, 0, scratch.length);
            return k < 0 ? 0 : k;
        }

        @Override
        boolean awaitReadable(Stack st) throws IOException {
            return PatchedChannels.awaitReadable(ch, st);
        }

        @Override
        public int available() throws IOException {
            return coop != null ? 0 : jdk.available(); // a decoder in a coroutine reads only when it has nothing
        }

        @Override
        public void close() throws IOException {
            PatchedChannels.close(ch); // wakes a task waiting on the channel
        }
    }

    /** The output stream of a socket channel. */
    static final class Out extends Sink {
        private final SocketChannel ch;

        Out(SocketChannel ch) {
            this.ch = ch;
        }

        /** Bad bounds fail with the JDK's exception (its message differs across JDK versions). */
        @Override
        void checkBounds(byte[] b, int off, int len) throws IOException {
            if ((off | len) < 0 || len > b.length - off) {
                Channels.newOutputStream(ch).write(b, off, len); // the JDK's stream checks the bounds first
                throw new IndexOutOfBoundsException();
            }
        }

        @Override
        void check() {
            checkBlocking(ch);
        }

        @Override
        void writeNow(ByteBuffer bb, Stack st) throws IOException {
            PatchedChannels.writeNow(ch, bb, st);
        }

        @Override
        void writeAll(ByteBuffer bb) throws IOException {
            PatchedChannels.write(ch, bb);
        }

        @Override
        void send(ByteBuffer bb, Stack st) throws IOException {
            PatchedChannels.write(ch, bb, st);
        }

        @Override
        void closeTarget() throws IOException {
            PatchedChannels.close(ch);
        }

        /** The cooperative write: the buffer (how far it got) waits on the coroutine's stack while suspended. */
        void write(byte[] b, int off, int len, Stack st) throws IOException {
            ByteBuffer bb;
            if (Suspend.isResuming(st)) {
                bb = (ByteBuffer) st.popA();
            } else {
                checkBounds(b, off, len);
                if (len == 0) {
                    return;
                }
                checkBlocking(ch);
                bb = ByteBuffer.wrap(b, off, len);
            }
            PatchedChannels.write(ch, bb, st);
            if (Suspend.isSuspending(st)) {
                st.pushA(bb);
            }
        }

        void write(int b, Stack st) throws IOException {
            write(new byte[] {(byte) b}, 0, 1, st); // on resume the buffer comes back from the stack
        }
    }

    // ---- readers and writers over socket channels ----

    /**
     * A reader or writer over a socket channel or a coro socket's stream (or a buffered one around it, a
     * {@code PrintWriter}): cooperative at patched call sites.
     */
    interface Text {
        /** Held by the task (or thread) whose call uses this reader or writer, across the call's suspensions. */
        dev.coro.Lock taskLock();
    }

    /** On the stack under a suspended {@link #locked} call: what it waited for. */
    private static final int WAITING_FOR_LOCK = 0;
    private static final int IN_CALL = 1;

    /** A cooperative call on a {@link Text}: a leaf, called again with the same stack on resume. */
    @FunctionalInterface
    interface CoopCall<T> {
        T call(Stack st) throws IOException;
    }

    /**
     * Runs a coroutine's {@code call} on {@code t} holding its task lock from before the call starts until it
     * returns or fails, across its suspensions: another task's call on it waits (suspended) meanwhile, a plain
     * thread blocks. Suspends (returning null) while it waits for the lock or the call waits; on resume it goes on
     * where it was. A task cancelled while it waits for the lock never gets it; one cancelled in the call fails
     * there and lets it go.
     */
    static <T> T locked(Text t, Stack st, CoopCall<T> call) throws IOException {
        dev.coro.Lock lock = t.taskLock();
        if (Suspend.isResuming(st)) {
            if (st.popI() == WAITING_FOR_LOCK) {
                lock.lock(st); // handed over by the holder's unlock (or throws: cancelled, not ours); now running
            }
        } else {
            lock.lock(st);
            if (Suspend.isSuspending(st)) {
                st.pushI(WAITING_FOR_LOCK);
                return null;
            }
        }
        boolean suspended = false;
        try {
            T v = call.call(st);
            if (Suspend.isSuspending(st)) {
                st.pushI(IN_CALL);
                suspended = true;
            }
            return v;
        } finally {
            if (!suspended) {
                lock.unlock();
            }
        }
    }

    /**
     * A plain call ({@code call}: the JDK's, which may block) on {@code t} under its task lock: a plain thread
     * waits for a task's call in progress, blocking; a task calling from code that cannot suspend (a JDK frame, a
     * {@code synchronized} block) takes the lock if it is free or its own, and otherwise fails with the
     * runtime's "cannot suspend here" error rather than hang its loop waiting for another of its tasks.
     */
    static <T> T lockedPlain(Text t, IoCall<T> call) throws IOException {
        dev.coro.Lock lock = t.taskLock();
        Stack s = Stack.current();
        s.pin(); // a task here cannot unwind: it may only take the lock if it waits for nothing
        try {
            lock.lock(s);
        } finally {
            s.unpin();
        }
        try {
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #lockedPlain(Text, IoCall)}, the call also holding {@code monitor} (a reader's lock, as the JDK's). */
    static <T> T lockedPlain(Text t, Object monitor, IoCall<T> call) throws IOException {
        return lockedPlain(t, () -> {
            synchronized (monitor) {
                return call.call();
            }
        });
    }

    /** A cooperative reader or input stream wrapper: the source its reads come from. */
    interface CoopInput {
        Source source();
    }

    /** A cooperative writer or output stream wrapper: the sink its writes go to. */
    interface CoopOutput {
        Sink sink();

        /** A failed send after the JDK's call returned: thrown, or recorded as a {@code PrintWriter} does. */
        default void failed(IOException e) throws IOException {
            throw e;
        }
    }

    /** What a coroutine's read gets from the socket stream when the socket has nothing yet; never seen by users. */
    static final class WouldBlock extends IOException {
        private static final long serialVersionUID = 1L;

        WouldBlock() {
            super("no data yet");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // a shared signal: no stack trace
        }
    }

    static final WouldBlock WOULD_BLOCK = new WouldBlock();

    /**
     * {@code Channels.newReader} over a socket channel: the JDK's {@code InputStreamReader} with the JDK's decoder.
     * A char decoded beyond a {@code read()} is kept here rather than in the JDK's decoder (which hands it out
     * before it reads again: a read that found the socket empty would lose it), the JDK's way otherwise.
     */
    static final class ChannelReader extends InputStreamReader implements Text, CoopInput {
        final Source in;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();
        private boolean hasLeft;
        private char left;

        ChannelReader(In in, CharsetDecoder dec) {
            super(in, dec);
            this.in = in;
        }

        /** {@code new InputStreamReader(stream, ...)} over a coro socket's stream, {@code src} its innermost. */
        ChannelReader(InputStream stream, Source src) {
            super(stream);
            this.in = src;
        }

        ChannelReader(InputStream stream, Source src, Charset cs) {
            super(stream, cs);
            this.in = src;
        }

        ChannelReader(InputStream stream, Source src, String csName) throws java.io.UnsupportedEncodingException {
            super(stream, csName);
            this.in = src;
        }

        ChannelReader(InputStream stream, Source src, CharsetDecoder dec) {
            super(stream, dec);
            this.in = src;
        }

        @Override
        public Source source() {
            return in;
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public int read() throws IOException {
            return lockedPlain(this, this::read0);
        }

        private int read0() throws IOException {
            synchronized (lock) {
                if (hasLeft) {
                    hasLeft = false;
                    return left;
                }
                char[] two = new char[2];
                int n = super.read(two, 0, 2);
                if (n < 0) {
                    return -1;
                }
                if (n == 2) {
                    left = two[1];
                    hasLeft = true;
                }
                return two[0];
            }
        }

        @Override
        public int read(char[] c, int off, int len) throws IOException {
            return lockedPlain(this, () -> read0(c, off, len));
        }

        private int read0(char[] c, int off, int len) throws IOException {
            synchronized (lock) {
                if (!hasLeft && len != 1) {
                    return super.read(c, off, len); // the JDK's checks and reads
                }
                super.read(c, off, 0); // the JDK's checks: open, then bounds
                if (off < 0 || len < 0 || off > c.length - len) {
                    throw new IndexOutOfBoundsException();
                }
                int n = 0;
                if (hasLeft) {
                    c[off++] = left;
                    len--;
                    hasLeft = false;
                    n = 1;
                    if (len == 0 || in.coop != null || !super.ready()) {
                        return n;
                    }
                }
                if (len == 1) {
                    int ch = read0();
                    if (ch < 0) {
                        return n == 0 ? -1 : n;
                    }
                    c[off] = (char) ch;
                    return n + 1;
                }
                return n + super.read(c, off, len);
            }
        }

        @Override
        public int read(java.nio.CharBuffer target) throws IOException {
            int len = target.remaining();
            char[] cbuf = new char[len];
            int n = read(cbuf, 0, len);
            if (n > 0) {
                target.put(cbuf, 0, n);
            }
            return n;
        }

        @Override
        public boolean ready() throws IOException {
            return lockedPlain(this, () -> {
                synchronized (lock) {
                    boolean r = super.ready();
                    return hasLeft || r;
                }
            });
        }
    }

    /** {@code Channels.newWriter} over a socket channel: the JDK's {@code OutputStreamWriter} with the JDK's encoder. */
    static final class ChannelWriter extends OutputStreamWriter implements Text, CoopOutput {
        final Sink out;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();

        ChannelWriter(Sink out, CharsetEncoder enc) {
            super(out, enc);
            this.out = out;
        }

        /** {@code new OutputStreamWriter(stream, ...)} over a coro socket's stream, {@code sink} its innermost. */
        ChannelWriter(OutputStream stream, Sink sink) {
            super(stream);
            this.out = sink;
        }

        ChannelWriter(OutputStream stream, Sink sink, Charset cs) {
            super(stream, cs);
            this.out = sink;
        }

        ChannelWriter(OutputStream stream, Sink sink, String csName) throws java.io.UnsupportedEncodingException {
            super(stream, csName);
            this.out = sink;
        }

        ChannelWriter(OutputStream stream, Sink sink, CharsetEncoder enc) {
            super(stream, enc);
            this.out = sink;
        }

        @Override
        public Sink sink() {
            return out;
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        // every call under the task lock (besides the JDK's), so none runs while another task's is suspended

        @Override
        public void write(int c) throws IOException {
            lockedPlain(this, () -> {
                super.write(c);
                return null;
            });
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            lockedPlain(this, () -> {
                super.write(cbuf, off, len);
                return null;
            });
        }

        @Override
        public void write(String str, int off, int len) throws IOException {
            lockedPlain(this, () -> {
                super.write(str, off, len);
                return null;
            });
        }

        @Override
        public Writer append(CharSequence csq, int start, int end) throws IOException {
            return lockedPlain(this, () -> super.append(csq, start, end));
        }

        @Override
        public Writer append(CharSequence csq) throws IOException {
            return lockedPlain(this, () -> super.append(csq));
        }

        @Override
        public void flush() throws IOException {
            lockedPlain(this, () -> {
                super.flush();
                return null;
            });
        }

        @Override
        public void close() throws IOException {
            lockedPlain(this, () -> {
                super.close();
                return null;
            });
        }
    }

    /** {@code new BufferedWriter(w)} around a {@link ChannelWriter}: the JDK's, marked. */
    static final class LineWriter extends java.io.BufferedWriter implements Text, CoopOutput {
        final ChannelWriter target;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();

        @Override
        public Sink sink() {
            return target.out;
        }

        LineWriter(ChannelWriter out) {
            super(out);
            target = out;
        }

        LineWriter(ChannelWriter out, int size) {
            super(out, size);
            target = out;
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public void write(int c) throws IOException {
            lockedPlain(this, () -> {
                super.write(c);
                return null;
            });
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            lockedPlain(this, () -> {
                super.write(cbuf, off, len);
                return null;
            });
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            lockedPlain(this, () -> {
                super.write(s, off, len);
                return null;
            });
        }

        @Override
        public void newLine() throws IOException {
            lockedPlain(this, () -> {
                super.newLine();
                return null;
            });
        }

        @Override
        public void flush() throws IOException {
            lockedPlain(this, () -> {
                super.flush();
                return null;
            });
        }

        @Override
        public void close() throws IOException {
            lockedPlain(this, () -> {
                super.close();
                return null;
            });
        }
    }

    /** {@code new BufferedReader(r)} or {@code new BufferedReader(r, size)} where {@code r} may be a channel reader. */
    static java.io.BufferedReader bufferedReader(Reader in, int size) {
        return in instanceof ChannelReader ? new LineReader((ChannelReader) in, size)
                : new java.io.BufferedReader(in, size);
    }

    static java.io.BufferedWriter bufferedWriter(Writer out, int size) {
        return out instanceof ChannelWriter ? new LineWriter((ChannelWriter) out, size)
                : new java.io.BufferedWriter(out, size);
    }

    static java.io.BufferedReader bufferedReader(Reader in) {
        return in instanceof ChannelReader ? new LineReader((ChannelReader) in, 8192) : new java.io.BufferedReader(in);
    }

    static java.io.BufferedWriter bufferedWriter(Writer out) {
        return out instanceof ChannelWriter ? new LineWriter((ChannelWriter) out) : new java.io.BufferedWriter(out);
    }

    /**
     * {@code new BufferedReader(r)} around a {@link ChannelReader}: the JDK's {@code BufferedReader} rules (lines end
     * at {@code \n}, {@code \r} or {@code \r\n}; {@code mark}/{@code reset}/{@code skip}; the same exceptions and
     * messages), over its own buffer, so that a coroutine's {@code readLine} keeps the partial line in the buffer
     * while it waits for the rest (the JDK's keeps it in a local variable): a {@link LineBuffer}, the body it shares
     * with coro's {@code LineNumberReader}.
     */
    static final class LineReader extends java.io.BufferedReader implements Text, CoopInput {
        private final LineBuffer buf;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();

        LineReader(ChannelReader in, int size) {
            super(in, LineBuffer.checkSize(size));
            buf = new LineBuffer(in, in.in, size);
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public Source source() {
            return buf.source();
        }

        @Override
        public int read() throws IOException {
            return lockedPlain(this, lock, () -> read((Stack) null));
        }

        /** {@code read()}; with a coroutine's stack, suspending while the socket has nothing. */
        int read(Stack st) throws IOException {
            boolean resume = st != null && Suspend.isResuming(st);
            if (!resume) {
                buf.ensureOpen();
            }
            return buf.read(st, resume);
        }

        @Override
        public int read(char[] c, int off, int len) throws IOException {
            return lockedPlain(this, lock, () -> read(c, off, len, null));
        }

        /** {@code read(c, off, len)}; with a coroutine's stack, suspending while the socket has nothing. */
        int read(char[] c, int off, int len, Stack st) throws IOException {
            return buf.read(c, off, len, st);
        }

        @Override
        public String readLine() throws IOException {
            return lockedPlain(this, lock, () -> readLine(null));
        }

        /** {@code readLine()}; with a coroutine's stack, suspending while the line is not all there. */
        String readLine(Stack st) throws IOException {
            return buf.readLine(st, false);
        }

        @Override
        public long skip(long n) throws IOException {
            if (n < 0L) {
                throw new IllegalArgumentException("skip value is negative");
            }
            return lockedPlain(this, lock, () -> buf.skip(n));
        }

        @Override
        public boolean ready() throws IOException {
            return lockedPlain(this, lock, () -> buf.ready());
        }

        @Override
        public boolean markSupported() {
            return true;
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            if (readAheadLimit < 0) {
                throw new IllegalArgumentException("Read-ahead limit < 0");
            }
            lockedPlain(this, lock, () -> {
                buf.mark(readAheadLimit);
                return null;
            });
        }

        @Override
        public void reset() throws IOException {
            lockedPlain(this, lock, () -> {
                buf.reset();
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

    // ---- the cooperative calls on them (dispatched from PatchedFileText's Reader/Writer twins) ----

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    /** {@code r.read(...)} for a coroutine: as many tries of the JDK's decoder as it takes, waiting in between. */
    static int readCoop(ChannelReader r, int kind, char[] c, int off, int len, Stack st) throws IOException {
        Integer n = readCoop(r.in, () -> kind == 1 ? r.read() : kind == 2 ? r.read(c) : r.read(c, off, len), st);
        return n == null ? 0 : n;
    }

    /**
     * A read-side call of JDK code over {@code src} for a coroutine: the call runs with reads that never wait
     * (it must keep its state when a read throws {@link #WOULD_BLOCK}, as the JDK's decoder and
     * {@code BufferedInputStream} do: they read only when they have nothing to give); when it found nothing,
     * the coroutine waits for readability and runs it again. Returns its result, or null with {@code st}
     * suspending (called again on resume, it ends the wait and runs the call again).
     */
    static <T> T readCoop(Source src, IoCall<T> call, Stack st) throws IOException {
        if (Suspend.isResuming(st)) {
            src.awaitReadable(st); // ends the wait (true)
        }
        for (;;) {
            src.coop = st;
            try {
                return call.call();
            } catch (WouldBlock nothingYet) {
                // nothing read, nothing decoded: wait, then run it again
            } finally {
                src.coop = null;
                src.timedOut = false;
            }
            if (!src.awaitReadable(st)) {
                return null;
            }
        }
    }

    /** A call that runs as the JDK's: not a coroutine's, and not a resuming one. */
    static boolean plain(Stack st) {
        return !Suspend.isResuming(st) && st.task() == null;
    }

    static int orZero(Integer n) {
        return n == null ? 0 : n; // null: suspending, the value is not used
    }

    /** {@code Reader.read()} of a {@link Text} reader. */
    static int read(Reader r, Stack st) throws IOException {
        if (plain(st)) {
            return r.read();
        }
        return orZero(locked((Text) r, st, s -> r instanceof LineReader ? ((LineReader) r).read(s)
                : r instanceof CoopReaders.LineCounter ? ((CoopReaders.LineCounter) r).read(s)
                : r instanceof ChannelReader ? readCoop((ChannelReader) r, 1, null, 0, 0, s)
                : readCoop(((CoopInput) r).source(), r::read, s)));
    }

    static int read(Reader r, char[] c, Stack st) throws IOException {
        if (plain(st)) {
            return r.read(c);
        }
        return orZero(locked((Text) r, st, s -> r instanceof LineReader ? ((LineReader) r).read(c, 0, c.length, s)
                : r instanceof CoopReaders.LineCounter ? ((CoopReaders.LineCounter) r).read(c, 0, c.length, s)
                : r instanceof ChannelReader ? readCoop((ChannelReader) r, 2, c, 0, 0, s)
                : readCoop(((CoopInput) r).source(), () -> r.read(c), s)));
    }

    static int read(Reader r, char[] c, int off, int len, Stack st) throws IOException {
        if (plain(st)) {
            return r.read(c, off, len);
        }
        return orZero(locked((Text) r, st, s -> r instanceof LineReader ? ((LineReader) r).read(c, off, len, s)
                : r instanceof CoopReaders.LineCounter ? ((CoopReaders.LineCounter) r).read(c, off, len, s)
                : r instanceof ChannelReader ? readCoop((ChannelReader) r, 3, c, off, len, s)
                : readCoop(((CoopInput) r).source(), () -> r.read(c, off, len), s))); // another of coro's readers
    }

    static String readLine(java.io.BufferedReader r, Stack st) throws IOException {
        return plain(st) ? r.readLine() : locked((Text) r, st, r instanceof CoopReaders.LineCounter
                ? ((CoopReaders.LineCounter) r)::readLine : ((LineReader) r)::readLine);
    }

    /**
     * A write-side call ({@code write}, {@code append}, {@code newLine}, {@code flush}, {@code close}) of a
     * {@link Text} writer for a coroutine: the JDK's call, its bytes sent as far as the socket takes them now,
     * then the rest while suspending (on resume, only the sending goes on).
     */
    static <T> T writeCoop(Writer w, IoCall<T> call, Stack st) throws IOException {
        if (plain(st)) {
            return call.call();
        }
        return locked((Text) w, st, s -> coopWrite((CoopOutput) w, call, s));
    }

    /** As {@link #writeCoop(Writer, IoCall, Stack)} for any cooperative writer or output stream wrapper. */
    static <T> T coopWrite(CoopOutput w, IoCall<T> call, Stack st) throws IOException {
        Sink out = w.sink();
        T result = null;
        if (!Suspend.isResuming(st)) {
            out.coop = st;
            try {
                result = call.call();
            } finally {
                out.coop = null;
            }
        }
        try {
            out.drain(st);
        } catch (IOException e) {
            w.failed(e);
        }
        return result;
    }
}
