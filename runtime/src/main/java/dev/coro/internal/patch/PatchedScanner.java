package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.patch.ChannelStreams.CoopInput;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.util.Collections;
import java.util.Map;
import java.util.Scanner;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code java.util.Scanner} around a coro socket's stream (or one of coro's cooperative wrappers or readers around
 * one, or a stream or reader whose reads coro offloads: group {@code sockets}). A {@code Scanner} takes any
 * {@code IOException} of a read for the end of its input and keeps its half-matched buffer across reads, so a read
 * that finds nothing yet can be neither retried nor rolled back; and the class is final. So, gevent's threadpool
 * way: {@code new Scanner(in[, charset])} and {@code new Scanner(readable)} at patched call sites are the JDK's
 * constructors, and a Scanner made around such a source is remembered (weakly, by identity); in a coroutine, that
 * Scanner's methods that may read ({@code next*}, {@code hasNext*}, {@code nextLine}, {@code findInLine},
 * {@code findWithinHorizon}, {@code skip}) at patched call sites run on a worker thread of
 * {@link CoopObjects#EXECUTOR} while the task suspends, where the socket's stream blocks as on a plain thread. The
 * JDK's code does everything: the values, {@code NoSuchElementException}, {@code InputMismatchException},
 * {@code ioException()}, {@code SO_TIMEOUT} (a {@code SocketTimeoutException} the Scanner takes for the end of
 * input, as the JDK's does). The cost is a thread hand-off per call, even for a token already buffered. One call
 * at a time is handed over, with happens-before both ways: two tasks must not use one Scanner at once, as two
 * threads must not. Every other Scanner's calls, and every call on a plain thread, are the JDK's.
 * <p>
 * Not covered: a Scanner used through its {@code Iterator} type, {@code tokens()}/{@code findAll()} streams (JDK
 * frames drive them), {@code new Scanner(ReadableByteChannel)}, and Scanners made in unrewritten code.
 */
public final class PatchedScanner {
    private PatchedScanner() {
    }

    /** The Scanners made around cooperative sources; weak keys, and a Scanner's identity is its equality. */
    private static final Map<Scanner, Boolean> COOP = Collections.synchronizedMap(new WeakHashMap<>());
    /** Whether any Scanner was ever remembered: until then no call looks the map up. */
    private static volatile boolean any;

    private static Scanner remember(Scanner sc) {
        COOP.put(sc, Boolean.TRUE);
        any = true;
        return sc;
    }

    static boolean coop(Readable r) {
        return r instanceof CoopInput || r instanceof ChannelStreams.Text || r instanceof PatchedFileText.Offloaded;
    }

    /** Whether {@code sc} was made around a cooperative source. */
    static boolean isCoop(Scanner sc) {
        return any && sc != null && COOP.containsKey(sc);
    }

    public static Scanner newScanner(InputStream in) {
        Scanner sc = new Scanner(in);
        return CoopObjects.coop(in) ? remember(sc) : sc;
    }

    public static Scanner newScanner(InputStream in, String charsetName) {
        Scanner sc = new Scanner(in, charsetName);
        return CoopObjects.coop(in) ? remember(sc) : sc;
    }

    public static Scanner newScanner(InputStream in, Charset charset) {
        Scanner sc = new Scanner(in, charset);
        return CoopObjects.coop(in) ? remember(sc) : sc;
    }

    public static Scanner newScanner(Readable source) {
        Scanner sc = new Scanner(source);
        return coop(source) ? remember(sc) : sc;
    }

    /** A call on {@code sc}: on a worker if a coroutine makes it on a cooperative Scanner, else the JDK's, here. */
    @SuppressWarnings("unchecked")
    private static <T> T scan(Scanner sc, Stack st, Supplier<T> call) {
        boolean resuming = Suspend.isResuming(st);
        if (!resuming && (st.task() == null || !isCoop(sc))) {
            return call.get();
        }
        try {
            return (T) CoopObjects.offload(st, resuming ? null : call::get);
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException(e); // a Scanner's calls throw no checked exception
        }
    }

    public static boolean hasNext(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNext());
        return v == null ? false : v;
    }

    public static boolean hasNext(Scanner sc, String pattern, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNext(pattern));
        return v == null ? false : v;
    }

    public static boolean hasNext(Scanner sc, Pattern pattern, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNext(pattern));
        return v == null ? false : v;
    }

    public static String next(Scanner sc, Stack st) {
        return scan(sc, st, () -> sc.next());
    }

    public static String next(Scanner sc, String pattern, Stack st) {
        return scan(sc, st, () -> sc.next(pattern));
    }

    public static String next(Scanner sc, Pattern pattern, Stack st) {
        return scan(sc, st, () -> sc.next(pattern));
    }

    public static boolean hasNextLine(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextLine());
        return v == null ? false : v;
    }

    public static String nextLine(Scanner sc, Stack st) {
        return scan(sc, st, () -> sc.nextLine());
    }

    public static String findInLine(Scanner sc, String pattern, Stack st) {
        return scan(sc, st, () -> sc.findInLine(pattern));
    }

    public static String findInLine(Scanner sc, Pattern pattern, Stack st) {
        return scan(sc, st, () -> sc.findInLine(pattern));
    }

    public static String findWithinHorizon(Scanner sc, String pattern, int horizon, Stack st) {
        return scan(sc, st, () -> sc.findWithinHorizon(pattern, horizon));
    }

    public static String findWithinHorizon(Scanner sc, Pattern pattern, int horizon, Stack st) {
        return scan(sc, st, () -> sc.findWithinHorizon(pattern, horizon));
    }

    public static Scanner skip(Scanner sc, String pattern, Stack st) {
        return scan(sc, st, () -> sc.skip(pattern));
    }

    public static Scanner skip(Scanner sc, Pattern pattern, Stack st) {
        return scan(sc, st, () -> sc.skip(pattern));
    }

    public static boolean hasNextBoolean(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextBoolean());
        return v == null ? false : v;
    }

    public static boolean nextBoolean(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.nextBoolean());
        return v == null ? false : v;
    }

    public static boolean hasNextByte(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextByte());
        return v == null ? false : v;
    }

    public static boolean hasNextByte(Scanner sc, int radix, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextByte(radix));
        return v == null ? false : v;
    }

    public static byte nextByte(Scanner sc, Stack st) {
        Byte v = scan(sc, st, () -> sc.nextByte());
        return v == null ? 0 : v;
    }

    public static byte nextByte(Scanner sc, int radix, Stack st) {
        Byte v = scan(sc, st, () -> sc.nextByte(radix));
        return v == null ? 0 : v;
    }

    public static boolean hasNextShort(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextShort());
        return v == null ? false : v;
    }

    public static boolean hasNextShort(Scanner sc, int radix, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextShort(radix));
        return v == null ? false : v;
    }

    public static short nextShort(Scanner sc, Stack st) {
        Short v = scan(sc, st, () -> sc.nextShort());
        return v == null ? 0 : v;
    }

    public static short nextShort(Scanner sc, int radix, Stack st) {
        Short v = scan(sc, st, () -> sc.nextShort(radix));
        return v == null ? 0 : v;
    }

    public static boolean hasNextInt(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextInt());
        return v == null ? false : v;
    }

    public static boolean hasNextInt(Scanner sc, int radix, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextInt(radix));
        return v == null ? false : v;
    }

    public static int nextInt(Scanner sc, Stack st) {
        Integer v = scan(sc, st, () -> sc.nextInt());
        return v == null ? 0 : v;
    }

    public static int nextInt(Scanner sc, int radix, Stack st) {
        Integer v = scan(sc, st, () -> sc.nextInt(radix));
        return v == null ? 0 : v;
    }

    public static boolean hasNextLong(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextLong());
        return v == null ? false : v;
    }

    public static boolean hasNextLong(Scanner sc, int radix, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextLong(radix));
        return v == null ? false : v;
    }

    public static long nextLong(Scanner sc, Stack st) {
        Long v = scan(sc, st, () -> sc.nextLong());
        return v == null ? 0 : v;
    }

    public static long nextLong(Scanner sc, int radix, Stack st) {
        Long v = scan(sc, st, () -> sc.nextLong(radix));
        return v == null ? 0 : v;
    }

    public static boolean hasNextFloat(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextFloat());
        return v == null ? false : v;
    }

    public static float nextFloat(Scanner sc, Stack st) {
        Float v = scan(sc, st, () -> sc.nextFloat());
        return v == null ? 0 : v;
    }

    public static boolean hasNextDouble(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextDouble());
        return v == null ? false : v;
    }

    public static double nextDouble(Scanner sc, Stack st) {
        Double v = scan(sc, st, () -> sc.nextDouble());
        return v == null ? 0 : v;
    }

    public static boolean hasNextBigInteger(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextBigInteger());
        return v == null ? false : v;
    }

    public static boolean hasNextBigInteger(Scanner sc, int radix, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextBigInteger(radix));
        return v == null ? false : v;
    }

    public static BigInteger nextBigInteger(Scanner sc, Stack st) {
        return scan(sc, st, () -> sc.nextBigInteger());
    }

    public static BigInteger nextBigInteger(Scanner sc, int radix, Stack st) {
        return scan(sc, st, () -> sc.nextBigInteger(radix));
    }

    public static boolean hasNextBigDecimal(Scanner sc, Stack st) {
        Boolean v = scan(sc, st, () -> sc.hasNextBigDecimal());
        return v == null ? false : v;
    }

    public static BigDecimal nextBigDecimal(Scanner sc, Stack st) {
        return scan(sc, st, () -> sc.nextBigDecimal());
    }

    // ---- plain forms (a patched call kept blocking): the JDK's call ----

    public static boolean hasNext(Scanner sc) {
        return sc.hasNext();
    }

    public static boolean hasNext(Scanner sc, String pattern) {
        return sc.hasNext(pattern);
    }

    public static boolean hasNext(Scanner sc, Pattern pattern) {
        return sc.hasNext(pattern);
    }

    public static String next(Scanner sc) {
        return sc.next();
    }

    public static String next(Scanner sc, String pattern) {
        return sc.next(pattern);
    }

    public static String next(Scanner sc, Pattern pattern) {
        return sc.next(pattern);
    }

    public static boolean hasNextLine(Scanner sc) {
        return sc.hasNextLine();
    }

    public static String nextLine(Scanner sc) {
        return sc.nextLine();
    }

    public static String findInLine(Scanner sc, String pattern) {
        return sc.findInLine(pattern);
    }

    public static String findInLine(Scanner sc, Pattern pattern) {
        return sc.findInLine(pattern);
    }

    public static String findWithinHorizon(Scanner sc, String pattern, int horizon) {
        return sc.findWithinHorizon(pattern, horizon);
    }

    public static String findWithinHorizon(Scanner sc, Pattern pattern, int horizon) {
        return sc.findWithinHorizon(pattern, horizon);
    }

    public static Scanner skip(Scanner sc, String pattern) {
        return sc.skip(pattern);
    }

    public static Scanner skip(Scanner sc, Pattern pattern) {
        return sc.skip(pattern);
    }

    public static boolean hasNextBoolean(Scanner sc) {
        return sc.hasNextBoolean();
    }

    public static boolean nextBoolean(Scanner sc) {
        return sc.nextBoolean();
    }

    public static boolean hasNextByte(Scanner sc) {
        return sc.hasNextByte();
    }

    public static boolean hasNextByte(Scanner sc, int radix) {
        return sc.hasNextByte(radix);
    }

    public static byte nextByte(Scanner sc) {
        return sc.nextByte();
    }

    public static byte nextByte(Scanner sc, int radix) {
        return sc.nextByte(radix);
    }

    public static boolean hasNextShort(Scanner sc) {
        return sc.hasNextShort();
    }

    public static boolean hasNextShort(Scanner sc, int radix) {
        return sc.hasNextShort(radix);
    }

    public static short nextShort(Scanner sc) {
        return sc.nextShort();
    }

    public static short nextShort(Scanner sc, int radix) {
        return sc.nextShort(radix);
    }

    public static boolean hasNextInt(Scanner sc) {
        return sc.hasNextInt();
    }

    public static boolean hasNextInt(Scanner sc, int radix) {
        return sc.hasNextInt(radix);
    }

    public static int nextInt(Scanner sc) {
        return sc.nextInt();
    }

    public static int nextInt(Scanner sc, int radix) {
        return sc.nextInt(radix);
    }

    public static boolean hasNextLong(Scanner sc) {
        return sc.hasNextLong();
    }

    public static boolean hasNextLong(Scanner sc, int radix) {
        return sc.hasNextLong(radix);
    }

    public static long nextLong(Scanner sc) {
        return sc.nextLong();
    }

    public static long nextLong(Scanner sc, int radix) {
        return sc.nextLong(radix);
    }

    public static boolean hasNextFloat(Scanner sc) {
        return sc.hasNextFloat();
    }

    public static float nextFloat(Scanner sc) {
        return sc.nextFloat();
    }

    public static boolean hasNextDouble(Scanner sc) {
        return sc.hasNextDouble();
    }

    public static double nextDouble(Scanner sc) {
        return sc.nextDouble();
    }

    public static boolean hasNextBigInteger(Scanner sc) {
        return sc.hasNextBigInteger();
    }

    public static boolean hasNextBigInteger(Scanner sc, int radix) {
        return sc.hasNextBigInteger(radix);
    }

    public static BigInteger nextBigInteger(Scanner sc) {
        return sc.nextBigInteger();
    }

    public static BigInteger nextBigInteger(Scanner sc, int radix) {
        return sc.nextBigInteger(radix);
    }

    public static boolean hasNextBigDecimal(Scanner sc) {
        return sc.hasNextBigDecimal();
    }

    public static BigDecimal nextBigDecimal(Scanner sc) {
        return sc.nextBigDecimal();
    }

}
