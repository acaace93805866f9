package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.internal.Diagnostics;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Served;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

import static dev.coro.tests.patching.SocketWrappersMorePatchTest.assertOverlapped;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.serveAndConnect;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.servedTicking;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's zip, digest and cipher filter streams around coro's socket streams, in coroutines: many connections on
 * one loop overlap (each filter's read waits on a worker thread while its task suspends; the output filters write
 * through coro's sink), a ticker keeps ticking, the results and exceptions are the JDK's, no pinned-call warning.
 */
@Timeout(120)
class FilterStreamsPatchTest {
    private static final String PINNED = "blocked the loop thread";

    private static List<String> pinned(List<String> warnings) {
        synchronized (warnings) {
            List<String> out = new ArrayList<>();
            for (String w : warnings) {
                if (w.contains(PINNED)) {
                    out.add(w);
                }
            }
            return out;
        }
    }

    /** Sends three gzip-compressed lines, {@code delayMs} apart (sync-flushed, so each line leaves at once). */
    @Coroutine
    static String gzipClient(Socket s, int i, long delayMs) throws IOException, InterruptedException {
        s.setTcpNoDelay(true);
        GZIPOutputStream gz = new GZIPOutputStream(s.getOutputStream(), true); // the header goes out now
        gz.write(("hello " + i + " \u00e9t\u00e9\n").getBytes(UTF_8));
        gz.flush();
        Thread.sleep(delayMs);
        OutputStream o = gz; // as an OutputStream, the common case
        o.write(("second " + i + "\n").getBytes(UTF_8));
        o.flush();
        Thread.sleep(delayMs);
        gz.write(("last " + i).getBytes(UTF_8));
        gz.finish();
        s.shutdownOutput();
        return gz.getClass().getSimpleName();
    }

    /** Reads the gzip-compressed text through an InputStreamReader's {@code read(char[])}, typed as Reader. */
    @Coroutine
    static String gzipChars(Socket s) throws IOException {
        java.io.Reader r = new InputStreamReader(new GZIPInputStream(s.getInputStream()), UTF_8);
        assertEquals("PeerReader", r.getClass().getSimpleName());
        StringBuilder got = new StringBuilder();
        char[] buf = new char[5];
        for (int n; (n = r.read(buf)) >= 0;) {
            got.append(buf, 0, n);
        }
        r.close();
        return got.toString().replace('\n', '|') + "|";
    }

    /** Reads the gzip-compressed lines: through a BufferedReader, or the GZIPInputStream read directly. */
    @Coroutine
    static String gzipServer(Socket s, boolean lines) throws IOException {
        if (lines) {
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(s.getInputStream()),
                    UTF_8));
            assertEquals("PeerBufferedReader", r.getClass().getSimpleName()); // coro's mark, the JDK's class
            StringBuilder log = new StringBuilder();
            for (String line; (line = r.readLine()) != null;) {
                log.append(line).append('|');
            }
            r.close();
            return log.toString();
        }
        InputStream in = new GZIPInputStream(s.getInputStream()); // typed as InputStream
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertEquals("GzIn", in.getClass().getSimpleName());
        assertEquals(6, in.skip(6)); // "hello "
        got.write("hello ".getBytes(UTF_8));
        byte[] buf = new byte[7];
        for (int n; (n = in.read(buf)) >= 0;) {
            got.write(buf, 0, n);
        }
        assertEquals(-1, in.read());
        return got.toString(UTF_8).replace('\n', '|') + "|";
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK frame hangs here
    void fortyGzipConnectionsOnOneLoopOverlapWhileATickerTicks() {
        int n = 40;
        long delay = 100;
        AtomicInteger nextServer = new AtomicInteger();
        AtomicInteger nextClient = new AtomicInteger();
        Served run = servedTicking(n, s -> {
            int k = nextServer.getAndIncrement() % 3;
            String v = k == 2 ? gzipChars(s) : gzipServer(s, k == 0);
            return v;
        }, s -> gzipClient(s, nextClient.getAndIncrement(), delay));
        Ticked<List<String>> r = run.ticked;
        List<String> served = run.served;
        List<String> warnings = run.warnings;
        assertEquals(Collections.nCopies(n, "GzOut"), r.value);
        List<String> got = new ArrayList<>(served);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split("[ |]")[1])));
        for (int i = 0; i < n; i++) {
            assertEquals("hello " + i + " \u00e9t\u00e9|second " + i + "|last " + i + "|", got.get(i));
        }
        assertOverlapped(r, n, 2 * delay);
        assertEquals(List.of(), pinned(warnings), "no pinned call");
    }

    private static final byte[] PAYLOAD = payload();

    private static byte[] payload() {
        byte[] b = new byte[50_000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >> 7));
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Sends PAYLOAD deflated, in three parts {@code delayMs} apart, through a checked and digesting stream. */
    @Coroutine
    static String checkedClient(Socket s, long delayMs) throws Exception {
        s.setTcpNoDelay(true);
        CheckedOutputStream checked = new CheckedOutputStream(s.getOutputStream(), new CRC32());
        DeflaterOutputStream def = new DeflaterOutputStream(checked, new Deflater(), 512, true);
        DigestOutputStream digest = new DigestOutputStream(def, MessageDigest.getInstance("SHA-256"));
        int third = PAYLOAD.length / 3;
        digest.write(PAYLOAD, 0, third);
        digest.flush();
        Thread.sleep(delayMs);
        digest.write(PAYLOAD, third, third);
        digest.flush();
        Thread.sleep(delayMs);
        digest.write(PAYLOAD, 2 * third, PAYLOAD.length - 2 * third);
        def.finish();
        digest.flush();
        s.shutdownOutput();
        return HexFormat.of().formatHex(digest.getMessageDigest().digest()) + " "
                + Long.toHexString(checked.getChecksum().getValue()) + " " + digest.getClass().getSimpleName();
    }

    /** Reads it back through the input twins: a CRC of the wire bytes, a digest of the inflated ones. */
    @Coroutine
    static String checkedServer(Socket s, int i) throws Exception {
        CheckedInputStream checked = new CheckedInputStream(s.getInputStream(), new CRC32());
        DigestInputStream digest = new DigestInputStream(new InflaterInputStream(checked),
                MessageDigest.getInstance("SHA-256"));
        byte[] got;
        switch (i % 3) {
            case 0 -> got = digest.readAllBytes();
            case 1 -> {
                byte[] head = digest.readNBytes(1000);
                got = new byte[PAYLOAD.length];
                System.arraycopy(head, 0, got, 0, 1000);
                assertEquals(1000, digest.readNBytes(got, 1000, 1000));
                ByteArrayOutputStream rest = new ByteArrayOutputStream();
                digest.transferTo(rest);
                System.arraycopy(rest.toByteArray(), 0, got, 2000, rest.size());
            }
            default -> {
                InputStream in = digest; // typed as InputStream
                got = new byte[PAYLOAD.length];
                int k = in.readNBytes(got, 0, got.length);
                assertEquals(PAYLOAD.length, k);
                assertEquals(-1, in.read());
            }
        }
        assertTrue(java.util.Arrays.equals(PAYLOAD, got), "the bytes");
        return HexFormat.of().formatHex(digest.getMessageDigest().digest()) + " "
                + Long.toHexString(checked.getChecksum().getValue()) + " " + digest.getClass().getSimpleName();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void checkedAndDigestStreamsOverlapWithTheJdksResults() throws Exception {
        int n = 30;
        long delay = 100;
        String sha = sha256(PAYLOAD);
        AtomicInteger next = new AtomicInteger();
        Served run = servedTicking(n, s -> checkedServer(s, next.getAndIncrement()), s -> checkedClient(s, delay));
        Ticked<List<String>> r = run.ticked;
        List<String> served = run.served;
        List<String> warnings = run.warnings;
        assertEquals(n, served.size());
        for (int i = 0; i < n; i++) {
            String[] c = r.value.get(i).split(" ");
            assertEquals(sha, c[0]);
            assertEquals("DigestOut", c[2]);
            String[] sv = served.get(i).split(" ");
            assertEquals(sha, sv[0]);
            assertEquals(c[1], sv[1], "the CRC of the wire bytes, both ends");
            assertEquals("DigestIn", sv[2]);
        }
        assertOverlapped(r, n, 2 * delay);
        assertEquals(List.of(), pinned(warnings), "no pinned call");
    }

    /** What the JDK says about {@code bytes} as a gzip stream, on a plain thread. */
    private static String jdkGzipError(byte[] bytes) {
        try {
            return "read " + new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes().length;
        } catch (IOException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Coroutine
    static String readGzip(Socket s) {
        try {
            GZIPInputStream in = new GZIPInputStream(s.getInputStream());
            return "read " + in.readAllBytes().length;
        } catch (IOException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** Not gzip, an empty stream, a truncated body: the JDK's exceptions and messages, the loop still ticking. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void notGzipAndTruncatedStreamsFailAsTheJdks() throws Exception {
        ByteArrayOutputStream full = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(full)) {
            g.write("some text".getBytes(UTF_8));
        }
        byte[] truncated = java.util.Arrays.copyOf(full.toByteArray(), 14);
        List<byte[]> cases = List.of("plain text, not gzip\n".getBytes(UTF_8), new byte[0], truncated);
        List<String> expected = new ArrayList<>();
        for (byte[] c : cases) {
            expected.add(jdkGzipError(c));
        }
        assertEquals(ZipException.class.getName() + ": Not in GZIP format", expected.get(0));
        assertEquals(EOFException.class.getName() + ": null", expected.get(1));
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(cases.size() * 4, s -> {
            byte[] c = cases.get(next.getAndIncrement() % cases.size());
            Thread.sleep(100);
            s.getOutputStream().write(c);
            s.shutdownOutput();
            return "sent";
        }, FilterStreamsPatchTest::readGzip));
        // clients and servers pair up in accept order, not necessarily in spawn order: compare as multisets
        List<String> got = new ArrayList<>(r.value);
        List<String> want = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            want.addAll(expected);
        }
        Collections.sort(got);
        Collections.sort(want);
        assertEquals(want, got);
        assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms");
    }

    /** Another task closes the socket while a GZIPInputStream's read waits on a silent peer: the JDK's end. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCloseFromAnotherTaskEndsAWaitingRead() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        Socket a = silent.accept();
                        accepted.add(a);
                        GZIPOutputStream g = new GZIPOutputStream(a.getOutputStream(), true);
                        g.write("x".getBytes(UTF_8));
                        g.flush(); // a header and one byte, then nothing
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<String> warnings = Collections.synchronizedList(new ArrayList<>());
            Consumer<String> previous = Diagnostics.setSink(warnings::add);
            String got;
            try {
                got = Coro.run(() -> {
                    Socket a = new Socket(InetAddress.getLoopbackAddress(), silent.getLocalPort());
                    Socket b = new Socket(InetAddress.getLoopbackAddress(), silent.getLocalPort());
                    GZIPInputStream ga = new GZIPInputStream(a.getInputStream());
                    BufferedReader rb = new BufferedReader(new InputStreamReader(
                            new GZIPInputStream(b.getInputStream()), UTF_8));
                    dev.coro.Task<Void> closer = Coro.spawn(() -> {
                        Thread.sleep(150);
                        a.close(); // while ga.read waits
                        Thread.sleep(150);
                        b.close(); // while rb.readLine waits
                        return null;
                    });
                    StringBuilder log = new StringBuilder();
                    log.append((char) ga.read()).append(' ');
                    try {
                        log.append(ga.read());
                    } catch (IOException e) {
                        log.append(e.getClass().getName()).append(": ").append(e.getMessage());
                    }
                    log.append(" | ");
                    try {
                        log.append(rb.readLine());
                    } catch (IOException e) {
                        log.append(e.getClass().getName()).append(": ").append(e.getMessage());
                    }
                    closer.join();
                    return log.toString();
                });
            } finally {
                Diagnostics.setSink(previous);
            }
            assertEquals("x java.net.SocketException: Socket closed | java.net.SocketException: Socket closed", got);
            assertEquals(List.of(), pinned(warnings), "no pinned call");
            for (Socket x : accepted) {
                x.close();
            }
        }
    }

    private static final javax.crypto.spec.SecretKeySpec KEY = new javax.crypto.spec.SecretKeySpec(
            "0123456789abcdef".getBytes(UTF_8), "AES");
    private static final javax.crypto.spec.IvParameterSpec IV = new javax.crypto.spec.IvParameterSpec(new byte[16]);

    private static javax.crypto.Cipher cipher(int mode) throws Exception {
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
        c.init(mode, KEY, IV);
        return c;
    }

    /**
     * Sends its mode as one plain byte, then, encrypted and gzip-compressed, either text (two parts {@code delayMs}
     * apart) or a serialized list.
     */
    @Coroutine
    static String nestedClient(Socket s, int mode, long delayMs) throws Exception {
        s.setTcpNoDelay(true);
        OutputStream raw = s.getOutputStream();
        raw.write(mode);
        javax.crypto.CipherOutputStream enc = new javax.crypto.CipherOutputStream(raw,
                cipher(javax.crypto.Cipher.ENCRYPT_MODE));
        GZIPOutputStream gz = new GZIPOutputStream(enc, true);
        if (mode == 2) {
            java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(gz);
            o.writeObject(List.of("a", 1, 2L));
            o.flush();
            Thread.sleep(delayMs);
            o.writeObject("end");
            o.flush();
        } else {
            gz.write("10 20 ".getBytes(UTF_8));
            gz.flush();
            Thread.sleep(delayMs);
            gz.write("30 x".getBytes(UTF_8));
        }
        gz.finish();
        enc.flush();
        s.shutdownOutput();
        return enc.getClass().getSimpleName();
    }

    /** Reads by the mode: a Scanner, a BufferedInputStream or an ObjectInputStream over the inflated plaintext. */
    @Coroutine
    static String nestedServer(Socket s) throws Exception {
        InputStream raw = s.getInputStream();
        int mode = raw.read();
        GZIPInputStream gz = new GZIPInputStream(new javax.crypto.CipherInputStream(raw,
                cipher(javax.crypto.Cipher.DECRYPT_MODE)));
        switch (mode) {
            case 0 -> {
                java.util.Scanner sc = new java.util.Scanner(gz, UTF_8);
                int sum = 0;
                while (sc.hasNextInt()) {
                    sum += sc.nextInt();
                }
                return "scanner " + sum + " " + sc.next();
            }
            case 1 -> {
                InputStream in = new java.io.BufferedInputStream(gz, 4);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[3];
                for (int n; (n = in.read(buf, 0, buf.length)) >= 0;) {
                    got.write(buf, 0, n);
                }
                return "buffered " + got.toString(UTF_8) + " " + in.getClass().getSimpleName();
            }
            default -> {
                java.io.ObjectInputStream o = new java.io.ObjectInputStream(gz);
                return "objects " + o.readObject() + " " + o.readObject() + " " + o.getClass().getSimpleName();
            }
        }
    }

    /**
     * Filters nested in filters, and the JDK's wrappers around them: a GZIPInputStream over a CipherInputStream, read
     * by a Scanner, a BufferedInputStream or an ObjectInputStream (and the output side mirrored).
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void nestedFiltersAndWrappersAroundThemOverlap() throws Exception {
        ScannerObjectsPatchTest.warmUpSerialization();
        int n = 30;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        Served run = servedTicking(n, s -> nestedServer(s), s -> nestedClient(s, next.getAndIncrement() % 3, delay));
        Ticked<List<String>> r = run.ticked;
        List<String> served = run.served;
        List<String> warnings = run.warnings;
        assertEquals(Collections.nCopies(n, "CipherOut"), r.value);
        List<String> got = new ArrayList<>(served);
        Collections.sort(got);
        List<String> want = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            want.add(List.of("buffered 10 20 30 x BufIn", "scanner 60 x", "objects [a, 1, 2] end ObjIn").get(i % 3));
        }
        Collections.sort(want);
        assertEquals(want, got);
        assertOverlapped(r, n, delay);
        assertEquals(List.of(), pinned(warnings), "no pinned call");
    }

    @Coroutine
    static Socket connect(int port) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port); // coro's socket, even on a plain thread
    }

    /**
     * Around other streams the filters are the JDK's classes; on a plain thread, around coro's sockets, their
     * calls are the JDK's own (blocking) calls, with the same results.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void plainThreadsAndOtherStreamsGetTheJdks() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String cls = Coro.run(() -> {
            GZIPOutputStream g = new GZIPOutputStream(b);
            g.write("abc".getBytes(UTF_8));
            g.close();
            GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.toByteArray()));
            return g.getClass().getName() + " " + in.getClass().getName() + " " + new String(in.readAllBytes(), UTF_8);
        });
        assertEquals("java.util.zip.GZIPOutputStream java.util.zip.GZIPInputStream abc", cls);
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            // coro's socket writes gzip on this thread; a JDK socket reads it on another
            java.util.concurrent.CompletableFuture<String> read = new java.util.concurrent.CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (Socket a = ss.accept()) {
                    read.complete(new String(new GZIPInputStream(a.getInputStream()).readAllBytes(), UTF_8));
                } catch (Throwable e) {
                    read.completeExceptionally(e);
                }
            });
            reader.start();
            try (Socket c = connect(ss.getLocalPort())) {
                assertEquals("GzOut", gzipClient(c, 3, 20));
            }
            assertEquals("hello 3 \u00e9t\u00e9\nsecond 3\nlast 3", read.get());
            // and the other way: coro's socket reads gzip on this thread, through the reader and the stream
            for (boolean lines : new boolean[] {true, false}) {
                Thread writer = new Thread(() -> {
                    try (Socket a = ss.accept()) {
                        GZIPOutputStream g = new GZIPOutputStream(a.getOutputStream(), true);
                        g.write("hello 5 x\n".getBytes(UTF_8));
                        g.flush();
                        Thread.sleep(50);
                        g.write("last 5".getBytes(UTF_8));
                        g.finish();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                try (Socket c = connect(ss.getLocalPort())) {
                    assertEquals("hello 5 x|last 5|", gzipServer(c, lines));
                }
                writer.join();
            }
        }
    }
}
