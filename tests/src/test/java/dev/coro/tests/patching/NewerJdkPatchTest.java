package dev.coro.tests.patching;

import dev.coro.CoroutineCallable;
import dev.coro.tests.patching.SocketWrappersMorePatchTest.Ticked;
import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.coro.tests.patching.SocketWrappersMorePatchTest.ticking;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Blocking calls newer than the release coro is built for (17), patched in code compiled for a JDK that has them:
 * {@code Thread.sleep(Duration)}, {@code Thread.join(Duration)}, {@code ExecutorService.close()} (all JDK 19). The
 * source is compiled here by the running JDK (so this runs on JDK 19 and later: CI's JDK 25 pass), loaded through
 * the agent, and run plainly and as a coroutine next to a ticker: the same transcript, and the loop keeps turning.
 */
class NewerJdkPatchTest {
    private static final String SOURCE = String.join("\n",
            "package gen;",
            "import dev.coro.*;",
            "import java.time.Duration;",
            "import java.util.*;",
            "import java.util.concurrent.*;",
            "public class Newer implements CoroutineCallable<String> {",
            "    public String call() throws Exception {",
            "        List<String> t = new ArrayList<>();",
            "        Thread.sleep(Duration.ofMillis(-5));",
            "        Thread.sleep(Duration.ofMillis(300));",
            "        t.add(\"slept\");",
            "        Thread th = new Thread(() -> {",
            "            try { Thread.sleep(400); } catch (InterruptedException e) { }",
            "        });",
            "        th.start();",
            "        t.add(\"joined early \" + th.join(Duration.ofMillis(20)));",
            "        t.add(\"joined \" + th.join(Duration.ofSeconds(10)));",
            "        t.add(\"joined again \" + th.join(Duration.ofMillis(1)));",
            "        ExecutorService ex = Executors.newFixedThreadPool(2);",
            "        Future<String> f = ex.submit(() -> { Thread.sleep(400); return \"work done\"; });",
            "        ex.close();",
            "        t.add(\"closed \" + ex.isTerminated() + \" \" + f.get());",
            "        ExecutorService failing = new FailingClose();",
            "        failing.submit(() -> { Thread.sleep(100); return null; });",
            "        try {",
            "            failing.close();",
            "        } catch (Exception e) {",
            "            t.add(\"close threw \" + e);",
            "        }",
            "        try (ExecutorService ex2 = Executors.newSingleThreadExecutor()) {",
            "            ex2.execute(() -> t.add(\"ran before close\"));",
            "        }",
            "        return String.join(\", \", t);",
            "    }",
            "    /** A library's executor whose close() throws what it does not declare. */",
            "    static final class FailingClose extends ThreadPoolExecutor {",
            "        FailingClose() { super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()); }",
            "        @Override public void close() { super.close(); FailingClose.<RuntimeException>sneaky(); }",
            "        @SuppressWarnings(\"unchecked\")",
            "        static <E extends Throwable> void sneaky() throws E {",
            "            throw (E) new java.io.IOException(\"close failed\");",
            "        }",
            "    }",
            "}");

    static Map<String, byte[]> compile() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///gen/Newer.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return SOURCE;
            }
        };
        javax.tools.JavaFileManager fm = new javax.tools.ForwardingJavaFileManager<>(
                javac.getStandardFileManager(null, null, null)) {
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
        boolean ok = javac.getTask(null, fm, null, List.of("-g", "-classpath", System.getProperty("java.class.path")),
                null, List.of(src)).call();
        assertTrue(ok, "javac failed");
        Map<String, byte[]> classes = new HashMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }

    @SuppressWarnings("unchecked")
    static CoroutineCallable<String> load(Map<String, byte[]> classes) throws Exception {
        ClassLoader loader = new ClassLoader(NewerJdkPatchTest.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = classes.get(name);
                if (b != null) {
                    return defineClass(name, ByteBuffer.wrap(b), null);
                }
                throw new ClassNotFoundException(name);
            }
        };
        return (CoroutineCallable<String>) loader.loadClass("gen.Newer").getDeclaredConstructor().newInstance();
    }

    @Test
    void sleepJoinAndCloseOfNewerJdksWaitInATaskWithoutBlockingTheLoop() throws Exception {
        assumeTrue(Runtime.version().feature() >= 19, "these calls came with JDK 19");
        CoroutineCallable<String> body = load(compile());
        String plain = body.call();
        assertEquals("slept, joined early false, joined true, joined again true, closed true work done, "
                + "close threw java.io.IOException: close failed, ran before close", plain);
        Ticked<String> r = ticking(body::call);
        assertEquals(plain, r.value);
        System.out.println("newer JDK waits in a task: " + r.ms + " ms, " + r.ticks + " ticks, longest gap "
                + r.maxGapMs + " ms");
        // each wait lasts 300 to 400 ms: a wait that held the loop's thread would stop the ticker that long
        assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms");
        assertTrue(r.ticks >= Math.max(2, r.ms / 40), "ticks: " + r.ticks + " in " + r.ms + " ms");
    }
}
