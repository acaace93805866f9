package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.tests.patching.conformance.plain.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.io.LineNumberReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.PushbackInputStream;
import java.io.PushbackReader;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The stream-wrapper conformance suite over socket channels: every {@link ChannelWrapperScenarios} scenario (the
 * JDK's readers, writers, {@code PrintWriter}/{@code PrintStream}, {@code Data/Buffered/Pushback} streams and
 * {@code LineNumberReader} around {@code Channels.newInputStream/newOutputStream} of a blocking
 * {@code SocketChannel}, against trickling and slow peers; the user's non-blocking mode; a closed channel) runs as
 * the JDK runs it (an unrewritten copy of both scenario classes), rewritten on a plain thread, rewritten inside a
 * coroutine, and all at once as tasks of one loop; every transcript must equal the JDK's.
 */
@Timeout(180)
class ChannelWrapperConformanceTest {
    static final String[] NAMES = {"lines", "linesStrict", "chars", "frames", "printWriter", "bufferedWriter",
        "dataOut", "printStream", "printStreamBuffered", "pushbackStream", "pushbackReader", "streamLoops",
        "lineNumbers", "lineNumbersAround", "dataLines", "readerLoops", "bufferMarks", "nonBlocking", "closedChannel",
        "rawLoops"};

    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new Harness(ChannelWrapperScenarios.class, StreamWrapperScenarios.class);
        for (String n : new String[] {"lines", "linesStrict", "chars", "pushbackStream", "pushbackReader",
            "lineNumbers", "lineNumbersAround", "dataLines", "readerLoops", "bufferMarks"}) {
            harness.peer(n, Peer.start(Peer.trickle(StreamWrapperScenarios.text())));
        }
        for (String n : new String[] {"frames", "streamLoops", "rawLoops"}) {
            harness.peer(n, Peer.start(Peer.trickle(StreamWrapperScenarios.frameBytes())));
        }
        for (String n : new String[] {"printWriter", "bufferedWriter", "dataOut", "printStream",
            "printStreamBuffered"}) {
            harness.peer(n, Peer.start(Peer.slowSink()));
        }
        harness.peer("nonBlocking", Peer.start(Peer.slowSink())).peer("closedChannel", Peer.start(Peer.stall()));
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
        assertEquals(expected, ChannelWrapperScenarios.run(name, port(name)),
                name + ": rewritten code on a plain thread");
        String inCoroutine = Coro.run(() -> ChannelWrapperScenarios.run(name, port(name)));
        assertEquals(expected, inCoroutine, name + ": rewritten code in a coroutine");
    }

    /** The coroutine runs above really go through coro's channel streams and cooperative wrappers. */
    @Test
    void inACoroutineTheWrappersAroundChannelStreamsAreCoros() throws Exception {
        String got = Coro.run(() -> {
            try (SocketChannel s = ChannelWrapperScenarios.connect(port("lines"))) {
                List<String> names = new ArrayList<>();
                for (Object o : new Object[] {
                    Channels.newInputStream(s),
                    Channels.newOutputStream(s),
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(s))),
                    new LineNumberReader(new InputStreamReader(Channels.newInputStream(s))),
                    new PushbackReader(new InputStreamReader(Channels.newInputStream(s))),
                    new DataInputStream(new BufferedInputStream(Channels.newInputStream(s))),
                    new PushbackInputStream(Channels.newInputStream(s)),
                    new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(s))),
                    new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(s))),
                    new PrintWriter(Channels.newOutputStream(s), true),
                    new PrintStream(Channels.newOutputStream(s), true)}) {
                    names.add(o.getClass().getName().replace("dev.coro.internal.patch.", ""));
                }
                return String.join(" ", names);
            }
        });
        assertEquals("ChannelStreams$In ChannelStreams$Out ChannelStreams$LineReader CoopReaders$LineCounter "
                + "SocketStreams$PushbackText SocketStreams$DataIn SocketStreams$PushbackIn ChannelStreams$LineWriter "
                + "SocketStreams$DataOut SocketStreams$PrintOut SocketStreams$PrintStreamOut", got);
    }

    @Test
    void allScenariosAtOnceOnOneLoop() throws Exception {
        assertEquals(harness.jdkAll(NAMES), Harness.allAtOnce(NAMES, n -> ChannelWrapperScenarios.run(n, port(n))));
    }
}
