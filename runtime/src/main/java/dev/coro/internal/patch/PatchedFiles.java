package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The opt-in {@code files} patches ({@code patch=all,files}): a file can't wait on a selector, so inside a coroutine
 * each call below runs on the {@code Coro.blocking} pool (gevent's threadpool) while the coroutine suspends; on a
 * plain thread it is the JDK call. Either way the JDK does the work: same results, same exceptions (the very
 * exception object the JDK threw, {@code FileNotFoundException}, {@code NoSuchFileException}, ...).
 * <p>
 * Covered: opening {@code FileInputStream}/{@code FileOutputStream}/{@code RandomAccessFile} (an open can block, on
 * a FIFO or a network file system), their {@code read}/{@code readAllBytes}/{@code readFully}/{@code write}, the
 * {@code Files} whole-file calls {@code readAllBytes}, {@code readString}, {@code readAllLines}, {@code write},
 * {@code writeString} and {@code copy(Path, Path)}, and {@code FileChannel} {@code read}/{@code write} (with and
 * without a position). Each twin may suspend only once, at its end: {@link Blocking#call} returns null while
 * suspending and the JDK call's result on resume.
 */
public final class PatchedFiles {
    private PatchedFiles() {
    }

    @SuppressWarnings("unchecked")
    private static <T> T run(Stack s, Callable<T> call) throws IOException {
        try {
            return (T) Blocking.call(s, Suspend.isResuming(s) ? null : call);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // no file call here throws another checked exception
        }
    }

    private static int runInt(Stack s, Callable<Integer> call) throws IOException {
        Integer r = run(s, call);
        return r == null ? 0 : r; // null: suspending, the value is not used
    }

    private static void runVoid(Stack s, IoRunnable call) throws IOException {
        run(s, () -> {
            call.run();
            return null;
        });
    }

    @FunctionalInterface
    private interface IoRunnable {
        void run() throws IOException;
    }

    // ---- opening ----

    public static FileInputStream newFileInputStream(String name, Stack s) throws FileNotFoundException {
        return (FileInputStream) open(s, () -> new FileInputStream(name));
    }

    public static FileInputStream newFileInputStream(File file, Stack s) throws FileNotFoundException {
        return (FileInputStream) open(s, () -> new FileInputStream(file));
    }

    public static FileOutputStream newFileOutputStream(String name, Stack s) throws FileNotFoundException {
        return (FileOutputStream) open(s, () -> new FileOutputStream(name));
    }

    public static FileOutputStream newFileOutputStream(String name, boolean append, Stack s)
            throws FileNotFoundException {
        return (FileOutputStream) open(s, () -> new FileOutputStream(name, append));
    }

    public static FileOutputStream newFileOutputStream(File file, Stack s) throws FileNotFoundException {
        return (FileOutputStream) open(s, () -> new FileOutputStream(file));
    }

    public static FileOutputStream newFileOutputStream(File file, boolean append, Stack s)
            throws FileNotFoundException {
        return (FileOutputStream) open(s, () -> new FileOutputStream(file, append));
    }

    public static RandomAccessFile newRandomAccessFile(String name, String mode, Stack s)
            throws FileNotFoundException {
        return (RandomAccessFile) open(s, () -> new RandomAccessFile(name, mode));
    }

    public static RandomAccessFile newRandomAccessFile(File file, String mode, Stack s)
            throws FileNotFoundException {
        return (RandomAccessFile) open(s, () -> new RandomAccessFile(file, mode));
    }

    private static Object open(Stack s, Callable<Object> call) throws FileNotFoundException {
        try {
            return run(s, call);
        } catch (FileNotFoundException | RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException(e); // constructors throw only FileNotFoundException
        }
    }

    // ---- FileInputStream ----

    public static int read(FileInputStream in, Stack s) throws IOException {
        return runInt(s, in::read);
    }

    public static int read(FileInputStream in, byte[] b, Stack s) throws IOException {
        return runInt(s, () -> in.read(b));
    }

    public static int read(FileInputStream in, byte[] b, int off, int len, Stack s) throws IOException {
        return runInt(s, () -> in.read(b, off, len));
    }

    public static byte[] readAllBytes(FileInputStream in, Stack s) throws IOException {
        return run(s, in::readAllBytes);
    }

    // ---- FileOutputStream ----

    public static void write(FileOutputStream out, int b, Stack s) throws IOException {
        runVoid(s, () -> out.write(b));
    }

    public static void write(FileOutputStream out, byte[] b, Stack s) throws IOException {
        runVoid(s, () -> out.write(b));
    }

    public static void write(FileOutputStream out, byte[] b, int off, int len, Stack s) throws IOException {
        runVoid(s, () -> out.write(b, off, len));
    }

    // ---- RandomAccessFile ----

    public static int read(RandomAccessFile f, Stack s) throws IOException {
        return runInt(s, f::read);
    }

    public static int read(RandomAccessFile f, byte[] b, Stack s) throws IOException {
        return runInt(s, () -> f.read(b));
    }

    public static int read(RandomAccessFile f, byte[] b, int off, int len, Stack s) throws IOException {
        return runInt(s, () -> f.read(b, off, len));
    }

    public static void readFully(RandomAccessFile f, byte[] b, Stack s) throws IOException {
        runVoid(s, () -> f.readFully(b));
    }

    public static void readFully(RandomAccessFile f, byte[] b, int off, int len, Stack s) throws IOException {
        runVoid(s, () -> f.readFully(b, off, len));
    }

    public static void write(RandomAccessFile f, int b, Stack s) throws IOException {
        runVoid(s, () -> f.write(b));
    }

    public static void write(RandomAccessFile f, byte[] b, Stack s) throws IOException {
        runVoid(s, () -> f.write(b));
    }

    public static void write(RandomAccessFile f, byte[] b, int off, int len, Stack s) throws IOException {
        runVoid(s, () -> f.write(b, off, len));
    }

    // ---- FileChannel ----

    public static int read(FileChannel ch, ByteBuffer dst, Stack s) throws IOException {
        return runInt(s, () -> ch.read(dst));
    }

    public static int read(FileChannel ch, ByteBuffer dst, long position, Stack s) throws IOException {
        return runInt(s, () -> ch.read(dst, position));
    }

    public static int write(FileChannel ch, ByteBuffer src, Stack s) throws IOException {
        return runInt(s, () -> ch.write(src));
    }

    public static int write(FileChannel ch, ByteBuffer src, long position, Stack s) throws IOException {
        return runInt(s, () -> ch.write(src, position));
    }

    // ---- java.nio.file.Files ----

    public static byte[] readAllBytes(Path p, Stack s) throws IOException {
        return run(s, () -> Files.readAllBytes(p));
    }

    public static String readString(Path p, Stack s) throws IOException {
        return run(s, () -> Files.readString(p));
    }

    public static String readString(Path p, Charset cs, Stack s) throws IOException {
        return run(s, () -> Files.readString(p, cs));
    }

    public static List<String> readAllLines(Path p, Stack s) throws IOException {
        return run(s, () -> Files.readAllLines(p));
    }

    public static List<String> readAllLines(Path p, Charset cs, Stack s) throws IOException {
        return run(s, () -> Files.readAllLines(p, cs));
    }

    public static Path write(Path p, byte[] bytes, OpenOption[] options, Stack s) throws IOException {
        return run(s, () -> Files.write(p, bytes, options));
    }

    public static Path write(Path p, Iterable<? extends CharSequence> lines, OpenOption[] options, Stack s)
            throws IOException {
        return run(s, () -> Files.write(p, lines, options));
    }

    public static Path write(Path p, Iterable<? extends CharSequence> lines, Charset cs, OpenOption[] options,
                             Stack s) throws IOException {
        return run(s, () -> Files.write(p, lines, cs, options));
    }

    public static Path writeString(Path p, CharSequence csq, OpenOption[] options, Stack s) throws IOException {
        return run(s, () -> Files.writeString(p, csq, options));
    }

    public static Path writeString(Path p, CharSequence csq, Charset cs, OpenOption[] options, Stack s)
            throws IOException {
        return run(s, () -> Files.writeString(p, csq, cs, options));
    }

    public static Path copy(Path source, Path target, CopyOption[] options, Stack s) throws IOException {
        return run(s, () -> Files.copy(source, target, options));
    }

    // ---- plain forms (a patched call kept blocking): the JDK call ----

    public static FileInputStream newFileInputStream(String name) throws FileNotFoundException {
        return new FileInputStream(name);
    }

    public static FileInputStream newFileInputStream(File file) throws FileNotFoundException {
        return new FileInputStream(file);
    }

    public static FileOutputStream newFileOutputStream(String name) throws FileNotFoundException {
        return new FileOutputStream(name);
    }

    public static FileOutputStream newFileOutputStream(String name, boolean append) throws FileNotFoundException {
        return new FileOutputStream(name, append);
    }

    public static FileOutputStream newFileOutputStream(File file) throws FileNotFoundException {
        return new FileOutputStream(file);
    }

    public static FileOutputStream newFileOutputStream(File file, boolean append) throws FileNotFoundException {
        return new FileOutputStream(file, append);
    }

    public static RandomAccessFile newRandomAccessFile(String name, String mode) throws FileNotFoundException {
        return new RandomAccessFile(name, mode);
    }

    public static RandomAccessFile newRandomAccessFile(File file, String mode) throws FileNotFoundException {
        return new RandomAccessFile(file, mode);
    }

    public static int read(FileInputStream in) throws IOException {
        return in.read();
    }

    public static int read(FileInputStream in, byte[] b) throws IOException {
        return in.read(b);
    }

    public static int read(FileInputStream in, byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    public static byte[] readAllBytes(FileInputStream in) throws IOException {
        return in.readAllBytes();
    }

    public static void write(FileOutputStream out, int b) throws IOException {
        out.write(b);
    }

    public static void write(FileOutputStream out, byte[] b) throws IOException {
        out.write(b);
    }

    public static void write(FileOutputStream out, byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    public static int read(RandomAccessFile f) throws IOException {
        return f.read();
    }

    public static int read(RandomAccessFile f, byte[] b) throws IOException {
        return f.read(b);
    }

    public static int read(RandomAccessFile f, byte[] b, int off, int len) throws IOException {
        return f.read(b, off, len);
    }

    public static void readFully(RandomAccessFile f, byte[] b) throws IOException {
        f.readFully(b);
    }

    public static void readFully(RandomAccessFile f, byte[] b, int off, int len) throws IOException {
        f.readFully(b, off, len);
    }

    public static void write(RandomAccessFile f, int b) throws IOException {
        f.write(b);
    }

    public static void write(RandomAccessFile f, byte[] b) throws IOException {
        f.write(b);
    }

    public static void write(RandomAccessFile f, byte[] b, int off, int len) throws IOException {
        f.write(b, off, len);
    }

    public static int read(FileChannel ch, ByteBuffer dst) throws IOException {
        return ch.read(dst);
    }

    public static int read(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        return ch.read(dst, position);
    }

    public static int write(FileChannel ch, ByteBuffer src) throws IOException {
        return ch.write(src);
    }

    public static int write(FileChannel ch, ByteBuffer src, long position) throws IOException {
        return ch.write(src, position);
    }

    public static byte[] readAllBytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    public static String readString(Path p) throws IOException {
        return Files.readString(p);
    }

    public static String readString(Path p, Charset cs) throws IOException {
        return Files.readString(p, cs);
    }

    public static List<String> readAllLines(Path p) throws IOException {
        return Files.readAllLines(p);
    }

    public static List<String> readAllLines(Path p, Charset cs) throws IOException {
        return Files.readAllLines(p, cs);
    }

    public static Path write(Path p, byte[] bytes, OpenOption[] options) throws IOException {
        return Files.write(p, bytes, options);
    }

    public static Path write(Path p, Iterable<? extends CharSequence> lines, OpenOption[] options)
            throws IOException {
        return Files.write(p, lines, options);
    }

    public static Path write(Path p, Iterable<? extends CharSequence> lines, Charset cs, OpenOption[] options)
            throws IOException {
        return Files.write(p, lines, cs, options);
    }

    public static Path writeString(Path p, CharSequence csq, OpenOption[] options) throws IOException {
        return Files.writeString(p, csq, options);
    }

    public static Path writeString(Path p, CharSequence csq, Charset cs, OpenOption[] options) throws IOException {
        return Files.writeString(p, csq, cs, options);
    }

    public static Path copy(Path source, Path target, CopyOption[] options) throws IOException {
        return Files.copy(source, target, options);
    }
}
