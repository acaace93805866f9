package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that keep yielding run in batches, but a batch is bounded: timers, sockets and work from other threads
 * still get their turn while a crowd of tasks yields without pause.
 */
class FairnessTest {

    /** Eight tasks that yield without pause, counting their yields, until {@code stop} is set. */
    private static Task<?>[] spawnCrowd(AtomicBoolean stop, long[] yields) {
        List<Task<Void>> crowd = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            crowd.add(Coro.spawn(() -> {
                while (!stop.get()) {
                    yields[0]++;
                    Coro.yield();
                }
            }));
        }
        return crowd.toArray(new Task<?>[0]);
    }

    @Test
    @Timeout(20) // a starved timer or door would leave the crowd spinning for ever
    void tasksThatKeepYieldingDoNotStarveATimer() {
        long yieldsBeforeTheTimer = Coro.run(() -> {
            AtomicBoolean fired = new AtomicBoolean();
            long[] yields = new long[1];
            Task<?>[] crowd = spawnCrowd(fired, yields);
            Coro.sleep(5);
            fired.set(true);
            Coro.joinAll(crowd);
            return yields[0];
        });
        assertTrue(yieldsBeforeTheTimer > 0, "the crowd never ran");
    }

    /** Busy for {@code ms} in plain code: a task's share of work between two yields. */
    private static void compute(long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /**
     * A batch is bounded in time too, not only in resumes: four tasks that each compute 1 ms between yields would
     * otherwise hold a 20 ms timer back for a whole batch of 1,024 resumes, about a second.
     */
    @Test
    @Timeout(20)
    void tasksThatComputeBetweenYieldsHoldATimerBackNoLongerThanAboutATimeSlice() {
        long lateMs = Coro.run(() -> {
            AtomicBoolean stop = new AtomicBoolean();
            List<Task<Void>> crowd = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                crowd.add(Coro.spawn(() -> {
                    for (int n = 0; n < 2_000 && !stop.get(); n++) {
                        compute(1);
                        Coro.yield();
                    }
                }));
            }
            long start = System.nanoTime();
            Coro.sleep(20);
            long late = (System.nanoTime() - start) / 1_000_000 - 20;
            stop.set(true);
            Coro.joinAll(crowd);
            return late;
        });
        // a 10 ms slice, a watchdog that looks every 5 ms, and this noisy machine: well below the second it was
        assertTrue(lateMs < 300, "the timer fired " + lateMs + " ms late");
    }

    /** A socket read made cooperative by the agent: the task waits in the loop's selector. */
    @Coroutine
    static int readOneByte(Socket s) throws IOException {
        return s.getInputStream().read();
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fails rather than spin for ever
    void tasksThatKeepYieldingDoNotStarveASocketRead() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket c = server.accept()) {
                    Thread.sleep(20); // the reader is waiting in the selector by now, the crowd yielding
                    c.getOutputStream().write(42);
                    c.getInputStream().read(); // until the reader closes
                } catch (IOException | InterruptedException e) {
                    // the test fails on the reader's side
                }
            });
            peer.start();
            long[] yields = new long[1];
            int got = Coro.run(() -> {
                AtomicBoolean done = new AtomicBoolean();
                Task<?>[] crowd = spawnCrowd(done, yields);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    int b = readOneByte(s);
                    done.set(true);
                    Coro.joinAll(crowd);
                    return b;
                }
            });
            peer.join();
            assertEquals(42, got);
            assertTrue(yields[0] > 0, "the crowd never ran while the read waited");
        }
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
