package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** try-with-resources around suspensions: each resource is closed exactly once, in reverse order, with suppression. */
class TryWithResourcesTest extends CoroTest {

    static final class Res implements AutoCloseable {
        final String name;
        final List<String> log;
        final RuntimeException onClose;
        int closes;

        Res(List<String> log, String name, RuntimeException onClose) {
            this.log = log;
            this.name = name;
            this.onClose = onClose;
            log.add("new " + name);
        }

        @Override
        public void close() {
            closes++;
            log.add("close " + name);
            if (onClose != null) {
                throw onClose;
            }
        }
    }

    @Coroutine
    static Res open(List<String> log, String name, RuntimeException onClose) {
        pause();
        log.add("open " + name);
        return new Res(log, name, onClose);
    }

    @Coroutine
    static Res failingOpen(List<String> log, String name) {
        pause();
        log.add("failing open " + name);
        throw new IllegalStateException("cannot open " + name);
    }

    @Coroutine
    static String twoResources(List<String> log, Res[] out) {
        try (Res a = open(log, "a", null); Res b = new Res(log, sus("b"), null)) {
            out[0] = a;
            out[1] = b;
            log.add("body " + sus(a.name + b.name));
            return a.name + b.name;
        }
    }

    @Test
    void resourcesOpenedAcrossSuspensionsAreClosedOnceInReverseOrder() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        Res[] ra = new Res[2];
        Res[] rb = new Res[2];
        List<Object> r = concurrently(() -> twoResources(la, ra), () -> twoResources(lb, rb));
        assertEquals(List.of("ab", "ab"), r);
        List<String> expected = List.of("open a", "new a", "new b", "body ab", "close b", "close a");
        assertEquals(expected, la);
        assertEquals(expected, lb);
        assertEquals(1, ra[0].closes);
        assertEquals(1, ra[1].closes);
        assertEquals(1, rb[0].closes);
        assertEquals(1, rb[1].closes);
    }

    @Coroutine
    static void bodyThrowsAndClosesThrow(List<String> log, Res[] out) {
        try (Res a = open(log, "a", new IllegalStateException("close a"));
             Res b = open(log, "b", new IllegalArgumentException("close b"))) {
            out[0] = a;
            out[1] = b;
            pause();
            throw new UnsupportedOperationException("body");
        }
    }

    @Test
    void closeExceptionsAreSuppressedByTheBodyExceptionThrownAfterResume() {
        List<String> log = new ArrayList<>();
        Res[] res = new Res[2];
        List<Object> r = concurrently(() -> {
            try {
                bodyThrowsAndClosesThrow(log, res);
                return "no exception";
            } catch (UnsupportedOperationException e) {
                pause();
                return e.getMessage() + " suppressed " + Arrays.stream(e.getSuppressed())
                        .map(Throwable::getMessage).collect(Collectors.toList());
            }
        }, () -> susThenValue());
        assertEquals(List.of("body suppressed [close b, close a]", "other"), r);
        assertEquals(List.of("open a", "new a", "open b", "new b", "close b", "close a"), log);
        assertEquals(1, res[0].closes);
        assertEquals(1, res[1].closes);
    }

    @Coroutine
    static String susThenValue() {
        pause();
        pause();
        return sus("other");
    }

    @Coroutine
    static String secondResourceFailsToOpen(List<String> log, Res[] out) {
        try (Res a = open(log, "a", null); Res b = failingOpen(log, "b")) {
            log.add("body");
            return "body ran";
        } catch (IllegalStateException e) {
            log.add("catch " + e.getMessage());
            return sus("caught");
        } finally {
            log.add("finally");
            pause();
            log.add("finally resumed");
        }
    }

    @Test
    void resourceThatFailsToOpenAfterResumeClosesOnlyTheOpenedOnes() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        List<Object> r = concurrently(() -> secondResourceFailsToOpen(la, null),
                () -> secondResourceFailsToOpen(lb, null));
        assertEquals(List.of("caught", "caught"), r);
        List<String> expected = List.of("open a", "new a", "failing open b", "close a", "catch cannot open b",
                "finally", "finally resumed");
        assertEquals(expected, la);
        assertEquals(expected, lb);
    }

    @Coroutine
    static int resourcesInLoop(List<String> log, int n) {
        int opened = 0;
        for (int i = 0; i < n; i++) {
            try (Res r = i % 3 == 2 ? null : open(log, "r" + i, null)) {
                if (r == null) {
                    pause();
                    continue; // a null resource is not closed
                }
                opened++;
                if (sus(i) == 3) {
                    break;
                }
            }
        }
        return opened;
    }

    @Test
    void nullResourceAndBreakContinueInsideTryWithResourcesInLoop() {
        List<String> log = new ArrayList<>();
        List<Object> r = concurrently(() -> resourcesInLoop(log, 10));
        assertEquals(List.of(3), r);
        assertEquals(List.of("open r0", "new r0", "close r0", "open r1", "new r1", "close r1",
                "open r3", "new r3", "close r3"), log);
    }
}
