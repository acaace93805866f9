package dev.coro.tests.constructs;

import dev.coro.CoroutineCallable;
import dev.coro.tests.differential.InMemoryCompiler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frame with more than 255 locals live across suspensions: the slots past 255 are read and written with the
 * {@code wide} forms of the load, store and iinc instructions, and the saved frame must include all of them. The
 * method is generated here, twice from the same declarations: as a coroutine that suspends with every local live,
 * and as plain code without a suspension, whose result is the reference.
 */
class WideLocalsTest extends CoroTest {
    private static final int LOCALS = 295; // in 2 + 295..590 slots: the last ones sit past slot 255
    private static final String CLASS = "dev.coro.tests.generated.WideLocals";

    @Test
    void moreThan255LocalsIncludingWideSlotsSurviveSuspension() throws Exception {
        InMemoryCompiler.Result compiled = new InMemoryCompiler().compile(Map.of(CLASS, source()));
        assertTrue(compiled.ok(), compiled.errors);
        Class<?> c = Class.forName(CLASS, true, InMemoryCompiler.loader(CLASS, compiled.classes));
        // the agent rewrote it: the coroutine has its resumable twin, which takes the task's stack last
        assertTrue(Arrays.stream(c.getDeclaredMethods()).anyMatch(m -> m.getName().equals("manyLocals")
                && m.getParameterCount() == 2 && m.getParameterTypes()[1] == dev.coro.internal.Stack.class),
                Arrays.toString(c.getDeclaredMethods()));
        long[] seeds = {3, -1_000_000_007L, Long.MAX_VALUE / 5};
        List<Object> plain = new ArrayList<>();
        List<CoroutineCallable<?>> bodies = new ArrayList<>();
        for (long seed : seeds) {
            plain.add(c.getMethod("manyLocalsPlain", long.class).invoke(null, seed));
            bodies.add((CoroutineCallable<?>) c.getMethod("body", long.class).invoke(null, seed));
        }
        assertEquals(plain, concurrently(bodies.toArray(new CoroutineCallable<?>[0])));
    }

    /** The class: both methods, and the coroutine as a task's body. */
    private static String source() {
        int dot = CLASS.lastIndexOf('.');
        return "package " + CLASS.substring(0, dot) + ";\n"
                + "import static dev.coro.tests.constructs.Sus.*;\n"
                + "public final class " + CLASS.substring(dot + 1) + " {\n"
                + "    @dev.coro.Coroutine\n"
                + "    public static long manyLocals(long seed) {\n" + body(true) + "    }\n"
                + "    public static long manyLocalsPlain(long seed) {\n" + body(false) + "    }\n"
                + "    public static dev.coro.CoroutineCallable<Long> body(long seed) {\n"
                + "        return () -> manyLocals(seed);\n"
                + "    }\n"
                + "}\n";
    }

    /**
     * Locals of every kind (types drawn from a fixed seed; the last five are int, long, double, float and String, all
     * past slot 255), all live across the suspensions, then changed with wide iinc and wide stores of suspended values.
     */
    private static String body(boolean suspend) {
        Random types = new Random(LOCALS);
        StringBuilder b = new StringBuilder();
        String[] names = new String[LOCALS];
        for (int k = 0; k < LOCALS; k++) {
            char t = k >= LOCALS - 5 ? "ildfo".charAt(k - (LOCALS - 5)) : "iiilldfo".charAt(types.nextInt(8));
            names[k] = "" + t + k;
            String init;
            switch (t) {
                case 'i': init = "int " + names[k] + " = (int) seed * " + (k + 3) + " + " + k; break;
                case 'l': init = "long " + names[k] + " = seed * " + (k * 7919L + 3) + "L - " + k; break;
                case 'd': init = "double " + names[k] + " = seed / " + (k + 1) + ".5"; break;
                case 'f': init = "float " + names[k] + " = (float) seed / " + (k + 2) + "f"; break;
                default: init = "String " + names[k] + " = \"" + names[k] + ":\" + seed"; break;
            }
            b.append("        ").append(init).append(";\n");
        }
        String i = names[LOCALS - 5], l = names[LOCALS - 4], d = names[LOCALS - 3], f = names[LOCALS - 2];
        String o = names[LOCALS - 1];
        b.append(suspend ? "        pause();\n" : "")
                .append("        for (int k = 0; k < 3; k++) {\n")
                .append("            ").append(i).append("++;\n")
                .append("            ").append(l).append(" += ").append(call(suspend, "susJ", "k")).append(";\n")
                .append(suspend ? "            pause();\n" : "")
                .append("        }\n")
                .append("        ").append(i).append(" = ").append(call(suspend, "susI", i + " + 1")).append(";\n")
                .append("        ").append(d).append(" = ").append(call(suspend, "susD", d + " * 2")).append(";\n")
                .append("        ").append(f).append(" = ").append(call(suspend, "susF", f + " - 1")).append(";\n")
                .append("        ").append(o).append(" = ").append(call(suspend, "sus", o + " + \"!\"")).append(";\n")
                .append("        long h = 17;\n");
        for (String n : names) {
            String v;
            switch (n.charAt(0)) {
                case 'd': v = "Double.doubleToLongBits(" + n + ")"; break;
                case 'f': v = "Float.floatToIntBits(" + n + ")"; break;
                case 'o': v = n + ".hashCode()"; break;
                default: v = n; break;
            }
            b.append("        h = h * 31 + ").append(v).append(";\n");
        }
        return b.append("        return h;\n").toString();
    }

    private static String call(boolean suspend, String method, String arg) {
        return suspend ? method + "(" + arg + ")" : "(" + arg + ")";
    }
}
