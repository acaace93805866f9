package dev.coro.agent.instrument;

import dev.coro.agent.hierarchy.ClassHierarchy;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code scope=}, every call into the scope is a suspension point, except calls to what gets no twin: an
 * annotation's members, and the abstract methods of an interface older than Java 8 (a call to a missing twin threw
 * NoSuchMethodError at run time: Jackson's annotations, Gson's Java 7 interfaces).
 */
class ScopePolicyTest {
    private static final String PREFIX = "dev/coro/agent/instrument/ScopePolicyTest";

    @Retention(RetentionPolicy.RUNTIME)
    @interface Tag {
        String value();
    }

    interface Modern {
        String name();
    }

    static class Plain {
        String work() {
            return "w";
        }
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream("/" + c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** An interface as javac 7 wrote it: class file 51, one abstract method. */
    private static byte[] java7Interface(String name) {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V1_7, Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT, name, null,
                "java/lang/Object", null);
        cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_ABSTRACT, "name", "()Ljava/lang/String;", null, null).visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void callsIntoTheScopeSuspendExceptThoseThatHaveNoTwinToGoTo() throws IOException {
        ClassHierarchy h = ClassHierarchy.of(ScopePolicyTest.class.getClassLoader());
        String old = PREFIX + "$Java7";
        for (Class<?> c : new Class<?>[] {Tag.class, Modern.class, Plain.class}) {
            h.remember(bytesOf(c));
        }
        h.remember(java7Interface(old));
        Policy scope = Policy.coroutines(h, n -> true, n -> n.startsWith(PREFIX));
        String str = "()Ljava/lang/String;";
        assertTrue(scope.isSuspending(Opcodes.INVOKEVIRTUAL, PREFIX + "$Plain", "work", str));
        assertTrue(scope.isSuspending(Opcodes.INVOKEINTERFACE, PREFIX + "$Modern", "name", str));
        assertFalse(scope.isSuspending(Opcodes.INVOKEINTERFACE, PREFIX + "$Tag", "value", str), "annotation member");
        assertFalse(scope.isSuspending(Opcodes.INVOKEINTERFACE, old, "name", str), "Java 7 interface method");
    }
}
