package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Peer;
import dev.coro.tests.patching.conformance.plain.PlainCopy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
 * The channel half of the conformance suite: every {@link ChannelScenarios} scenario runs as the JDK runs it (an
 * unrewritten copy), rewritten on a plain thread, rewritten inside a coroutine, and all at once as tasks of one
 * loop; every transcript must equal the JDK's.
 */
@Timeout(120)
class ChannelConformanceTest {
    static final String[] NAMES = {"tcp", "unix", "trickle", "largeWrite"};

    private static final Map<String, Peer> PEERS = new LinkedHashMap<>();
    private static Method plain;

    @BeforeAll
    static void start() throws Exception {
        PEERS.put("trickle", Peer.start(Peer.trickle(Peer.pattern(300))));
        PEERS.put("largeWrite", Peer.start(Peer.slowSink()));
        Class<?> copy = PlainCopy.of(ChannelScenarios.class);
        assertNotEquals(ChannelScenarios.class, copy);
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

    static String jdk(String name) throws Exception {
        try {
            return (String) plain.invoke(null, name, port(name));
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix", "trickle", "largeWrite"})
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
