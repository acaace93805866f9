package dev.coro.tests.patching.conformance;

import dev.coro.Coro;
import dev.coro.CoroutineFunction;
import dev.coro.Task;
import dev.coro.tests.patching.conformance.plain.Peer;
import dev.coro.tests.patching.conformance.plain.PlainCopy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a conformance suite runs its scenarios against: the misbehaving peer each scenario talks to, by name, and
 * an unrewritten copy of the scenario class, whose transcript is the JDK's.
 */
final class Harness implements AutoCloseable {
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Method plain;

    /**
     * {@code scenarios} has {@code static String run(String name, int port)}; {@code calls} are the scenario classes
     * it calls into, copied with it (see {@link PlainCopy}).
     */
    Harness(Class<?> scenarios, Class<?>... calls) throws Exception {
        Class<?> copy = PlainCopy.of(scenarios, calls);
        assertNotEquals(scenarios, copy);
        // the baseline is the JDK's only if none of the code it runs is rewritten: the copies have no coroutine
        // twins, where the agent gave the originals theirs, and every other class they refer to is unrewritten too
        // (a scenario class the copy calls but that was not named in calls would be the rewritten original)
        for (Class<?> c : all(scenarios, calls)) {
            assertTrue(PlainCopy.rewritten(c), c.getName() + " should be rewritten by the agent");
            Class<?> plainC = PlainCopy.copyOf(copy, c);
            assertNotEquals(c, plainC);
            assertFalse(PlainCopy.rewritten(plainC), plainC.getName() + ", the JDK baseline, is rewritten");
        }
        for (String name : PlainCopy.outside(copy)) {
            Class<?> c = Class.forName(name, false, scenarios.getClassLoader());
            assertFalse(PlainCopy.rewritten(c), "the JDK baseline of " + scenarios.getSimpleName() + " calls "
                    + name + ", which the agent rewrote: copy it with the scenarios (Harness's calls)");
        }
        plain = copy.getMethod("run", String.class, int.class);
    }

    private static List<Class<?>> all(Class<?> scenarios, Class<?>... calls) {
        List<Class<?>> all = new ArrayList<>(List.of(calls));
        all.add(0, scenarios);
        return all;
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

    /** The JDK's transcripts of {@code names}, one after another on this thread. */
    Map<String, String> jdkAll(String... names) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, jdk(n));
        }
        return out;
    }

    /** The transcripts of {@code names} run all at once, one task each on one loop; {@code run} runs one by name. */
    static Map<String, String> allAtOnce(String[] names, CoroutineFunction<String, String> run) {
        return Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (String n : names) {
                tasks.add(Coro.spawn(() -> run.apply(n)));
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                out.put(names[i], tasks.get(i).join());
            }
            return out;
        });
    }

    @Override
    public void close() throws Exception {
        for (Peer p : peers.values()) {
            p.close();
        }
    }
}
