package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that keep yielding run in batches, but a batch is bounded: timers and work from other threads still get
 * their turn while a crowd of tasks yields without pause.
 */
class FairnessTest {

    @Test
    @Timeout(20) // a starved timer or door would leave the crowd spinning for ever
    void tasksThatKeepYieldingDoNotStarveATimer() {
        long yieldsBeforeTheTimer = Coro.run(() -> {
            AtomicBoolean fired = new AtomicBoolean();
            long[] yields = new long[1];
            List<Task<Void>> crowd = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                crowd.add(Coro.spawn(() -> {
                    while (!fired.get()) {
                        yields[0]++;
                        Coro.yield();
                    }
                }));
            }
            Coro.sleep(5);
            fired.set(true);
            Coro.joinAll(crowd.toArray(new Task<?>[0]));
            return yields[0];
        });
        assertTrue(yieldsBeforeTheTimer > 0, "the crowd never ran");
    }

    @Test
    @Timeout(20) // a starved timer or door would leave the crowd spinning for ever
    void tasksThatKeepYieldingDoNotStarveWorkFromAnotherThread() throws Exception {
        CompletableFuture<String> fromOutside = new CompletableFuture<>();
        Thread outside = new Thread(() -> fromOutside.complete("door"));
        String got = Coro.run(() -> {
            AtomicBoolean done = new AtomicBoolean();
            Task<Void> spinner = Coro.spawn(() -> {
                while (!done.get()) {
                    Coro.yield();
                }
            });
            outside.start();
            String v = Coro.await(fromOutside); // completed from the other thread, through the loop's door
            done.set(true);
            spinner.join();
            return v;
        });
        outside.join();
        assertEquals("door", got);
    }
}
