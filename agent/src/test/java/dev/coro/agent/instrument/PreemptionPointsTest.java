package dev.coro.agent.instrument;

import dev.coro.Coroutine;
import dev.coro.agent.hierarchy.ClassHierarchy;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a loop's preemption check starts: behind the runtime's switch when the class file can carry it. */
class PreemptionPointsTest {

    static class Counting {
        @Coroutine
        static long sum(int n) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += i;
            }
            return s;
        }
    }

    private static final ClassHierarchy HIERARCHY = ClassHierarchy.of(PreemptionPointsTest.class.getClassLoader());

    private static byte[] bytesWithVersion(int major) throws IOException {
        byte[] b;
        try (InputStream in = PreemptionPointsTest.class.getResourceAsStream(
                "/" + Counting.class.getName().replace('.', '/') + ".class")) {
            b = in.readAllBytes();
        }
        b[6] = (byte) (major >>> 8);
        b[7] = (byte) major;
        return b;
    }

    /** The instructions of the rewritten {@code sum}'s twin that read the flag or ask the switch, in order. */
    private static List<String> checkParts(byte[] original) {
        HIERARCHY.remember(original);
        ClassInstrumenter.Result r = new ClassInstrumenter(Policy.coroutines(HIERARCHY)).instrument(original);
        assertNotNull(r.bytes, "the class was not rewritten: " + r.problems);
        ClassNode cn = new ClassNode();
        new ClassReader(r.bytes).accept(cn, 0);
        List<String> parts = new ArrayList<>();
        for (MethodNode m : cn.methods) {
            if (!m.name.equals("sum") || !m.desc.contains(Insns.STACK_DESC)) {
                continue;
            }
            for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
                if (i instanceof InvokeDynamicInsnNode) {
                    InvokeDynamicInsnNode indy = (InvokeDynamicInsnNode) i;
                    parts.add("indy " + indy.bsm.getOwner() + "." + indy.bsm.getName() + indy.desc + " "
                            + java.util.Arrays.toString(indy.bsmArgs));
                } else if (i instanceof FieldInsnNode && ((FieldInsnNode) i).name.equals("preempt")) {
                    parts.add("flag");
                }
            }
        }
        return parts;
    }

    @Test
    void aLoopInAJava7OrLaterClassAsksTheSwitchBeforeReadingItsFlag() throws IOException {
        List<String> parts = checkParts(bytesWithVersion(Opcodes.V17));
        // one switch per method: the bootstrap's argument names it
        assertEquals(List.of("indy dev/coro/internal/PreemptSwitch.bootstrap()Z [sum]", "flag"), parts);
    }

    @Test
    void aLoopInAJava6ClassReadsItsFlagAlways() throws IOException {
        List<String> parts = checkParts(bytesWithVersion(Opcodes.V1_6));
        assertEquals(List.of("flag"), parts);
        assertTrue(parts.stream().noneMatch(p -> p.startsWith("indy")), parts::toString);
    }
}
