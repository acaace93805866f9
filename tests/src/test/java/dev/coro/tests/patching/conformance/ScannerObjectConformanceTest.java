package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.internal.Diagnostics;
import dev.coro.tests.patching.conformance.plain.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code Scanner} and object-stream half of the stream-wrapper conformance suite: every
 * {@link ScannerObjectScenarios} scenario (tokens and mismatches over a trickling peer, the end of input in the
 * middle of a token or a line, {@code SO_TIMEOUT}, close, object graphs in and out, a stream cut in the middle of an
 * object) runs as the JDK runs it (an unrewritten copy), rewritten on a plain thread, rewritten inside a coroutine,
 * and all at once as tasks of one loop; every transcript must equal the JDK's, and no coroutine run may block its
 * loop in a socket wait (no pinned-call warning).
 */
@Timeout(180)
class ScannerObjectConformanceTest {
    static final String[] NAMES = {"scanTokens", "scanEofMidLine", "scanTimeout", "scanClose", "scanReaders",
        "objectsIn", "objectsCut", "objectsTimeout", "objectsOut", "objectsOutBuffered", "objectsEcho"};

    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        byte[] objects = ScannerObjectScenarios.objectBytes();
        harness = new Harness(ScannerObjectScenarios.class)
                .peer("scanTokens", Peer.start(Peer.trickle(ScannerObjectScenarios.scanText())))
                .peer("scanEofMidLine", Peer.start(Peer.trickle("first\r\nsecond \u00e9\n\nfourth without newline"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .peer("scanTimeout", Peer.start(Peer.trickleThenStall("one two".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8))))
                .peer("scanClose", Peer.start(Peer.trickle(ScannerObjectScenarios.scanText())))
                .peer("scanReaders", Peer.start(Peer.trickle(ScannerObjectScenarios.scanText())))
                .peer("objectsIn", Peer.start(Peer.trickle(objects)))
                .peer("objectsCut", Peer.start(Peer.trickle(Arrays.copyOf(objects, objects.length * 2 / 3))))
                .peer("objectsTimeout", Peer.start(Peer.stall()))
                .peer("objectsOut", Peer.start(Peer.slowSink()))
                .peer("objectsOutBuffered", Peer.start(Peer.slowSink()))
                .peer("objectsEcho", Peer.start(Peer.echoUntilEof()));
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

    private static List<String> pinned(List<String> warnings) {
        List<String> out = new ArrayList<>();
        synchronized (warnings) {
            for (String w : warnings) {
                if (w.contains("blocked the loop thread")) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("names")
    void sameTranscriptAsTheJdk(String name) throws Exception {
        String expected = harness.jdk(name);
        System.out.println("== " + name + " (JDK)\n" + expected);
        assertEquals(expected, ScannerObjectScenarios.run(name, port(name)),
                name + ": rewritten code on a plain thread");
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Consumer<String> previous = Diagnostics.setSink(warnings::add);
        try {
            String inCoroutine = Coro.run(() -> ScannerObjectScenarios.run(name, port(name)));
            assertEquals(expected, inCoroutine, name + ": rewritten code in a coroutine");
        } finally {
            Diagnostics.setSink(previous);
        }
        assertEquals(List.of(), pinned(warnings), name + ": no socket wait blocked the loop");
    }

    /** The coroutine runs above really go through coro's object streams (the JDK's run through the JDK's). */
    @Test
    void inACoroutineTheObjectStreamsAroundASocketAreCoros() throws Exception {
        String got = Coro.run(() -> {
            try (java.net.Socket s = StreamWrapperScenarios.connect(port("objectsEcho"))) {
                java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(s.getOutputStream());
                java.io.ObjectInputStream in = new java.io.ObjectInputStream(s.getInputStream());
                java.io.ObjectOutputStream other = new java.io.ObjectOutputStream(new java.io.ByteArrayOutputStream());
                return out.getClass().getName() + " " + in.getClass().getName() + " " + other.getClass().getName();
            }
        });
        assertEquals("dev.coro.internal.patch.CoopObjects$ObjOut dev.coro.internal.patch.CoopObjects$ObjIn "
                + "java.io.ObjectOutputStream", got);
    }

    @Test
    void allScenariosAtOnceOnOneLoop() throws Exception {
        assertEquals(harness.jdkAll(NAMES), Harness.allAtOnce(NAMES, n -> ScannerObjectScenarios.run(n, port(n))));
    }
}
