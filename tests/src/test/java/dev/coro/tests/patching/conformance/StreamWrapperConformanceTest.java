package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.tests.patching.conformance.plain.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;


import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The stream-wrapper half of the conformance suite: every {@link StreamWrapperScenarios} scenario (readers, writers,
 * {@code PrintWriter}, {@code Data/Buffered} streams around a socket's streams, against trickling and slow peers)
 * runs as the JDK runs it (an unrewritten copy), rewritten on a plain thread, rewritten inside a coroutine, and all
 * at once as tasks of one loop; every transcript must equal the JDK's.
 */
@Timeout(180)
class StreamWrapperConformanceTest {
    static final String[] NAMES = {"lines", "linesStrict", "chars", "frames", "printWriter", "bufferedWriter",
        "dataOut", "printStream", "printStreamBuffered",
        "pushbackStream", "pushbackReader", "streamLoops", "lineNumbers", "lineNumbersAround", "dataLines",
        "readerLoops", "bufferMarks"};

    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new Harness(StreamWrapperScenarios.class)
                .peer("lines", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("linesStrict", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("chars", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("frames", Peer.start(Peer.trickle(StreamWrapperScenarios.frameBytes())))
                .peer("printWriter", Peer.start(Peer.slowSink()))
                .peer("bufferedWriter", Peer.start(Peer.slowSink()))
                .peer("dataOut", Peer.start(Peer.slowSink()))
                .peer("printStream", Peer.start(Peer.slowSink()))
                .peer("printStreamBuffered", Peer.start(Peer.slowSink()))
                .peer("pushbackStream", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("pushbackReader", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("streamLoops", Peer.start(Peer.trickle(StreamWrapperScenarios.frameBytes())))
                .peer("lineNumbers", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("lineNumbersAround", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("dataLines", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("readerLoops", Peer.start(Peer.trickle(StreamWrapperScenarios.text())))
                .peer("bufferMarks", Peer.start(Peer.trickle(StreamWrapperScenarios.text())));
    }

    @AfterAll
    static void stop() throws Exception {
        harness.close();
    }

    static int port(String name) {
        return harness.port(name);
    }

    static String[] names() {
        return NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void sameTranscriptAsTheJdk(String name) throws Exception {
        String expected = harness.jdk(name);
        System.out.println("== " + name + " (JDK)\n" + expected);
        assertEquals(expected, StreamWrapperScenarios.run(name, port(name)),
                name + ": rewritten code on a plain thread");
        String inCoroutine = Coro.run(() -> StreamWrapperScenarios.run(name, port(name)));
        assertEquals(expected, inCoroutine, name + ": rewritten code in a coroutine");
    }

    /** The coroutine runs above really go through coro's sockets and wrappers (the JDK's run through the JDK's). */
    @Test
    void inACoroutineTheScenariosUseCorosSocketsAndWrappers() throws Exception {
        String got = Coro.run(() -> {
            try (java.net.Socket s = StreamWrapperScenarios.connect(port("printWriter"))) {
                return s.getClass().getName() + " " + new java.io.PrintWriter(s.getOutputStream()).getClass().getName();
            }
        });
        assertEquals("dev.coro.internal.net.CoSocket dev.coro.internal.patch.SocketStreams$PrintOut", got);
    }

    @Test
    void inACoroutineAPrintStreamAroundASocketStreamIsCoros() throws Exception {
        String got = Coro.run(() -> {
            try (java.net.Socket s = StreamWrapperScenarios.connect(port("printStream"))) {
                return new java.io.PrintStream(s.getOutputStream(), true).getClass().getName() + " "
                        + new java.io.PrintStream(new java.io.BufferedOutputStream(s.getOutputStream()), false,
                        "UTF-8").getClass().getName();
            }
        });
        assertEquals("dev.coro.internal.patch.SocketStreams$PrintStreamOut "
                + "dev.coro.internal.patch.SocketStreams$PrintStreamOut", got);
    }

    @Test
    void inACoroutinePushbackWrappersAroundASocketStreamAreCoros() throws Exception {
        String got = Coro.run(() -> {
            try (java.net.Socket s = StreamWrapperScenarios.connect(port("pushbackStream"))) {
                return new java.io.PushbackInputStream(s.getInputStream()).getClass().getName() + " "
                        + new java.io.PushbackReader(new java.io.InputStreamReader(s.getInputStream()), 3).getClass()
                        .getName();
            }
        });
        assertEquals("dev.coro.internal.patch.SocketStreams$PushbackIn "
                + "dev.coro.internal.patch.SocketStreams$PushbackText", got);
    }

    @Test
    void inACoroutineLineNumberReadersAroundCorosReadersAreCoros() throws Exception {
        String got = Coro.run(() -> {
            try (java.net.Socket s = StreamWrapperScenarios.connect(port("lineNumbers"))) {
                java.io.InputStreamReader isr = new java.io.InputStreamReader(s.getInputStream());
                return new java.io.LineNumberReader(isr).getClass().getName() + " "
                        + new java.io.LineNumberReader(new java.io.BufferedReader(isr), 5).getClass().getName() + " "
                        + new java.io.LineNumberReader(new java.io.StringReader("x")).getClass().getName();
            }
        });
        assertEquals("dev.coro.internal.patch.CoopReaders$LineCounter dev.coro.internal.patch.CoopReaders$LineCounter "
                + "java.io.LineNumberReader", got);
    }

    @Test
    void allScenariosAtOnceOnOneLoop() throws Exception {
        assertEquals(harness.jdkAll(NAMES), Harness.allAtOnce(NAMES, n -> StreamWrapperScenarios.run(n, port(n))));
    }
}
