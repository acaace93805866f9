package dev.coro.tests.patching.files;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A child JVM for {@link FilesPatchTest}, run with and without {@code patch=files}. For each way of reading or
 * writing a file it waits on a FIFO whose other end a plain thread opens 200 ms later, while a ticker coroutine of
 * the same loop ticks every 10 ms, and prints the ticks counted meanwhile; then it prints a transcript of file
 * calls (results and exceptions) made inside a coroutine and on the plain main thread.
 */
public final class FilesChild {
    /** Not Files.lines: on a FIFO the JDK's opens it twice (a FileChannel, then a reader) and hangs. */
    static final List<String> KINDS = List.of("FileInputStream", "Files.readString", "Files.readAllBytes",
            "RandomAccessFile", "FileChannel", "FileOutputStream", "Files.writeString", "FileReader",
            "Files.newBufferedReader", "Files.newInputStream", "FileWriter", "Files.newBufferedWriter",
            "Files.newOutputStream");

    /** Whether the coroutine writes to the FIFO (else it reads what the peer writes). */
    static boolean writes(String kind) {
        return kind.startsWith("FileOutputStream") || kind.startsWith("Files.write") || kind.equals("FileWriter")
                || kind.equals("Files.newBufferedWriter") || kind.equals("Files.newOutputStream");
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("coro-files");
        try {
            for (String kind : KINDS) {
                Path fifo = dir.resolve("fifo-" + kind);
                Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("mkfifo failed");
                }
                System.out.println("fifo " + kind + " " + Coro.run(() -> overFifo(kind, fifo)));
            }
            System.out.println("transcript coroutine " + Coro.run(() -> transcript(dir.resolve("co"))));
            System.out.println("transcript thread " + transcript(dir.resolve("plain")));
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The other end of the FIFO: a plain thread that opens it after {@code delayMs}, then writes or reads. */
    static Thread peer(String kind, Path fifo, AtomicReference<String> read) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(200);
                if (writes(kind)) {
                    read.set(new String(Files.readAllBytes(fifo), StandardCharsets.UTF_8));
                } else {
                    Files.write(fifo, "hello from a thread".getBytes(StandardCharsets.UTF_8));
                }
            } catch (Exception e) {
                read.set(e.toString());
            }
        }, "fifo-peer");
        t.start();
        return t;
    }

    @Coroutine
    static String overFifo(String kind, Path fifo) throws Exception {
        boolean[] done = {false};
        int[] ticks = {0};
        Task<Void> ticker = Coro.spawn(() -> {
            while (!done[0]) {
                Thread.sleep(10);
                ticks[0]++;
            }
        });
        AtomicReference<String> peerRead = new AtomicReference<>();
        Thread peer = peer(kind, fifo, peerRead);
        String got = null;
        if (kind.equals("FileInputStream")) {
            FileInputStream in = new FileInputStream(fifo.toFile());
            byte[] b = new byte[64];
            int n = 0;
            for (int r; (r = in.read(b, n, b.length - n)) > 0;) { // not readAllBytes: JDK 17's seeks, a FIFO can't
                n += r;
            }
            got = new String(b, 0, n, StandardCharsets.UTF_8);
            in.close();
        } else if (kind.equals("Files.readString")) {
            got = Files.readString(fifo);
        } else if (kind.equals("Files.readAllBytes")) {
            got = new String(Files.readAllBytes(fifo), StandardCharsets.UTF_8);
        } else if (kind.equals("RandomAccessFile")) {
            RandomAccessFile f = new RandomAccessFile(fifo.toFile(), "r");
            byte[] b = new byte[19];
            f.readFully(b);
            got = new String(b, StandardCharsets.UTF_8);
            f.close();
        } else if (kind.equals("FileChannel")) {
            RandomAccessFile f = new RandomAccessFile(fifo.toFile(), "r");
            FileChannel ch = f.getChannel();
            ByteBuffer bb = ByteBuffer.allocate(64);
            while (ch.read(bb) >= 0) {
                Thread.yield();
            }
            got = new String(bb.array(), 0, bb.position(), StandardCharsets.UTF_8);
            f.close();
        } else if (kind.equals("FileOutputStream")) {
            FileOutputStream out = new FileOutputStream(fifo.toFile());
            out.write("hello to a thread".getBytes(StandardCharsets.UTF_8));
            out.close();
        } else if (kind.equals("FileReader")) {
            FileReader r = new FileReader(fifo.toFile());
            BufferedReader br = new BufferedReader(r);
            got = br.readLine();
            br.close();
        } else if (kind.equals("Files.newBufferedReader")) {
            BufferedReader br = Files.newBufferedReader(fifo);
            char[] c = new char[64];
            int n = 0;
            for (int r; (r = br.read(c, n, c.length - n)) > 0;) {
                n += r;
            }
            got = new String(c, 0, n);
            br.close();
        } else if (kind.equals("Files.newInputStream")) {
            InputStream in = Files.newInputStream(fifo);
            byte[] b = new byte[64];
            int n = 0;
            for (int r; (r = in.read(b, n, b.length - n)) > 0;) {
                n += r;
            }
            got = new String(b, 0, n, StandardCharsets.UTF_8);
            in.close();
        } else if (kind.equals("FileWriter")) {
            FileWriter w = new FileWriter(fifo.toFile());
            w.write("hello to a thread");
            w.close();
        } else if (kind.equals("Files.newBufferedWriter")) {
            BufferedWriter w = Files.newBufferedWriter(fifo);
            w.write("hello to ");
            w.append("a thread");
            w.flush();
            w.close();
        } else if (kind.equals("Files.newOutputStream")) {
            OutputStream out = Files.newOutputStream(fifo);
            out.write("hello to a thread".getBytes(StandardCharsets.UTF_8));
            out.close();
        } else {
            Files.writeString(fifo, "hello to a thread");
        }
        int during = ticks[0];
        done[0] = true;
        ticker.join();
        joinPeer(peer);
        return "ticks=" + during + " got=" + (got != null ? got : peerRead.get());
    }

    static void joinPeer(Thread peer) throws InterruptedException {
        peer.join(10_000);
    }

    /** Readers, writers and streams of files: their results and exceptions. */
    @Coroutine
    static void text(StringBuilder b, Path dir, Path f) throws Exception {
        Path t = dir.resolve("t.txt");
        FileWriter fw = new FileWriter(t.toFile());
        fw.write("alpha\n");
        fw.write(new char[] {'b', 'e', 't', 'a', '\n'});
        fw.write("xgammax", 1, 5);
        fw.append("\n");
        fw.flush();
        fw.close();
        FileWriter again = new FileWriter(t.toString(), StandardCharsets.UTF_8, true);
        again.write('d');
        again.write("elta\u00e9\n");
        again.close();
        BufferedReader br = new BufferedReader(new FileReader(t.toFile()));
        b.append(br.readLine()).append(',').append((char) br.read());
        char[] c = new char[4];
        b.append(br.read(c)).append(new String(c)).append(br.read(c, 1, 2)).append(br.readLine()).append(',')
                .append(br.readLine()).append(',').append(br.readLine()).append(',').append(br.readLine()).append(' ');
        br.close();
        FileReader fr = new FileReader(t.toString(), StandardCharsets.ISO_8859_1);
        StringBuilder raw = new StringBuilder();
        for (int ch; (ch = fr.read()) >= 0;) {
            raw.append((char) ch);
        }
        fr.close();
        b.append(raw.length()).append(' ');
        BufferedWriter bw = Files.newBufferedWriter(dir.resolve("u.txt"));
        bw.write("one");
        bw.newLine();
        bw.write("two\u00e9");
        bw.close();
        BufferedReader nbr = Files.newBufferedReader(dir.resolve("u.txt"), StandardCharsets.UTF_8);
        b.append(nbr.readLine()).append('+').append(nbr.readLine()).append('+').append(nbr.readLine()).append(' ');
        nbr.close();
        try (Stream<String> lines = Files.lines(dir.resolve("u.txt"))) {
            b.append(lines.collect(Collectors.toList())).append(' ');
        }
        OutputStream os = Files.newOutputStream(dir.resolve("v.bin"), StandardOpenOption.CREATE_NEW);
        os.write(1);
        os.write(new byte[] {2, 3});
        os.write(new byte[] {9, 4, 9}, 1, 1);
        os.close();
        InputStream is = Files.newInputStream(dir.resolve("v.bin"));
        byte[] y = new byte[2];
        b.append(is.read()).append(',').append(is.read(y)).append(Arrays.toString(y)).append(',')
                .append(is.read(y, 0, 2)).append(',').append(is.read()).append(' ');
        is.close();
        // malformed input: the JDK's newBufferedReader reports it, FileReader replaces it
        Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', '\n', (byte) 0xC3, '(', '\n'});
        BufferedReader bad = Files.newBufferedReader(dir.resolve("bad.txt"));
        try {
            b.append(bad.readLine()).append('+').append(bad.readLine());
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        bad.close();
        BufferedReader lenient = new BufferedReader(new FileReader(dir.resolve("bad.txt").toFile()), 16);
        b.append(lenient.readLine()).append('+').append(lenient.readLine().length()).append(' ');
        lenient.close();
        Path missing = dir.resolve("missing");
        try {
            new FileReader(missing.toFile());
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            new FileReader(missing.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            new FileWriter(dir.toFile());
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.newBufferedReader(missing);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.newInputStream(missing);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.lines(missing);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.newOutputStream(dir.resolve("v.bin"), StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.newBufferedWriter(dir.resolve("nodir").resolve("x"));
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            fw.write("after close");
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
    }

    /** File calls with their results and exceptions; the directory's name is left out. */
    @Coroutine
    static String transcript(Path dir) throws Exception {
        StringBuilder b = new StringBuilder();
        Files.createDirectories(dir);
        Path f = dir.resolve("a.txt");
        b.append(Files.write(f, "one\ntwo\n".getBytes(StandardCharsets.UTF_8)).getFileName()).append(' ');
        b.append(Files.readAllLines(f)).append(' ');
        b.append(Files.readString(f, StandardCharsets.UTF_8).length()).append(' ');
        Files.writeString(f, "three\n", StandardOpenOption.APPEND);
        b.append(Files.readAllBytes(f).length).append(' ');
        Files.write(f, List.of("x", "y"), StandardOpenOption.APPEND);
        b.append(Files.readAllLines(f, StandardCharsets.UTF_8)).append(' ');
        Path g = dir.resolve("b.txt");
        b.append(Files.copy(f, g).getFileName()).append(' ');
        b.append(Files.readString(g).length()).append(' ');
        try {
            Files.copy(f, g);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.readString(dir.resolve("missing"));
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            Files.readAllBytes(dir);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            new FileInputStream(dir.resolve("missing").toFile());
        } catch (FileNotFoundException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            new FileOutputStream(dir.toFile());
        } catch (FileNotFoundException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        try {
            new RandomAccessFile(f.toFile(), "x");
        } catch (IllegalArgumentException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw");
        raf.write(new byte[] {1, 2, 3});
        raf.write(4);
        raf.write(new byte[] {9, 5, 9}, 1, 1);
        raf.seek(0);
        byte[] x = new byte[3];
        raf.readFully(x);
        b.append(Arrays.toString(x)).append(raf.read()).append(raf.read(x)).append(raf.read(x, 1, 1)).append(' ');
        try {
            raf.readFully(new byte[100]);
        } catch (EOFException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        raf.close();
        FileOutputStream out = new FileOutputStream(f.toFile(), true);
        out.write(65);
        out.write(new byte[] {66, 67});
        out.write(new byte[] {1, 68, 1}, 1, 1);
        out.close();
        try {
            out.write(1);
        } catch (IOException e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage()).append(' ');
        }
        FileInputStream in = new FileInputStream(f.toFile());
        byte[] y = new byte[4];
        b.append(in.read()).append(',').append(in.read(y)).append(',').append(in.read(y, 1, 2)).append(',')
                .append(in.readAllBytes().length).append(',').append(in.read()).append(' ');
        in.close();
        text(b, dir, f);
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer bb = ByteBuffer.allocate(5);
        b.append(ch.read(bb)).append(',').append(ch.read(ByteBuffer.allocate(4), 2)).append(',')
                .append(ch.write(ByteBuffer.wrap(new byte[] {9, 9}), 100)).append(',')
                .append(ch.write(ByteBuffer.wrap(new byte[] {7}))).append(',').append(ch.size());
        ch.close();
        return b.toString().replace(dir.toString(), "DIR").replace("\n", "\\n");
    }
}
