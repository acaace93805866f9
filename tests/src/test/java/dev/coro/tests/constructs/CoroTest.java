package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import dev.coro.Task;
import dev.coro.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Base of the construct tests. Every test must run without a single coro warning: a warning means a call that
 * should have suspended ran pinned (blocking the loop thread), i.e. some frame was not instrumented, or a task
 * failed without anybody joining it.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class CoroTest {
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private Consumer<String> previousSink;

    @BeforeEach
    void captureCoroWarnings() {
        previousSink = Diagnostics.setSink(warnings::add);
    }

    @AfterEach
    void expectNoCoroWarnings() {
        Diagnostics.setSink(previousSink);
        assertEquals(List.of(), new ArrayList<>(warnings),
                "coro warnings: something ran pinned instead of suspending, or a task failed unobserved");
    }

    /**
     * Runs every body as its own task on one loop, all started together, so their suspensions interleave (each
     * forced suspension lets the others run), and returns their results in argument order.
     */
    protected static List<Object> concurrently(CoroutineCallable<?>... bodies) {
        return Coro.run(() -> {
            List<Task<?>> tasks = new ArrayList<>();
            for (CoroutineCallable<?> b : bodies) {
                tasks.add(Coro.spawn(b));
            }
            List<Object> results = new ArrayList<>();
            for (Task<?> t : tasks) {
                results.add(t.join());
            }
            return results;
        });
    }
}
