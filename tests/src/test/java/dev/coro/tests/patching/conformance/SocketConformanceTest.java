package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conformance suite: every {@link Scenarios} scenario runs as the JDK runs it (an unrewritten copy of the
 * class), rewritten on a plain thread, and rewritten inside a coroutine, and all scenarios at once as tasks of one
 * loop; every transcript must equal the JDK's, byte for byte.
 */
class SocketConformanceTest {
    static final String[] NAMES = {"api", "refused", "readTimeout", "halfClose", "trickle", "closeMidMessage",
        "reset", "largeWrite"};

    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new Harness(Scenarios.class)
                .peer("readTimeout", Peer.start(Peer.stall()))
                .peer("halfClose", Peer.start(Peer.echoUntilEof()))
                .peer("trickle", Peer.start(Peer.trickle(Peer.pattern(300))))
                .peer("closeMidMessage", Peer.start(Peer.closeMidMessage(100, 40)))
                .peer("reset", Peer.start(Peer.resetAfterOneByte()))
                .peer("largeWrite", Peer.start(Peer.slowSink()));
    }

    @AfterAll
    static void stop() throws Exception {
        harness.close();
    }

    static int port(String name) {
        return harness.port(name);
    }

    /** The JDK's transcript: the unrewritten copy, on this thread. */
    static String jdk(String name) throws Exception {
        return harness.jdk(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"api", "refused", "readTimeout", "halfClose", "trickle", "closeMidMessage", "reset",
        "largeWrite"})
    void sameTranscriptAsTheJdk(String name) throws Exception {
        String expected = jdk(name);
        System.out.println("== " + name + " (JDK)\n" + expected);
        assertEquals(expected, Scenarios.run(name, port(name)), name + ": rewritten code on a plain thread");
        String inCoroutine = Coro.run(() -> Scenarios.run(name, port(name)));
        assertEquals(expected, inCoroutine, name + ": rewritten code in a coroutine");
    }

    @Test
    void allScenariosAtOnceOnOneLoop() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String n : NAMES) {
            expected.put(n, jdk(n));
        }
        Map<String, String> got = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (String n : NAMES) {
                tasks.add(Coro.spawn(() -> Scenarios.run(n, port(n))));
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i < NAMES.length; i++) {
                out.put(NAMES[i], tasks.get(i).join());
            }
            return out;
        });
        assertEquals(expected, got);
    }
}
