package dev.coro.agent.instrument;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.agent.hierarchy.ClassHierarchy;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the instrumenter reports at class-load time, with class, method, line, reason and fix. */
class ReportsTest {

    static class Monitors {
        final Object lock = new Object();

        @Coroutine
        void inBlock() {
            synchronized (lock) {
                Coro.yield(); // LINE_IN_BLOCK
            }
            Coro.yield();
        }

        @Coroutine
        synchronized void inMethod() {
            Coro.yield(); // LINE_IN_METHOD
        }
    }

    static class Natives {
        @Coroutine
        native void nativeWork();
    }

    private static final ClassHierarchy HIERARCHY = ClassHierarchy.of(ReportsTest.class.getClassLoader());

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName().isEmpty() ? null
                : "/" + c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static ClassInstrumenter.Result instrument(byte[] bytes) {
        HIERARCHY.remember(bytes);
        return new ClassInstrumenter(Policy.coroutines(HIERARCHY)).instrument(bytes);
    }

    private static int lineOf(String marker) throws IOException {
        List<String> lines;
        try (InputStream in = ReportsTest.class.getResourceAsStream("/" + ReportsTest.class.getName()
                .replace('.', '/') + ".class")) {
            assertNotNull(in);
        }
        lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(
                "src/test/java/dev/coro/agent/instrument/ReportsTest.java"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("// " + marker)) {
                return i + 1;
            }
        }
        throw new AssertionError(marker);
    }

    @Test
    void aSuspensionInsideSynchronizedIsReportedAsPinnedWithItsLine() throws IOException {
        ClassInstrumenter.Result r = instrument(bytesOf(Monitors.class));
        assertNotNull(r.bytes, "the class is still rewritten");
        List<Problem> warnings = r.problems.stream().filter(p -> p.severity() == Problem.Severity.WARNING)
                .collect(Collectors.toList());
        assertEquals(2, warnings.size(), r.problems.toString());
        Problem block = warnings.stream().filter(p -> p.method().startsWith("inBlock")).findFirst().orElseThrow();
        assertEquals(lineOf("LINE_IN_BLOCK"), block.line());
        assertTrue(block.reason().contains("holding a monitor") && block.reason().contains("pinned"), block.reason());
        assertTrue(block.className().endsWith("ReportsTest$Monitors"), block.className());
        assertTrue(block.fix().contains("synchronized"), block.fix());
        Problem method = warnings.stream().filter(p -> p.method().startsWith("inMethod")).findFirst().orElseThrow();
        assertEquals(lineOf("LINE_IN_METHOD"), method.line());
    }

    @Test
    void aNativeCoroutineIsAnError() throws IOException {
        ClassInstrumenter.Result r = instrument(bytesOf(Natives.class));
        assertTrue(r.hasErrors());
        assertTrue(r.problems.get(0).reason().contains("native"), r.problems.toString());
        assertNull(r.bytes);
    }

    @Test
    void anAnnotatedConstructorIsAnErrorNamingTheFix() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "gen/Ctor", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        mv.visitAnnotation(ClassHierarchy.COROUTINE_DESC, true).visitEnd();
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        ClassInstrumenter.Result r = instrument(cw.toByteArray());
        assertTrue(r.hasErrors());
        Problem p = r.problems.get(0);
        assertTrue(p.reason().contains("constructor cannot be a coroutine"), p.toString());
        assertTrue(p.fix().contains("@Coroutine method"), p.toString());
        assertEquals("gen.Ctor", p.className());
    }

    @Test
    void aMethodThatWouldPassThe64KiBLimitIsReportedAndGetsAPinnedTwinSoItsCallersFindOne() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "gen/Huge", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "huge", "(IJD)V", null, null);
        mv.visitAnnotation(ClassHierarchy.COROUTINE_DESC, true).visitEnd();
        mv.visitCode();
        for (int i = 0; i < 6000; i++) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/coro/Coro", "yield", "()V", false);
        }
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitVarInsn(Opcodes.LLOAD, 1);
        mv.visitVarInsn(Opcodes.DLOAD, 3);
        mv.visitInsn(Opcodes.POP2);
        mv.visitInsn(Opcodes.POP2);
        mv.visitInsn(Opcodes.POP);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        ClassInstrumenter.Result r = instrument(cw.toByteArray());
        // code elsewhere rewritten to call huge's twin must find it: the class is rewritten, that method pinned
        assertNotNull(r.bytes, r.problems.toString());
        ClassNode rewritten = new ClassNode();
        new ClassReader(r.bytes).accept(rewritten, 0);
        assertTrue(rewritten.methods.stream().anyMatch(m -> (m.name + m.desc).equals("huge(IJDLdev/coro/internal/Stack;)V")),
                "no twin of huge");
        assertEquals(1, r.problems.size(), r.problems.toString());
        Problem p = r.problems.get(0);
        assertEquals(Problem.Severity.ERROR, p.severity());
        assertTrue(p.reason().contains("65535-byte limit") && p.reason().contains("runs pinned"), p.toString());
        assertTrue(p.method().startsWith("huge"), p.toString());
        assertTrue(p.fix().contains("split"), p.toString());
    }
}
