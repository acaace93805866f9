package dev.coro.tests.diagnostics;

import dev.coro.Coro;
import dev.coro.internal.Diagnostics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watchdog reports a loop that stops turning, once per incident, with the call that blocked it. */
class BlockedLoopTest {

    @Test
    void aCallThatBlocksTheLoopThreadIsReportedOncePerIncidentWithItsStack() {
        List<String> warnings = new CopyOnWriteArrayList<>();
        Consumer<String> old = Diagnostics.setSink(warnings::add);
        try {
            Coro.run(() -> {
                Coro.spawn("bystander", () -> Coro.sleep(1)); // a task that cannot run meanwhile
                Coro.spawn("blocker", () -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400)); // not patched: blocks the thread
                    Coro.sleep(50); // the loop turns again: the incident is over
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400)); // a second incident
                }).join();
            });
        } finally {
            Diagnostics.setSink(old);
        }
        List<String> blocked = warnings.stream().filter(w -> w.contains("has not turned"))
                .collect(Collectors.toList());
        assertEquals(2, blocked.size(), "one report per incident: " + warnings);
        String w = blocked.get(0);
        assertTrue(w.contains("task blocker is running"), w);
        assertTrue(w.contains("LockSupport.parkNanos"), "the report shows the blocking call:\n" + w);
        assertTrue(w.contains("BlockedLoopTest"), "the report shows the user's frame:\n" + w);
    }
}
