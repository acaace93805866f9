package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Peer;
import dev.coro.tests.patching.conformance.plain.PlainCopy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The conformance suite: every {@link Scenarios} scenario runs as the JDK runs it (an unrewritten copy of the
 * class), rewritten on a plain thread, and rewritten inside a coroutine, and all scenarios at once as tasks of one
 * loop; every transcript must equal the JDK's, byte for byte.
 */
class SocketConformanceTest {
    static final String[] NAMES = {"api", "refused", "readTimeout", "halfClose", "trickle", "closeMidMessage",
        "reset", "largeWrite"};

    private static final Map<String, Peer> PEERS = new LinkedHashMap<>();
    private static Method plain;

    @BeforeAll
    static void start() throws Exception {
        PEERS.put("readTimeout", Peer.start(Peer.stall()));
        PEERS.put("halfClose", Peer.start(Peer.echoUntilEof()));
        PEERS.put("trickle", Peer.start(Peer.trickle(Peer.pattern(300))));
        PEERS.put("closeMidMessage", Peer.start(Peer.closeMidMessage(100, 40)));
        PEERS.put("reset", Peer.start(Peer.resetAfterOneByte()));
        PEERS.put("largeWrite", Peer.start(Peer.slowSink()));
        Class<?> copy = PlainCopy.of(Scenarios.class);
        assertNotEquals(Scenarios.class, copy);
        plain = copy.getMethod("run", String.class, int.class);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Peer p : PEERS.values()) {
            p.close();
        }
    }

    static int port(String name) {
        Peer p = PEERS.get(name);
        return p == null ? 0 : p.port();
    }

    /** The JDK's transcript: the unrewritten copy, on this thread. */
    static String jdk(String name) throws Exception {
        try {
            return (String) plain.invoke(null, name, port(name));
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
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
