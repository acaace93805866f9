package dev.coro.tests.agent;

import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same coroutine source compiled for Java 8 (class file 52) and for the running JDK (61 on 17, 69 on 25), loaded
 * through the agent and run with a suspension at every call: identical results.
 */
class ClassFileVersionsTest {
    private static final String SOURCE = String.join("\n",
            "package gen;",
            "import dev.coro.*;",
            "public class Versions implements CoroutineCallable<String> {",
            "    @Coroutine static long pause(long v) { Coro.yield(); return v; }",
            "    @Coroutine static String work(int n, double d, String s) {",
            "        long acc = 1; StringBuilder b = new StringBuilder(s);",
            "        for (int i = 0; i < n; i++) {",
            "            try {",
            "                acc = acc * 31 + pause(i) + (long) (d * pause(2));",
            "                if (i == 3) throw new IllegalStateException(\"three\");",
            "            } catch (IllegalStateException e) {",
            "                b.append(e.getMessage()).append(pause(i));",
            "            } finally {",
            "                b.append('.');",
            "            }",
            "        }",
            "        return b.append(acc).toString();",
            "    }",
            "    public String call() { return work(7, 1.5, \"v\"); }",
            "}");

    static byte[] compile(String release) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///gen/Versions.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return SOURCE;
            }
        };
        javax.tools.StandardJavaFileManager std = javac.getStandardFileManager(null, null, null);
        javax.tools.JavaFileManager fm = new javax.tools.ForwardingJavaFileManager<>(std) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location l, String name, JavaFileObject.Kind k,
                                                       javax.tools.FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + name + ".class"), k) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        boolean ok = javac.getTask(null, fm, null, List.of("--release", release, "-g", "-Xlint:-options",
                "-classpath", System.getProperty("java.class.path")), null, List.of(src)).call();
        assertTrue(ok, "javac --release " + release + " failed");
        return out.get("gen.Versions").toByteArray();
    }

    static String run(byte[] classFile) throws Exception {
        ClassLoader loader = new ClassLoader(ClassFileVersionsTest.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals("gen.Versions")) {
                    return defineClass(name, ByteBuffer.wrap(classFile), null);
                }
                throw new ClassNotFoundException(name);
            }
        };
        @SuppressWarnings("unchecked")
        CoroutineCallable<String> body = (CoroutineCallable<String>) loader.loadClass("gen.Versions")
                .getDeclaredConstructor().newInstance();
        // a second task yields too, so every suspension really hands the thread over
        return Coro.run(() -> {
            Coro.spawn(() -> {
                for (int i = 0; i < 100; i++) {
                    Coro.yield();
                }
            });
            return body.call();
        });
    }

    static int version(byte[] classFile) {
        return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    @Test
    void java8AndCurrentClassFilesGiveTheSameResultsAsPlainJava() throws Exception {
        byte[] old = compile("8");
        String feature = String.valueOf(Runtime.version().feature());
        byte[] current = compile(feature);
        assertEquals(52, version(old));
        assertEquals(44 + Runtime.version().feature(), version(current));
        String expected = plain();
        assertEquals(expected, run(old));
        assertEquals(expected, run(current));
    }

    /** The same computation without coro, by hand. */
    static String plain() {
        long acc = 1;
        StringBuilder b = new StringBuilder("v");
        for (int i = 0; i < 7; i++) {
            acc = acc * 31 + i + (long) (1.5 * 2);
            if (i == 3) {
                b.append("three").append(i);
            }
            b.append('.');
        }
        return b.append(acc).toString();
    }
}
