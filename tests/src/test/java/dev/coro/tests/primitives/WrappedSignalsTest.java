package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A cancel's {@code CancellationException} and a timeout's {@code TimeoutExpiredException} unwind code that may catch
 * and wrap them, as libraries do with whatever a callback throws (Jackson wraps it in a JsonMappingException): coro
 * still tells them from a failure. Being a {@link PrimitiveTest}, no test may leave a "failed and nobody was joining
 * it" report.
 */
class WrappedSignalsTest extends PrimitiveTest {

    /** A library's call: whatever the wait throws comes out wrapped. */
    @Coroutine
    static String library(long sleepMillis) {
        try {
            Coro.sleep(sleepMillis);
            return "slept";
        } catch (RuntimeException e) {
            throw new IllegalStateException("library call failed", e);
        }
    }

    @Test
    void aCancelThatALibraryWrapsStillEndsTheTaskCancelled() {
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> library(10_000));
            Coro.yield(); // it waits inside the library now
            assertTrue(t.cancel());
            try {
                fail("joined: " + t.join());
            } catch (CancellationException e) { // join suspends: not inside assertThrows, which is plain code
                assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
            }
            assertTrue(t.isCancelled());
            assertNull(t.exception());
            return null;
        });
    }

    @Test
    void aTaskThatMeetsADifferentFailureAfterItsCancelHasFailed() {
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                try {
                    Coro.sleep(10_000);
                    return "slept";
                } catch (CancellationException e) {
                    throw new IOException("cleanup failed"); // not caused by the cancel: a failure of its own
                }
            });
            Coro.yield();
            t.cancel();
            try {
                fail("joined: " + t.join());
            } catch (RuntimeException e) {
                assertInstanceOf(IOException.class, e.getCause(), e.toString());
            }
            assertTrue(!t.isCancelled());
            return null;
        });
    }

    @Test
    void withTimeoutThrowsItsExpiryEvenWhenTheBodyWrappedIt() {
        TimeoutExpiredException e = Coro.run(() -> {
            try {
                Coro.withTimeout(Duration.ofMillis(20), () -> library(10_000));
                fail("the timeout did not fire");
                return null;
            } catch (TimeoutExpiredException x) {
                return x;
            }
        });
        assertEquals(Duration.ofMillis(20), e.duration());
    }

    @Test
    void anInnerWithTimeoutLeavesAWrappedExpiryOfAnOuterOneAlone() {
        TimeoutExpiredException e = Coro.run(() -> {
            try {
                Coro.withTimeout(Duration.ofMillis(20), () ->
                        Coro.withTimeout(Duration.ofSeconds(10), () -> library(10_000)));
                fail("the timeout did not fire");
                return null;
            } catch (TimeoutExpiredException x) {
                return x;
            }
        });
        assertEquals(Duration.ofMillis(20), e.duration(), "the outer timeout fired, and is the one thrown");
    }

    @Test
    void aFailureOfTheBodyPassesThroughWithTimeoutAsItIs() {
        IllegalStateException own = new IllegalStateException("not a timeout");
        Exception e = Coro.run(() -> {
            try {
                Coro.withTimeout(Duration.ofSeconds(10), () -> {
                    throw own;
                });
                return null;
            } catch (IllegalStateException x) {
                return x;
            }
        });
        assertSame(own, e);
    }
}
