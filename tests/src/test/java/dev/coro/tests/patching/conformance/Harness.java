package dev.coro.tests.patching.conformance;

import dev.coro.tests.patching.conformance.plain.Peer;
import dev.coro.tests.patching.conformance.plain.PlainCopy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * What a conformance suite runs its scenarios against: the misbehaving peer each scenario talks to, by name, and
 * an unrewritten copy of the scenario class, whose transcript is the JDK's.
 */
final class Harness implements AutoCloseable {
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Method plain;

    /** {@code scenarios} has {@code static String run(String name, int port)}. */
    Harness(Class<?> scenarios) throws Exception {
        Class<?> copy = PlainCopy.of(scenarios);
        assertNotEquals(scenarios, copy);
        plain = copy.getMethod("run", String.class, int.class);
    }

    Harness peer(String scenario, Peer peer) {
        peers.put(scenario, peer);
        return this;
    }

    /** The port of the scenario's peer, or 0 if it needs none. */
    int port(String scenario) {
        Peer p = peers.get(scenario);
        return p == null ? 0 : p.port();
    }

    /** The JDK's transcript: the unrewritten copy, on this thread. */
    String jdk(String scenario) throws Exception {
        try {
            return (String) plain.invoke(null, scenario, port(scenario));
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @Override
    public void close() throws Exception {
        for (Peer p : peers.values()) {
            p.close();
        }
    }
}
