package dev.coro.agent.instrument;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.agent.hierarchy.ClassHierarchy;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The resume point a rewritten frame saves is the id the registry gave its suspension point, and the registry learns
 * what a dump needs to read the frames back: line, callee, and how many ints the frame saves there.
 */
class SiteIdsTest {

    static class Sample {
        @Coroutine
        static double work(int a, long b) {
            float f = a / 3f;
            Coro.sleep(1);                  // saves a, f (ints) and b (a long)
            int c = helper(a);              // saves a, f, b again: all still used below
            double d = c + f;
            Coro.yield();                   // saves a, b, d: f and c are dead here
            return a + b + d;
        }

        @Coroutine
        static int helper(int x) {
            return x;
        }
    }

    /** One call of {@link SiteRegistry#register}. */
    private static final class Registration {
        String owner;
        String method;
        String file;
        int[] lines;
        String[] callees;
        int[] savedInts;
    }

    private static final int FIRST = -1_000_000;
    private static final ClassHierarchy HIERARCHY = ClassHierarchy.of(SiteIdsTest.class.getClassLoader());

    private static byte[] original() throws IOException {
        try (InputStream in = SiteIdsTest.class.getResourceAsStream(
                "/" + Sample.class.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The lines of the calls to {@code names} in the original {@code work}, in order. */
    private static List<Integer> callLines(byte[] original, String... names) {
        ClassNode cn = new ClassNode();
        new ClassReader(original).accept(cn, 0);
        List<Integer> lines = new ArrayList<>();
        for (MethodNode m : cn.methods) {
            if (!m.name.equals("work")) {
                continue;
            }
            for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
                if (i instanceof MethodInsnNode && List.of(names).contains(((MethodInsnNode) i).name)) {
                    lines.add(Insns.lineOf(i));
                }
            }
        }
        return lines;
    }

    @Test
    void eachSuspensionPointIsRegisteredInOrderWithItsLineCalleeAndSavedInts() throws IOException {
        byte[] original = original();
        HIERARCHY.remember(original);
        List<Registration> regs = new ArrayList<>();
        ClassInstrumenter.Result r = new ClassInstrumenter(Policy.coroutines(HIERARCHY), false, Patches.none(),
                (owner, method, file, lines, callees, savedInts) -> {
                    Registration g = new Registration();
                    g.owner = owner;
                    g.method = method;
                    g.file = file;
                    g.lines = lines;
                    g.callees = callees;
                    g.savedInts = savedInts;
                    regs.add(g);
                    return FIRST + 100 * (regs.size() - 1);
                }).instrument(original);
        assertNotNull(r.bytes, "not rewritten: " + r.problems);

        Registration work = regs.stream().filter(g -> g.method.equals("work")).findFirst().orElseThrow();
        assertEquals(Sample.class.getName().replace('.', '/'), work.owner);
        assertEquals("SiteIdsTest.java", work.file);
        assertEquals(List.of("dev.coro.Coro.sleep", "dev.coro.agent.instrument.SiteIdsTest$Sample.helper",
                "dev.coro.Coro.yield"), List.of(work.callees));
        List<Integer> lines = new ArrayList<>();
        for (int l : work.lines) {
            lines.add(l);
        }
        assertEquals(callLines(original, "sleep", "helper", "yield"), lines);
        assertEquals(List.of(2, 2, 1), List.of(work.savedInts[0], work.savedInts[1], work.savedInts[2]));

        // the twin saves the ids it was given and dispatches on exactly them
        int first = FIRST + 100 * regs.indexOf(work);
        ClassNode cn = new ClassNode();
        new ClassReader(r.bytes).accept(cn, 0);
        MethodNode twin = cn.methods.stream()
                .filter(m -> m.name.equals("work") && m.desc.contains(Insns.STACK_DESC)).findFirst().orElseThrow();
        List<Object> saved = new ArrayList<>();
        TableSwitchInsnNode dispatch = null;
        for (AbstractInsnNode i = twin.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof LdcInsnNode && i.getNext() instanceof MethodInsnNode
                    && ((MethodInsnNode) i.getNext()).name.equals("pushI")) {
                saved.add(((LdcInsnNode) i).cst);
            } else if (i instanceof TableSwitchInsnNode) {
                dispatch = (TableSwitchInsnNode) i;
            }
        }
        assertEquals(List.of(first, first + 1, first + 2), saved);
        assertNotNull(dispatch);
        assertEquals(first, dispatch.min);
        assertEquals(first + 2, dispatch.max);
    }
}
