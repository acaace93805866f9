package dev.coro.tests.proc;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.CoroProcess;
import dev.coro.ProcessQueue;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real child JVMs started with CoroProcess. */
class CoroProcessTest {

    static CoroProcess.Builder piped() {
        return CoroProcess.builder().output(ProcessBuilder.Redirect.PIPE).error(ProcessBuilder.Redirect.PIPE);
    }

    static String out(CoroProcess p) throws IOException {
        return new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
    }

    static String err(CoroProcess p) throws IOException {
        return new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void mainClassGetsItsStringArguments() throws Exception {
        CoroProcess p = piped().startMain(Children.Echo.class, "a b", "", "ü");
        String out = out(p);
        assertEquals(0, p.join(), err(p));
        assertEquals("args a b||ü", out.strip());
        assertEquals(OptionalInt.of(0), p.exitCode());
        assertFalse(p.isAlive());
    }

    @Test
    void staticMethodGetsValues() throws Exception {
        CoroProcess p = piped().start(Children.class, "describe", "s", 7, 1L << 40, List.of(1, "x"),
                Map.of("k", true), new byte[5]);
        String out = out(p);
        assertEquals(0, p.join(), err(p));
        assertEquals("got s 7 1099511627776 [1, x] {k=true} 5", out.strip());
    }

    @Test
    void aHandedOverQueueCarriesValuesFromTwoChildren() {
        ProcessQueue<Object> q = ProcessQueue.create(Codec.values());
        try {
            CoroProcess a = CoroProcess.start(Children.class, "produce", q, 500, "a");
            CoroProcess b = CoroProcess.start(Children.class, "produce", q, 500, "b");
            Map<Object, Integer> next = new java.util.HashMap<>(Map.of("a", 0, "b", 0));
            for (int i = 0; i < 1000; i++) {
                List<?> m = (List<?>) q.get(Duration.ofSeconds(30));
                assertTrue(m != null, "only " + i + " messages came");
                // each producer's messages arrive in its order, none lost or repeated
                assertEquals(next.get(m.get(0)), m.get(1), "message " + m);
                next.merge(m.get(0), 1, Integer::sum);
            }
            assertEquals(0, a.join());
            assertEquals(0, b.join());
            assertEquals(null, q.get(Duration.ofMillis(50)));
        } finally {
            q.close();
        }
    }

    @Test
    void aCoroutineMethodRunsOnALoopInTheChild() throws Exception {
        CoroProcess p = piped().start(Children.class, "coroutines", 3);
        String out = out(p);
        assertEquals(0, p.join(), err(p));
        assertTrue(out.contains("coroutines 3 on main/main overlapped true"), out);
    }

    @Test
    void exitCodes() throws Exception {
        CoroProcess failing = piped().start(Children.class, "fail", "boom here");
        CoroProcess exiting = piped().start(Children.class, "exitWith", 7);
        String err = err(failing);
        assertEquals(1, failing.join());
        assertTrue(err.contains("IllegalStateException: boom here") && err.contains("Children.fail"), err);
        assertEquals(7, exiting.join());
        assertEquals(OptionalInt.of(7), exiting.exitCode());
    }

    @Test
    void joinSuspendsACoroutineWhileAnotherKeepsTicking() {
        int[] ticks = new int[1];
        int status = Coro.run(() -> {
            Task<Void> ticker = Coro.spawn(() -> {
                for (;;) {
                    Coro.sleep(10);
                    ticks[0]++;
                }
            });
            CoroProcess p = CoroProcess.start(Children.class, "sleep", 400);
            int code = p.join();
            ticker.cancel();
            return code;
        });
        assertEquals(0, status);
        // the child takes at least 400 ms (plus a JVM start): a blocked loop would not tick at all
        assertTrue(ticks[0] >= 20, "ticks while joined: " + ticks[0]);
    }

    @Test
    void joinWithTimeoutFromACoroutineAndFromAThread() throws Exception {
        CoroProcess p = CoroProcess.start(Children.class, "sleep", 60_000);
        try {
            assertFalse(Coro.run(() -> p.join(Duration.ofMillis(100))));
            assertFalse(p.join(Duration.ofMillis(100)));
            assertTrue(p.isAlive());
            assertEquals(OptionalInt.empty(), p.exitCode());
        } finally {
            p.kill();
        }
        assertTrue(p.join(Duration.ofSeconds(30)));
        assertEquals(137, p.join());
    }

    @Test
    void joinFromAPlainThread() throws Exception {
        CoroProcess p = CoroProcess.start(Children.class, "sleep", 100);
        long t0 = System.nanoTime();
        assertEquals(0, p.join());
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(100));
        assertFalse(p.isAlive());
    }

    @Test
    void terminateRunsShutdownHooksKillDoesNot() throws Exception {
        CoroProcess soft = piped().start(Children.class, "waitForSignal");
        CoroProcess hard = piped().start(Children.class, "waitForSignal");
        BufferedReader softOut = new BufferedReader(new InputStreamReader(soft.stdout(), StandardCharsets.UTF_8));
        BufferedReader hardOut = new BufferedReader(new InputStreamReader(hard.stdout(), StandardCharsets.UTF_8));
        assertEquals("ready", softOut.readLine());
        assertEquals("ready", hardOut.readLine());
        soft.terminate();
        hard.kill();
        // read to the end first: the streams end when the children exit
        assertEquals("hook ran", softOut.readLine());
        assertEquals(null, softOut.readLine());
        assertEquals(null, hardOut.readLine());
        assertEquals(143, soft.join());
        assertEquals(137, hard.join());
    }

    @Test
    void aChildOfAKilledParentExitsOnItsOwn() throws Exception {
        CoroProcess parent = piped().start(Children.class, "parentOfSleeper");
        BufferedReader out = new BufferedReader(new InputStreamReader(parent.stdout(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("grandchild "), line);
        long pid = Long.parseLong(line.substring("grandchild ".length()));
        ProcessHandle grandchild = ProcessHandle.of(pid).orElseThrow();
        assertTrue(grandchild.isAlive());
        parent.kill(); // SIGKILL: no shutdown hook, nothing of the parent runs
        assertEquals(137, parent.join());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (grandchild.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(grandchild.isAlive(), "the grandchild outlived its parent");
    }

    @Test
    void badCallsFailInTheParentNamingClassAndMethod() {
        String c = Children.class.getName();
        assertEquals("no method named 'nope' in " + c,
                assertThrows(IllegalArgumentException.class, () -> CoroProcess.start(Children.class, "nope"))
                        .getMessage());
        String arity = assertThrows(IllegalArgumentException.class,
                () -> CoroProcess.start(Children.class, "sleep", 1, 2)).getMessage();
        assertTrue(arity.contains(c + ".sleep does not take 2 arguments") && arity.contains("sleep(int)"), arity);
        String inst = assertThrows(IllegalArgumentException.class,
                () -> CoroProcess.start(Children.class, "instanceMethod")).getMessage();
        assertTrue(inst.contains(c + ".instanceMethod is not static"), inst);
        String type = assertThrows(IllegalArgumentException.class,
                () -> CoroProcess.start(Children.class, "sleep", "ten")).getMessage();
        assertTrue(type.contains(c + ".sleep cannot take (java.lang.String)"), type);
        String value = assertThrows(IllegalArgumentException.class,
                () -> CoroProcess.start(Children.class, "describe", new Object(), 1, 2L, List.of(), Map.of(),
                        new byte[0])).getMessage();
        assertTrue(value.contains("argument 0 for " + c + ".describe (java.lang.Object) cannot be handed"), value);
        String main = assertThrows(IllegalArgumentException.class, () -> CoroProcess.startMain(Children.class))
                .getMessage();
        assertTrue(main.contains(c + " has no public static void main"), main);
        // overloads are told apart by the arguments
        assertEquals(0, CoroProcess.start(Children.class, "overloaded", 1).join());
    }
}
