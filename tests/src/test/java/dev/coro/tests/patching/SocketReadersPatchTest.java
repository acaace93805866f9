package dev.coro.tests.patching;

import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.LineNumberReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PushbackReader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coro.Coroutine;

import static dev.coro.tests.patching.SocketWrappersMorePatchTest.assertOverlapped;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.serveAndConnect;
import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code LineNumberReader} around coro's readers, {@code DataInputStream.readLine}, and {@code skip}/{@code transferTo}
 * of coro's readers, in coroutines: many clients on one loop overlap (each waits on the loop, a ticker keeps
 * ticking), with the JDK's results; a {@code \r} at the end of one socket read and its {@code \n} at the start of a
 * later one count as one line end.
 */
@Timeout(120)
class SocketReadersPatchTest {
    /** Sends {@code parts}, {@code delayMs} apart, flushed one by one (a part may end in '\r', the next start '\n'). */
    @Coroutine
    static String sendSlowly(Socket s, long delayMs, String... parts) throws IOException, InterruptedException {
        s.setTcpNoDelay(true);
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                Thread.sleep(delayMs);
            }
            out.write(parts[i].getBytes(UTF_8));
            out.flush();
        }
        s.shutdownOutput();
        return "sent";
    }

    /** read() over a '\r' whose '\n' comes later, then readLine, each line with its number. */
    @Coroutine
    static String lineNumberClient(Socket s, int i) throws IOException {
        LineNumberReader r = new LineNumberReader(new InputStreamReader(s.getInputStream(), UTF_8));
        StringBuilder log = new StringBuilder(r.getClass().getSimpleName()).append(' ');
        for (int c; (c = r.read()) != '\n';) {
            log.append((char) c);
        }
        log.append('@').append(r.getLineNumber());
        for (String line; (line = r.readLine()) != null;) {
            log.append('|').append(line).append('@').append(r.getLineNumber());
        }
        return log.append('|').append(r.read()).append('@').append(r.getLineNumber()).toString();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a loop blocked in a JDK frame hangs here
    void fortyFiveLineNumberReadersOverlapOnOneLoopAndCountSplitCrLfOnce() {
        int n = 45;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> {
            int i = next.getAndIncrement();
            return sendSlowly(s, delay, "client " + i + "\r", "\nsecond \u00e9\r", "\nthird\n\r", "\nlast " + i);
        }, s -> lineNumberClient(s, 0)));
        List<String> got = new ArrayList<>(r.value);
        got.sort(null);
        for (int k = 0; k < n; k++) {
            String line = got.get(k);
            int i = Integer.parseInt(line.split(" ")[2].split("@")[0]);
            assertEquals("LineCounter client " + i + "@1|second \u00e9@2|third@3|@4|last " + i + "@5|-1@5", line);
        }
        assertOverlapped(r, n, 3 * delay);
    }

    /** DataInputStream.readLine over a '\r' whose next byte comes later, then a lone '\r'. */
    @Coroutine
    @SuppressWarnings("deprecation")
    static String dataLineClient(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        StringBuilder log = new StringBuilder();
        for (String line; (line = in.readLine()) != null;) {
            log.append('[').append(line).append(']');
        }
        return log.append(in.read()).toString();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fortyFiveDataInputStreamReadLinesOverlapOnOneLoop() {
        int n = 45;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, s -> {
            int i = next.getAndIncrement();
            return sendSlowly(s, delay, "id " + i + "\r", "\nab\rc", "d\n\r", "x");
        }, SocketReadersPatchTest::dataLineClient));
        List<String> got = new ArrayList<>(r.value);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.substring(4, l.indexOf(']')))));
        for (int i = 0; i < n; i++) {
            assertEquals("[id " + i + "][ab][cd][][x]-1", got.get(i));
        }
        assertOverlapped(r, n, 3 * delay);
    }

    /**
     * An echo server written with Reader.transferTo into the socket's writer; clients that skip with a
     * LineNumberReader, a PushbackReader and a BufferedReader and transfer the rest: the client sends in three
     * parts, so every skip and transfer waits on the loop.
     */
    @Coroutine
    static String echoByTransferTo(Socket s) throws IOException {
        InputStreamReader in = new InputStreamReader(s.getInputStream(), UTF_8);
        Writer out = new OutputStreamWriter(s.getOutputStream(), UTF_8);
        long n = in.transferTo(out);
        out.flush();
        s.shutdownOutput();
        return "echoed " + n;
    }

    @Coroutine
    static String skipAndTransferClient(Socket s, int i, long delayMs) throws Exception {
        dev.coro.Task<String> sending = dev.coro.Coro.spawn(() -> sendSlowly(s, delayMs, "header " + i + "\r",
                "\nbody \u20ac " + i + "\n", "tail\r\n"));
        InputStreamReader isr = new InputStreamReader(s.getInputStream(), UTF_8);
        StringWriter w = new StringWriter();
        String result;
        switch (i % 3) {
            case 0: {
                LineNumberReader r = new LineNumberReader(isr);
                long k = r.skip(("header " + i + "\r\n").length());
                int line = r.getLineNumber();
                long t = r.transferTo(w);
                result = "lines skipped " + k + " line " + line + " transferred " + t + " line " + r.getLineNumber();
                break;
            }
            case 1: {
                PushbackReader r = new PushbackReader(isr, 2);
                int c = r.read();
                r.unread(c);
                long k = r.skip(("header " + i + "\r\n").length());
                long t = r.transferTo(w);
                result = "pushback skipped " + k + " transferred " + t;
                break;
            }
            default: {
                BufferedReader r = new BufferedReader(isr);
                long k = r.skip(("header " + i + "\r\n").length());
                long t = r.transferTo(w);
                result = "buffered skipped " + k + " transferred " + t;
                break;
            }
        }
        sending.join();
        return i + " " + result + " [" + w.toString().replace("\r", "\\r").replace("\n", "\\n") + "]";
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fortyFiveClientsSkipAndTransferOverlapOnOneLoop() {
        int n = 45;
        long delay = 100;
        AtomicInteger next = new AtomicInteger();
        Ticked<List<String>> r = ticking(() -> serveAndConnect(n, SocketReadersPatchTest::echoByTransferTo,
                s -> skipAndTransferClient(s, next.getAndIncrement(), delay)));
        List<String> got = new ArrayList<>(r.value);
        got.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split(" ")[0])));
        for (int i = 0; i < n; i++) {
            int skip = ("header " + i + "\r\n").length();
            String body = "body \u20ac " + i + "\\ntail\\r\\n";
            int t = ("body \u20ac " + i + "\ntail\r\n").length();
            String expected = i % 3 == 0 ? "lines skipped " + skip + " line 1 transferred " + t + " line 3"
                    : i % 3 == 1 ? "pushback skipped " + skip + " transferred " + t
                    : "buffered skipped " + skip + " transferred " + t;
            assertEquals(i + " " + expected + " [" + body + "]", got.get(i));
        }
        assertOverlapped(r, n, 2 * delay);
    }
}
