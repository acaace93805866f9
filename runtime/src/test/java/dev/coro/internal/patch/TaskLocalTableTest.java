package dev.coro.internal.patch;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskLocalTableTest {

    @Test
    void randomPutsAndRemovesAgreeWithAnIdentityMap() {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            TaskLocalTable table = new TaskLocalTable();
            Map<ThreadLocal<?>, Object> expected = new IdentityHashMap<>();
            List<ThreadLocal<?>> keys = new ArrayList<>();
            int universe = 1 + random.nextInt(200); // small universes collide and wrap around the table's end often
            for (int i = 0; i < universe; i++) {
                keys.add(new ThreadLocal<>());
            }
            for (int op = 0; op < 5_000; op++) {
                ThreadLocal<?> key = keys.get(random.nextInt(universe));
                switch (random.nextInt(3)) {
                    case 0 -> {
                        Object v = random.nextBoolean() ? null : op;
                        table.put(key, v);
                        expected.put(key, v);
                    }
                    case 1 -> {
                        boolean had = expected.containsKey(key);
                        expected.remove(key);
                        assertEquals(had, table.remove(key));
                    }
                    default -> {
                    }
                }
                for (ThreadLocal<?> k : keys) {
                    TaskLocalTable.Entry e = table.find(k);
                    assertEquals(expected.containsKey(k), e != null, "round " + round + ", op " + op);
                    if (e != null) {
                        assertEquals(expected.get(k), e.value);
                    }
                }
            }
        }
    }

    @Test
    void aValueOfAKeyNobodyHoldsGoesAtTheNextPut() {
        TaskLocalTable table = new TaskLocalTable();
        List<WeakReference<Object>> values = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Object v = new byte[1024];
            values.add(new WeakReference<>(v));
            table.put(new ThreadLocal<>(), v);
        }
        ThreadLocal<Object> kept = new ThreadLocal<>();
        boolean released = false;
        for (int i = 0; i < 20 && !released; i++) {
            System.gc();
            table.put(kept, i);
            released = values.stream().allMatch(r -> r.get() == null);
        }
        assertTrue(released, "values of collected keys stayed reachable");
        assertTrue(table.find(kept).value instanceof Integer);
    }
}
