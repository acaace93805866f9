package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The {@code files} group's text and stream opens ({@code patch=all,files}): {@code new FileReader(...)},
 * {@code new FileWriter(...)}, {@code Files.newBufferedReader/newBufferedWriter/newInputStream/newOutputStream/lines}.
 * Inside a coroutine the open runs on the {@code Coro.blocking} pool (an open can block: a FIFO, a network file
 * system) and the object returned is the JDK's, built exactly as the JDK builds it, as a subclass that marks it
 * {@link Offloaded} (a stream: {@link OffloadedInputStream}/{@link OffloadedOutputStream} around the JDK's stream);
 * then reads, writes, {@code readLine}, {@code newLine}, {@code flush} and {@code close} of those objects at
 * patched call sites run on the pool too, and anything else's run unchanged. {@code new BufferedReader(r)} and
 * {@code new BufferedWriter(w)} over a marked reader or writer are marked in turn. On a plain thread every call is
 * the JDK's, returning the JDK's own objects. The JDK does the work either way: same results, same exceptions
 * ({@code FileNotFoundException}, {@code NoSuchFileException}, {@code MalformedInputException}, ...).
 * <p>
 * Limits: {@code Files.lines} offloads only the open; the stream's traversal reads on the thread that runs it (a
 * stream's terminal operation is a JDK frame, it cannot suspend). So does a JDK wrapper made over a marked object
 * other than the two buffered ones (a {@code PrintWriter}, a {@code Scanner}, ...).
 */
public final class PatchedFileText {
    private PatchedFileText() {
    }

    /** A reader or writer made by these patches in a coroutine: its calls at patched call sites are offloaded. */
    interface Offloaded {
    }

    static final class OffloadedFileReader extends FileReader implements Offloaded {
        OffloadedFileReader(String name) throws FileNotFoundException {
            super(name);
        }

        OffloadedFileReader(File file) throws FileNotFoundException {
            super(file);
        }

        OffloadedFileReader(String name, Charset cs) throws IOException {
            super(name, cs);
        }

        OffloadedFileReader(File file, Charset cs) throws IOException {
            super(file, cs);
        }
    }

    static final class OffloadedFileWriter extends FileWriter implements Offloaded {
        OffloadedFileWriter(String name, boolean append) throws IOException {
            super(name, append);
        }

        OffloadedFileWriter(File file, boolean append) throws IOException {
            super(file, append);
        }

        OffloadedFileWriter(String name, Charset cs, boolean append) throws IOException {
            super(name, cs, append);
        }

        OffloadedFileWriter(File file, Charset cs, boolean append) throws IOException {
            super(file, cs, append);
        }
    }

    static final class OffloadedBufferedReader extends BufferedReader implements Offloaded {
        OffloadedBufferedReader(Reader in) {
            super(in);
        }

        OffloadedBufferedReader(Reader in, int size) {
            super(in, size);
        }
    }

    static final class OffloadedBufferedWriter extends BufferedWriter implements Offloaded {
        OffloadedBufferedWriter(Writer out) {
            super(out);
        }

        OffloadedBufferedWriter(Writer out, int size) {
            super(out, size);
        }
    }

    /** A plain thread (or a fresh call, not a resumption): the JDK's call, nothing offloaded. */
    private static boolean plain(Stack s) {
        return !Suspend.isResuming(s) && s.task() == null;
    }

    @SuppressWarnings("unchecked")
    private static <T> T run(Stack s, Callable<T> call) throws IOException {
        try {
            return (T) Blocking.call(s, Suspend.isResuming(s) ? null : call);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // no call here throws another checked exception
        }
    }

    private static FileReader openReader(Stack s, Callable<FileReader> call) throws FileNotFoundException {
        try {
            return run(s, call);
        } catch (FileNotFoundException | RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException(e); // these constructors throw only FileNotFoundException
        }
    }

    // ---- new FileReader(...) ----

    public static FileReader newFileReader(String name, Stack s) throws FileNotFoundException {
        return plain(s) ? new FileReader(name) : openReader(s, () -> new OffloadedFileReader(name));
    }

    public static FileReader newFileReader(File file, Stack s) throws FileNotFoundException {
        return plain(s) ? new FileReader(file) : openReader(s, () -> new OffloadedFileReader(file));
    }

    public static FileReader newFileReader(String name, Charset cs, Stack s) throws IOException {
        return plain(s) ? new FileReader(name, cs) : run(s, () -> new OffloadedFileReader(name, cs));
    }

    public static FileReader newFileReader(File file, Charset cs, Stack s) throws IOException {
        return plain(s) ? new FileReader(file, cs) : run(s, () -> new OffloadedFileReader(file, cs));
    }

    public static FileReader newFileReader(String name) throws FileNotFoundException {
        return new FileReader(name);
    }

    public static FileReader newFileReader(File file) throws FileNotFoundException {
        return new FileReader(file);
    }

    public static FileReader newFileReader(String name, Charset cs) throws IOException {
        return new FileReader(name, cs);
    }

    public static FileReader newFileReader(File file, Charset cs) throws IOException {
        return new FileReader(file, cs);
    }

    // ---- new FileWriter(...) ----

    public static FileWriter newFileWriter(String name, Stack s) throws IOException {
        return newFileWriter(name, false, s);
    }

    public static FileWriter newFileWriter(String name, boolean append, Stack s) throws IOException {
        return plain(s) ? new FileWriter(name, append) : run(s, () -> new OffloadedFileWriter(name, append));
    }

    public static FileWriter newFileWriter(File file, Stack s) throws IOException {
        return newFileWriter(file, false, s);
    }

    public static FileWriter newFileWriter(File file, boolean append, Stack s) throws IOException {
        return plain(s) ? new FileWriter(file, append) : run(s, () -> new OffloadedFileWriter(file, append));
    }

    public static FileWriter newFileWriter(String name, Charset cs, Stack s) throws IOException {
        return newFileWriter(name, cs, false, s);
    }

    public static FileWriter newFileWriter(String name, Charset cs, boolean append, Stack s) throws IOException {
        return plain(s) ? new FileWriter(name, cs, append) : run(s, () -> new OffloadedFileWriter(name, cs, append));
    }

    public static FileWriter newFileWriter(File file, Charset cs, Stack s) throws IOException {
        return newFileWriter(file, cs, false, s);
    }

    public static FileWriter newFileWriter(File file, Charset cs, boolean append, Stack s) throws IOException {
        return plain(s) ? new FileWriter(file, cs, append) : run(s, () -> new OffloadedFileWriter(file, cs, append));
    }

    public static FileWriter newFileWriter(String name) throws IOException {
        return new FileWriter(name);
    }

    public static FileWriter newFileWriter(String name, boolean append) throws IOException {
        return new FileWriter(name, append);
    }

    public static FileWriter newFileWriter(File file) throws IOException {
        return new FileWriter(file);
    }

    public static FileWriter newFileWriter(File file, boolean append) throws IOException {
        return new FileWriter(file, append);
    }

    public static FileWriter newFileWriter(String name, Charset cs) throws IOException {
        return new FileWriter(name, cs);
    }

    public static FileWriter newFileWriter(String name, Charset cs, boolean append) throws IOException {
        return new FileWriter(name, cs, append);
    }

    public static FileWriter newFileWriter(File file, Charset cs) throws IOException {
        return new FileWriter(file, cs);
    }

    public static FileWriter newFileWriter(File file, Charset cs, boolean append) throws IOException {
        return new FileWriter(file, cs, append);
    }

    // ---- new BufferedReader(r) / new BufferedWriter(w): marked when what they wrap is ----

    // (around a reader or writer over a socket channel, ChannelStreams' marked ones: groups files and sockets)

    public static BufferedReader newBufferedReader(Reader in) {
        if (in instanceof CoopFilters.Peer) { // around a reader of a GZIPInputStream (...) over a socket
            return new CoopFilters.PeerBufferedReader(in);
        }
        return in instanceof Offloaded ? new OffloadedBufferedReader(in) : ChannelStreams.bufferedReader(in);
    }

    public static BufferedReader newBufferedReader(Reader in, int size) {
        if (in instanceof CoopFilters.Peer) {
            return new CoopFilters.PeerBufferedReader(in, size);
        }
        return in instanceof Offloaded ? new OffloadedBufferedReader(in, size)
                : ChannelStreams.bufferedReader(in, size);
    }

    public static BufferedWriter newBufferedWriter(Writer out) {
        return out instanceof Offloaded ? new OffloadedBufferedWriter(out) : ChannelStreams.bufferedWriter(out);
    }

    public static BufferedWriter newBufferedWriter(Writer out, int size) {
        return out instanceof Offloaded ? new OffloadedBufferedWriter(out, size)
                : ChannelStreams.bufferedWriter(out, size);
    }

    // ---- java.nio.file.Files ----

    /** As the JDK's {@code Files.newBufferedReader(path, cs)}: a BufferedReader over a reporting decoder. */
    private static BufferedReader bufferedReader(Path p, Charset cs) throws IOException {
        return new OffloadedBufferedReader(new InputStreamReader(Files.newInputStream(p), cs.newDecoder()));
    }

    /** As the JDK's {@code Files.newBufferedWriter(path, cs, options)}. */
    private static BufferedWriter bufferedWriter(Path p, Charset cs, OpenOption[] options) throws IOException {
        return new OffloadedBufferedWriter(new OutputStreamWriter(Files.newOutputStream(p, options), cs.newEncoder()));
    }

    public static BufferedReader newBufferedReader(Path p, Stack s) throws IOException {
        return newBufferedReader(p, StandardCharsets.UTF_8, s);
    }

    public static BufferedReader newBufferedReader(Path p, Charset cs, Stack s) throws IOException {
        return plain(s) ? Files.newBufferedReader(p, cs) : run(s, () -> bufferedReader(p, cs));
    }

    public static BufferedWriter newBufferedWriter(Path p, OpenOption[] options, Stack s) throws IOException {
        return newBufferedWriter(p, StandardCharsets.UTF_8, options, s);
    }

    public static BufferedWriter newBufferedWriter(Path p, Charset cs, OpenOption[] options, Stack s)
            throws IOException {
        return plain(s) ? Files.newBufferedWriter(p, cs, options) : run(s, () -> bufferedWriter(p, cs, options));
    }

    public static InputStream newInputStream(Path p, OpenOption[] options, Stack s) throws IOException {
        return plain(s) ? Files.newInputStream(p, options)
                : run(s, () -> new OffloadedInputStream(Files.newInputStream(p, options)));
    }

    public static OutputStream newOutputStream(Path p, OpenOption[] options, Stack s) throws IOException {
        return plain(s) ? Files.newOutputStream(p, options)
                : run(s, () -> new OffloadedOutputStream(Files.newOutputStream(p, options)));
    }

    /** {@code Files.lines}: the open is offloaded; the stream is the JDK's (its traversal reads where it runs). */
    public static Stream<String> lines(Path p, Stack s) throws IOException {
        return plain(s) ? Files.lines(p) : run(s, () -> Files.lines(p));
    }

    public static Stream<String> lines(Path p, Charset cs, Stack s) throws IOException {
        return plain(s) ? Files.lines(p, cs) : run(s, () -> Files.lines(p, cs));
    }

    public static BufferedReader newBufferedReader(Path p) throws IOException {
        return Files.newBufferedReader(p);
    }

    public static BufferedReader newBufferedReader(Path p, Charset cs) throws IOException {
        return Files.newBufferedReader(p, cs);
    }

    public static BufferedWriter newBufferedWriter(Path p, OpenOption[] options) throws IOException {
        return Files.newBufferedWriter(p, options);
    }

    public static BufferedWriter newBufferedWriter(Path p, Charset cs, OpenOption[] options) throws IOException {
        return Files.newBufferedWriter(p, cs, options);
    }

    public static InputStream newInputStream(Path p, OpenOption[] options) throws IOException {
        return Files.newInputStream(p, options);
    }

    public static OutputStream newOutputStream(Path p, OpenOption[] options) throws IOException {
        return Files.newOutputStream(p, options);
    }

    public static Stream<String> lines(Path p) throws IOException {
        return Files.lines(p);
    }

    public static Stream<String> lines(Path p, Charset cs) throws IOException {
        return Files.lines(p, cs);
    }

    // ---- reads and writes of marked readers and writers ----
    // (those over socket channels, ChannelStreams.Text, wait for the socket instead: they are cooperative)

    private static int runInt(Stack s, Callable<Integer> call) throws IOException {
        Integer r = run(s, call);
        return r == null ? 0 : r; // null: suspending, the value is not used
    }

    /** A marked reader's call: a reader over a socket's filter stream on coro's stream workers, else the pool. */
    private static int runInt(Reader r, Stack s, Callable<Integer> call) throws IOException {
        return r instanceof CoopFilters.Peer ? CoopFilters.runInt(s, call) : runInt(s, call);
    }

    private static void runVoid(Stack s, IoRunnable call) throws IOException {
        run(s, () -> {
            call.run();
            return null;
        });
    }

    /** One writer call: cooperative on a socket channel's writer, offloaded on a file's, else the JDK's own. */
    private static void writeVoid(Writer w, IoRunnable call, Stack s) throws IOException {
        if (w instanceof ChannelStreams.Text) {
            ChannelStreams.writeCoop(w, () -> {
                call.run();
                return null;
            }, s);
        } else if (w instanceof Offloaded) {
            runVoid(s, call);
        } else {
            call.run();
        }
    }

    @FunctionalInterface
    private interface IoRunnable {
        void run() throws IOException;
    }

    public static int read(Reader r, Stack s) throws IOException {
        if (r instanceof ChannelStreams.Text) {
            return ChannelStreams.read(r, s);
        }
        return r instanceof Offloaded ? runInt(r, s, r::read) : r.read();
    }

    public static int read(Reader r, char[] c, Stack s) throws IOException {
        if (r instanceof ChannelStreams.Text) {
            return ChannelStreams.read(r, c, s);
        }
        return r instanceof Offloaded ? runInt(r, s, () -> r.read(c)) : r.read(c);
    }

    public static int read(Reader r, char[] c, int off, int len, Stack s) throws IOException {
        if (r instanceof ChannelStreams.Text) {
            return ChannelStreams.read(r, c, off, len, s);
        }
        return r instanceof Offloaded ? runInt(r, s, () -> r.read(c, off, len)) : r.read(c, off, len);
    }

    public static String readLine(BufferedReader r, Stack s) throws IOException {
        if (r instanceof ChannelStreams.Text) {
            return ChannelStreams.readLine(r, s);
        }
        if (r instanceof CoopFilters.Peer) {
            return CoopFilters.run(s, r::readLine);
        }
        return r instanceof Offloaded ? run(s, r::readLine) : r.readLine();
    }

    public static void close(Reader r, Stack s) throws IOException {
        if (r instanceof CoopFilters.Peer) { // it takes the reader's lock, which a read on a worker may hold
            CoopFilters.run(s, () -> {
                r.close();
                return null;
            });
        } else if (r instanceof Offloaded) {
            runVoid(s, r::close);
        } else {
            r.close();
        }
    }

    public static void write(Writer w, int c, Stack s) throws IOException {
        writeVoid(w, () -> w.write(c), s);
    }

    public static void write(Writer w, char[] c, Stack s) throws IOException {
        writeVoid(w, () -> w.write(c), s);
    }

    public static void write(Writer w, char[] c, int off, int len, Stack s) throws IOException {
        writeVoid(w, () -> w.write(c, off, len), s);
    }

    public static void write(Writer w, String str, Stack s) throws IOException {
        writeVoid(w, () -> w.write(str), s);
    }

    public static void write(Writer w, String str, int off, int len, Stack s) throws IOException {
        writeVoid(w, () -> w.write(str, off, len), s);
    }

    public static Writer append(Writer w, CharSequence csq, Stack s) throws IOException {
        if (w instanceof ChannelStreams.Text) {
            ChannelStreams.writeCoop(w, () -> w.append(csq), s);
            return w; // the JDK's writers return themselves (and on resume the call is not made again)
        }
        return w instanceof Offloaded ? run(s, () -> w.append(csq)) : w.append(csq);
    }

    public static void newLine(BufferedWriter w, Stack s) throws IOException {
        writeVoid(w, w::newLine, s);
    }

    public static void flush(Writer w, Stack s) throws IOException {
        writeVoid(w, w::flush, s);
    }

    public static void close(Writer w, Stack s) throws IOException {
        writeVoid(w, w::close, s);
    }

    // plain forms (a patched call kept blocking): the JDK's call

    public static int read(Reader r) throws IOException {
        return r.read();
    }

    public static int read(Reader r, char[] c) throws IOException {
        return r.read(c);
    }

    public static int read(Reader r, char[] c, int off, int len) throws IOException {
        return r.read(c, off, len);
    }

    public static String readLine(BufferedReader r) throws IOException {
        return r.readLine();
    }

    public static void close(Reader r) throws IOException {
        r.close();
    }

    public static void write(Writer w, int c) throws IOException {
        w.write(c);
    }

    public static void write(Writer w, char[] c) throws IOException {
        w.write(c);
    }

    public static void write(Writer w, char[] c, int off, int len) throws IOException {
        w.write(c, off, len);
    }

    public static void write(Writer w, String str) throws IOException {
        w.write(str);
    }

    public static void write(Writer w, String str, int off, int len) throws IOException {
        w.write(str, off, len);
    }

    public static Writer append(Writer w, CharSequence csq) throws IOException {
        return w.append(csq);
    }

    public static void newLine(BufferedWriter w) throws IOException {
        w.newLine();
    }

    public static void flush(Writer w) throws IOException {
        w.flush();
    }

    public static void close(Writer w) throws IOException {
        w.close();
    }
}
