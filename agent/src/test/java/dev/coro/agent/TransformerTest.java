package dev.coro.agent;

import dev.coro.InstrumentationError;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerTest {

    @Test
    void aBrokenClassFileIsReportedAndLoadsUnchangedNeverThrowingIntoTheJvm() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CoroTransformer t = new CoroTransformer(AgentOptions.parse(null), new PrintStream(err, true));
        byte[] garbage = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 1, 2, 3};
        assertNull(t.transform(getClass().getClassLoader(), "com/acme/Broken", null, null, garbage));
        String out = err.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("coro: error: could not rewrite class com.acme.Broken"), out);
    }

    @Test
    void excludedClassesAreNotTouched() {
        CoroTransformer t = new CoroTransformer(AgentOptions.parse("exclude=com.acme.**"), System.err);
        assertNull(t.transform(getClass().getClassLoader(), "com/acme/Broken", null, null, new byte[] {1, 2, 3}));
    }

    @Test
    void inStrictModeTheClassFailsToInitialiseWithTheReport() throws Exception {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "gen/Strict", null, "java/lang/Object", null);
        cw.visitEnd();
        byte[] failing = CoroTransformer.failing(cw.toByteArray(), "coro could not rewrite gen.Strict: because");
        ClassLoader loader = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals("gen.Strict")) {
                    return defineClass(name, failing, 0, failing.length);
                }
                throw new ClassNotFoundException(name);
            }
        };
        InstrumentationError e = assertThrows(InstrumentationError.class,
                () -> Class.forName("gen.Strict", true, loader));
        assertTrue(e.getMessage().contains("because"), e.getMessage());
        NoClassDefFoundError later = assertThrows(NoClassDefFoundError.class,
                () -> Class.forName("gen.Strict", true, loader));
        assertTrue(later.getMessage().contains("gen.Strict"), later.getMessage());
    }
}
