package dev.coro.tests.patching.conformance;

import dev.coro.Coroutine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OptionalDataException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Scanner;
import java.util.zip.CRC32;

/**
 * {@code Scanner}, {@code ObjectInputStream} and {@code ObjectOutputStream} around a socket's streams, written once
 * in ordinary code, each scenario returning a transcript; {@link ScannerObjectConformanceTest} runs them as the JDK
 * does (an unrewritten copy), rewritten on a plain thread, rewritten in coroutines, and all at once on one loop.
 * Same rules as {@link Scenarios}: no lambdas or nested classes, nothing timing-dependent in the output.
 */
public final class ScannerObjectScenarios {
    private ScannerObjectScenarios() {
    }

    @Coroutine
    public static String run(String name, int port) throws Exception {
        switch (name) {
            case "scanTokens":
                return scanTokens(port);
            case "scanEofMidLine":
                return scanEofMidLine(port);
            case "scanTimeout":
                return scanTimeout(port);
            case "scanClose":
                return scanClose(port);
            case "scanReaders":
                return scanReaders(port);
            case "objectsIn":
                return objectsIn(port);
            case "objectsCut":
                return objectsCut(port);
            case "objectsTimeout":
                return objectsTimeout(port);
            case "objectsOut":
                return objectsOut(port, false);
            case "objectsOutBuffered":
                return objectsOut(port, true);
            case "objectsEcho":
                return objectsEcho(port);
            default:
                throw new IllegalArgumentException("no scenario " + name);
        }
    }

    @Coroutine
    static Socket connect(int port) throws IOException {
        return new Socket(java.net.InetAddress.getLoopbackAddress(), port);
    }

    static String ex(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    /** Tokens of every kind, mismatches, and the last token cut by the end of input. */
    public static byte[] scanText() {
        return ("alpha 12 -7 3.5 true 0x1F\nsecond line \u00e9\u20ac \uD83D\uDE00\n  77 abc 9999999999 128 12,5\n"
                + " 42 tail-no-newline 123").getBytes(StandardCharsets.UTF_8);
    }

    @Coroutine
    static String scanTokens(int port) throws Exception {
        try (Socket s = connect(port)) {
            Scanner sc = new Scanner(s.getInputStream(), StandardCharsets.UTF_8);
            sc.useLocale(Locale.ROOT);
            StringBuilder log = new StringBuilder();
            log.append(sc.next()).append('|').append(sc.nextInt()).append('|').append(sc.nextLong()).append('|')
                    .append(sc.nextDouble()).append('|').append(sc.nextBoolean()).append('|')
                    .append(sc.hasNextInt(16)).append('|').append(sc.next()).append('\n');
            log.append('[').append(sc.nextLine()).append("][").append(sc.nextLine()).append("]\n");
            log.append(sc.nextInt()).append('\n');
            try {
                sc.nextInt();
            } catch (java.util.InputMismatchException e) {
                log.append(ex(e)).append('\n');
            }
            log.append(sc.findInLine("a.c")).append(' ').append(sc.hasNextInt()).append(' ').append(sc.hasNextLong())
                    .append(' ')
                    .append(sc.nextLong()).append('\n');
            try {
                sc.nextByte();
            } catch (java.util.InputMismatchException e) {
                log.append(ex(e)).append('\n');
            }
            log.append(sc.nextShort()).append(' ').append(sc.hasNextDouble()).append(' ').append(sc.hasNextBigDecimal())
                    .append(' ').append(sc.next()).append('\n');
            log.append(sc.findWithinHorizon("4\\d", 0)).append(' ').append(sc.skip("\\s*tail").next()).append(' ')
                    .append(sc.hasNextBigInteger()).append(' ').append(sc.nextBigInteger()).append('\n');
            log.append(sc.hasNext()).append(' ').append(sc.hasNextLine()).append(' ')
                    .append(sc.findWithinHorizon("x", 0)).append(' ').append(sc.ioException()).append('\n');
            try {
                sc.next();
            } catch (java.util.NoSuchElementException e) {
                log.append(ex(e)).append('\n');
            }
            try {
                sc.nextLine();
            } catch (java.util.NoSuchElementException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    @Coroutine
    static String scanEofMidLine(int port) throws Exception {
        try (Socket s = connect(port)) {
            Scanner sc = new Scanner(s.getInputStream(), "UTF-8");
            StringBuilder log = new StringBuilder();
            while (sc.hasNextLine()) {
                log.append('[').append(sc.nextLine()).append(']');
            }
            log.append(' ').append(sc.hasNext()).append(' ').append(sc.ioException()).append('\n');
            try {
                sc.nextLine();
            } catch (java.util.NoSuchElementException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /** SO_TIMEOUT: the Scanner takes the timeout for the end of input, and keeps it in ioException(). */
    @Coroutine
    static String scanTimeout(int port) throws Exception {
        try (Socket s = connect(port)) {
            s.setSoTimeout(300);
            Scanner sc = new Scanner(s.getInputStream());
            StringBuilder log = new StringBuilder();
            log.append(sc.next()).append(' ').append(sc.hasNext()).append(' ').append(sc.next()).append(' ')
                    .append(sc.hasNext()).append(' ').append(sc.ioException()).append('\n');
            try {
                sc.next();
            } catch (java.util.NoSuchElementException e) {
                log.append(ex(e)).append('\n');
            }
            log.append("socket closed=").append(s.isClosed()).append('\n');
            return log.toString();
        }
    }

    @Coroutine
    static String scanClose(int port) throws Exception {
        try (Socket s = connect(port)) {
            Scanner sc = new Scanner(s.getInputStream());
            StringBuilder log = new StringBuilder();
            log.append(sc.next()).append('\n');
            sc.close();
            log.append("socket closed=").append(s.isClosed()).append(' ').append(sc.ioException()).append('\n');
            try {
                sc.hasNext();
            } catch (IllegalStateException e) {
                log.append(ex(e)).append('\n');
            }
            try {
                sc.nextInt();
            } catch (IllegalStateException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    /** Scanners over coro's readers and buffered streams, with other delimiters. */
    @Coroutine
    static String scanReaders(int port) throws Exception {
        try (Socket s = connect(port)) {
            Scanner sc = new Scanner(new BufferedReader(new InputStreamReader(new BufferedInputStream(
                    s.getInputStream()), StandardCharsets.UTF_8), 7));
            sc.useDelimiter("[ \\n]+");
            StringBuilder log = new StringBuilder();
            int n = 0;
            while (sc.hasNext()) {
                if (sc.hasNextInt()) {
                    log.append('#').append(sc.nextInt());
                } else {
                    log.append('<').append(sc.next()).append('>');
                }
                if (++n % 5 == 0) {
                    log.append('\n');
                }
            }
            log.append("\nend ").append(sc.hasNextLine()).append(' ').append(sc.ioException()).append('\n');
            return log.toString();
        }
    }

    /** What an ObjectOutputStream writes: objects, shared and unshared, primitives, a reset, raw bytes. */
    public static byte[] objectBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ObjectOutputStream o = new ObjectOutputStream(b);
        o.writeObject("hello \u00e9\u20ac");
        o.writeInt(42);
        List<Object> list = new ArrayList<>();
        list.add(1);
        list.add("two");
        list.add(3.0);
        list.add(new int[] {4, 5});
        o.writeObject(list);
        o.writeUTF("utf \uD83D\uDE00");
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("k", list);
        map.put("n", null);
        o.writeObject(map);
        o.writeUnshared("unshared");
        o.reset();
        o.writeObject(list);
        o.writeLong(-9L);
        o.write(new byte[] {9, 8, 7, 6, 5});
        o.writeObject(new java.math.BigDecimal("12.50"));
        o.close();
        return b.toByteArray();
    }

    private static String show(Object o) {
        if (o instanceof List) {
            StringBuilder b = new StringBuilder("[");
            for (Object e : (List<?>) o) {
                b.append(show(e)).append(',');
            }
            return b.append(']').toString();
        }
        if (o instanceof int[]) {
            return Arrays.toString((int[]) o);
        }
        if (o instanceof Map) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                b.append(e.getKey()).append('=').append(show(e.getValue())).append(',');
            }
            return b.append('}').toString();
        }
        return o == null ? "null" : o.getClass().getSimpleName() + ":" + o;
    }

    @Coroutine
    static String objectsIn(int port) throws Exception {
        try (Socket s = connect(port)) {
            ObjectInputStream in = new ObjectInputStream(s.getInputStream());
            StringBuilder log = new StringBuilder();
            log.append(show(in.readObject())).append('\n');
            try {
                in.readObject();
            } catch (OptionalDataException e) {
                log.append("OptionalDataException eof=").append(e.eof).append(" length=").append(e.length).append('\n');
            }
            log.append(in.readInt()).append('\n');
            Object list = in.readObject();
            log.append(show(list)).append(' ').append(in.readUTF()).append('\n');
            Map<?, ?> map = (Map<?, ?>) in.readObject();
            log.append(show(map)).append(" shared=").append(map.get("k") == list).append('\n');
            log.append(show(in.readObject())).append('\n');
            Object again = in.readObject();
            log.append(show(again)).append(" same after reset=").append(again == list).append('\n');
            log.append(in.readLong()).append(' ');
            byte[] raw = new byte[5];
            in.readFully(raw);
            log.append(Arrays.toString(raw)).append(' ').append(show(in.readUnshared())).append('\n');
            try {
                in.readObject();
            } catch (java.io.EOFException e) {
                log.append(ex(e)).append('\n');
            }
            log.append("read at eof ").append(in.read()).append('\n');
            in.close();
            log.append("socket closed=").append(s.isClosed()).append('\n');
            return log.toString();
        }
    }

    /** The stream cut in the middle of an object, then in the middle of a primitive. */
    @Coroutine
    static String objectsCut(int port) throws Exception {
        try (Socket s = connect(port)) {
            ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(s.getInputStream()));
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                try {
                    log.append(show(in.readObject())).append('\n');
                } catch (OptionalDataException e) {
                    log.append("data ").append(e.length).append(' ').append(e.eof).append(" skipped ")
                            .append(in.skipBytes(e.length)).append('\n');
                } catch (IOException e) {
                    log.append(ex(e)).append('\n');
                    break;
                }
            }
            try {
                log.append(in.readInt());
            } catch (IOException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }

    @Coroutine
    static String objectsTimeout(int port) throws Exception {
        try (Socket s = connect(port)) {
            s.setSoTimeout(250);
            StringBuilder log = new StringBuilder();
            try {
                new ObjectInputStream(s.getInputStream());
                log.append("no header expected\n");
            } catch (IOException e) {
                log.append(ex(e)).append('\n');
            }
            log.append("socket closed=").append(s.isClosed()).append('\n');
            return log.toString();
        }
    }

    /** Large object graphs to a slow reader; it answers with the CRC32 and count of what it got. */
    @Coroutine
    static String objectsOut(int port, boolean buffered) throws Exception {
        try (Socket s = connect(port)) {
            ObjectOutputStream out = new ObjectOutputStream(buffered
                    ? new BufferedOutputStream(s.getOutputStream(), 4096) : s.getOutputStream());
            ByteArrayOutputStream mirrorBytes = new ByteArrayOutputStream();
            ObjectOutputStream mirror = new ObjectOutputStream(mirrorBytes);
            List<String> big = new ArrayList<>();
            for (int i = 0; i < 30000; i++) {
                big.add("item " + i + " \u00e9");
            }
            for (int round = 0; round < 3; round++) {
                out.writeObject(big);
                mirror.writeObject(big);
                out.writeInt(round);
                mirror.writeInt(round);
                out.writeUnshared(new ArrayList<>(big.subList(0, 10 + round)));
                mirror.writeUnshared(new ArrayList<>(big.subList(0, 10 + round)));
                out.reset();
                mirror.reset();
            }
            out.writeUTF("done");
            mirror.writeUTF("done");
            out.flush();
            mirror.flush();
            s.shutdownOutput();
            DataInputStream answer = new DataInputStream(s.getInputStream());
            long crc = answer.readLong();
            long count = answer.readLong();
            CRC32 expected = new CRC32();
            expected.update(mirrorBytes.toByteArray());
            StringBuilder log = new StringBuilder();
            log.append("count ").append(count).append(" as written ").append(count == mirrorBytes.size())
                    .append(", crc as written ").append(crc == expected.getValue()).append('\n');
            try {
                out.writeUTF("after");
                out.flush();
                log.append("write after shutdownOutput: no exception\n");
            } catch (IOException e) {
                log.append("write after shutdownOutput: ").append(e).append('\n');
            }
            return log.toString();
        }
    }

    /** Both directions on one connection (an echoing peer): the header first, then objects back and forth. */
    @Coroutine
    static String objectsEcho(int port) throws Exception {
        try (Socket s = connect(port)) {
            ObjectOutputStream out = new ObjectOutputStream(s.getOutputStream());
            ObjectInputStream in = new ObjectInputStream(s.getInputStream()); // reads our own header back
            StringBuilder log = new StringBuilder();
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                list.add("v" + i);
                out.writeObject(list);
                out.reset();
                log.append(show(in.readObject())).append('\n');
                out.writeDouble(i / 3.0);
                out.flush();
                log.append(in.readDouble()).append('\n');
            }
            s.shutdownOutput();
            try {
                in.readObject();
            } catch (java.io.EOFException e) {
                log.append(ex(e)).append('\n');
            }
            return log.toString();
        }
    }
}
