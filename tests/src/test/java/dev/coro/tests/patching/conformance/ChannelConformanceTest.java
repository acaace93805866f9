package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The channel half of the conformance suite: every {@link ChannelScenarios} scenario runs as the JDK runs it (an
 * unrewritten copy), rewritten on a plain thread, rewritten inside a coroutine, and all at once as tasks of one
 * loop; every transcript must equal the JDK's.
 */
@Timeout(120)
class ChannelConformanceTest {
    static final String[] NAMES = {"tcp", "unix", "trickle", "largeWrite", "streamTrickle", "streamLargeWrite",
        "textTrickle", "textLargeWrite"};

    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new Harness(ChannelScenarios.class)
                .peer("trickle", Peer.start(Peer.trickle(Peer.pattern(300))))
                .peer("largeWrite", Peer.start(Peer.slowSink()))
                .peer("streamTrickle", Peer.start(Peer.trickle(Peer.pattern(300))))
                .peer("streamLargeWrite", Peer.start(Peer.slowSink()))
                .peer("textTrickle", Peer.start(Peer.trickle(
                        ChannelScenarios.TEXT.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .peer("textLargeWrite", Peer.start(Peer.slowSink()));
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

    static String[] names() {
        return NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void sameTranscriptAsTheJdk(String name) throws Exception {
        String expected = jdk(name);
        System.out.println("== " + name + " (JDK)\n" + expected);
        assertEquals(expected, ChannelScenarios.run(name, port(name)), name + ": rewritten code on a plain thread");
        String inCoroutine = Coro.run(() -> ChannelScenarios.run(name, port(name)));
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
                tasks.add(Coro.spawn(() -> ChannelScenarios.run(n, port(n))));
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
