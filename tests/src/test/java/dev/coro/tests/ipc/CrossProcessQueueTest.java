package dev.coro.tests.ipc;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Pipe;
import dev.coro.ProcessQueue;
import dev.coro.internal.ipc.Broker;
import dev.coro.internal.ipc.LocalBroker;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queues and pipes between real child JVMs. */
class CrossProcessQueueTest {

    @Test
    void manyProducersAndConsumersAcrossProcessesLoseNothingAndDuplicateNothing() throws Exception {
        int producers = 3;
        int consumers = 3;
        int each = 20_000;
        ProcessQueue<Integer> work = ProcessQueue.create(Codec.ints());
        ProcessQueue<Integer> results = ProcessQueue.create(Codec.ints());
        List<Process> ps = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            ps.add(Children.start("consume", work.handover(), results.handover()));
        }
        List<Process> producing = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            producing.add(Children.start("produce", work.handover(), Integer.toString(p * each),
                    Integer.toString(each)));
        }
        // the parent produces too, from coroutines
        int parentBase = producers * each;
        Coro.run(() -> {
            List<dev.coro.Task<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int from = parentBase + t * (each / 4);
                tasks.add(Coro.spawn(() -> {
                    for (int i = from; i < from + each / 4; i++) {
                        work.put(i);
                    }
                }));
            }
            for (dev.coro.Task<Void> t : tasks) {
                t.join();
            }
        });
        int total = (producers + 1) * each;
        BitSet seen = new BitSet(total);
        long sum = 0;
        for (int n = 0; n < total; n++) {
            Integer v = results.get(Duration.ofSeconds(30));
            assertNotNull(v, "only " + n + " of " + total + " results came");
            assertTrue(!seen.get(v), "duplicate " + v);
            seen.set(v);
            sum += v;
        }
        for (Process p : producing) {
            Children.finish(p, 30);
        }
        for (int c = 0; c < consumers; c++) {
            work.put(-1);
        }
        for (Process p : ps) {
            Children.finish(p, 30);
        }
        assertEquals(total, seen.cardinality());
        assertEquals((long) total * (total - 1) / 2, sum);
        assertNull(results.get(Duration.ofMillis(50)), "a message came twice");
    }

    @Test
    void aConsumerKilledMidStreamHasItsUnacknowledgedMessagesRedelivered() throws Exception {
        ProcessQueue<Integer> q = ProcessQueue.create(Codec.ints());
        int n = 1000;
        for (int i = 0; i < n; i++) {
            q.put(i);
        }
        Process child = Children.start("take-and-hang", q.handover(), "10");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String line = r.readLine();
            assertEquals("took 10", line);
            // the child acknowledged 9 (each get acknowledges the one before), holds the 10th and what it prefetched
            child.destroyForcibly().waitFor();
        }
        Map<Integer, Integer> deliveries = new HashMap<>();
        Map<Integer, String> ids = new HashMap<>();
        for (;;) {
            Integer v = q.get(Duration.ofSeconds(3));
            if (v == null) {
                break;
            }
            assertNull(deliveries.put(v, q.lastDeliveryCount()), "duplicate " + v);
            ids.put(v, q.lastId());
        }
        // exactly the 9 acknowledged ones are gone; the rest, held or prefetched by the dead child, came back
        assertEquals(n - 9, deliveries.size(), "missing: " + missing(deliveries.keySet(), n));
        for (int i = 0; i < 9; i++) {
            assertTrue(!deliveries.containsKey(i), "acknowledged message " + i + " came again");
        }
        assertEquals(2, deliveries.get(9), "the message the child was working on is delivered a second time");
        assertEquals(Long.toString(10), ids.get(9), "with the same id");
    }

    private static List<Integer> missing(java.util.Set<Integer> got, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n && out.size() < 20; i++) {
            if (!got.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void aChildWaitingWhenTheBrokerShutsDownGetsAClearErrorNamingIt() throws Exception {
        try (Broker b = Broker.start(Broker.unixChannel(), new Broker.Options())) {
            b.declare("q");
            String spec = "queue:" + LocalBroker.join(b.address(), "q", "ints");
            Process child = Children.start("wait-for-gone", spec);
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()));
            assertEquals("waiting", r.readLine()); // connected: in its get now or soon, fails the same either way
            b.close();
            String line = r.readLine();
            assertTrue(line != null && line.startsWith("gone: ") && line.contains(b.address())
                    && line.contains("shut down"), "the child said: " + line);
            Children.finish(child, 20);
        }
    }

    @Test
    void aPipeCarriesMessagesBothWays() throws Exception {
        Pipe<String> pipe = Pipe.create(Codec.strings());
        Process child = Children.start("echo", pipe.second().handover());
        Pipe.End<String> mine = pipe.first();
        String answers = Coro.run(() -> {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                mine.send("m" + i);
                b.append(mine.receive(Duration.ofSeconds(20))).append(' ');
            }
            mine.send("bye");
            return b.toString().trim();
        });
        assertEquals("echo:m0 echo:m1 echo:m2", answers);
        Children.finish(child, 20);
        mine.close();
    }
}
