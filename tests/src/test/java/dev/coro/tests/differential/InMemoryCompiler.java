package dev.coro.tests.differential;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles Java sources in memory with the system compiler ({@code --release 17 -g}) and loads the results in
 * fresh child class loaders that also serve the class files as resources (the agent reads class files of a loader
 * through {@code getResourceAsStream} to find out which methods of other classes are coroutines).
 */
public final class InMemoryCompiler {
    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
    /** What {@link Result#errors} says when javac failed without reporting an error: it crashed. */
    static final String JAVAC_CRASHED = "javac crashed";

    /** The result of one compilation: class files by binary name, or the compiler's errors. */
    public static final class Result {
        public final Map<String, byte[]> classes;
        public final String errors;

        Result(Map<String, byte[]> classes, String errors) {
            this.classes = classes;
            this.errors = errors;
        }

        public boolean ok() {
            return errors == null;
        }
    }

    private final String classPath;

    public InMemoryCompiler() {
        if (JAVAC == null) {
            throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
        }
        // java.class.path alone is not enough under surefire's manifest-only jar; add where the classes the
        // generated code uses come from
        Set<String> cp = new LinkedHashSet<>();
        addLocation(cp, dev.coro.Coro.class);
        addLocation(cp, Ctx.class);
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                cp.add(e);
            }
        }
        this.classPath = String.join(File.pathSeparator, cp);
    }

    private static void addLocation(Set<String> cp, Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null) {
            try {
                cp.add(new File(cs.getLocation().toURI()).getPath());
            } catch (URISyntaxException | IllegalArgumentException ignored) {
                // not a file: javac cannot use it anyway
            }
        }
    }

    /** Compiles the sources (binary class name to source text) in one javac invocation. */
    public Result compile(Map<String, String> sources) {
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) {
            units.add(new Source(s.getKey(), s.getValue()));
        }
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        Map<String, byte[]> out = new ConcurrentHashMap<>();
        StandardJavaFileManager std = JAVAC.getStandardFileManager(diags, null, StandardCharsets.UTF_8);
        try (MemoryFileManager fm = new MemoryFileManager(std, out)) {
            List<String> options = List.of("--release", "17", "-g", "-proc:none", "-nowarn", "-Xlint:none",
                    "-Xmaxerrs", "20", "-classpath", classPath);
            Boolean ok = JAVAC.getTask(null, fm, diags, options, null, units).call();
            if (!Boolean.TRUE.equals(ok)) {
                StringBuilder b = new StringBuilder();
                for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR) {
                        b.append(d.getSource() == null ? "?" : d.getSource().getName()).append(':')
                                .append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
                    }
                }
                // javac 17 also fails "Internal error: stack sim error" on some nested switch expressions
                boolean crashed = b.length() == 0 || b.indexOf("Internal error") >= 0;
                return new Result(Collections.emptyMap(), crashed ? JAVAC_CRASHED : b.toString());
            }
        } catch (java.io.IOException e) {
            return new Result(Collections.emptyMap(), e.toString());
        } catch (RuntimeException | AssertionError e) {
            return new Result(Collections.emptyMap(), JAVAC_CRASHED);
        }
        return new Result(out, null);
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    private static final class MemoryFileManager extends ForwardingJavaFileManager<StandardJavaFileManager> {
        private final Map<String, byte[]> out;

        MemoryFileManager(StandardJavaFileManager m, Map<String, byte[]> out) {
            super(m);
            this.out = out;
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                FileObject sibling) {
            return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension),
                    kind) {
                @Override
                public OutputStream openOutputStream() {
                    return new ByteArrayOutputStream() {
                        @Override
                        public void close() {
                            out.put(className, toByteArray());
                        }
                    };
                }
            };
        }
    }

    /**
     * A fresh loader for the classes of one program (those named {@code top} or {@code top$...}), child of the
     * test's loader. Serves their class files as resources too.
     */
    public static ClassLoader loader(String top, Map<String, byte[]> all) {
        Map<String, byte[]> mine = new ConcurrentHashMap<>();
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            if (e.getKey().equals(top) || e.getKey().startsWith(top + "$")) {
                mine.put(e.getKey(), e.getValue());
            }
        }
        return new ProgramLoader(top, mine, InMemoryCompiler.class.getClassLoader());
    }

    static final class ProgramLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Map<String, byte[]> classes;

        ProgramLoader(String name, Map<String, byte[]> classes, ClassLoader parent) {
            super("differential-" + name, parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }

        private byte[] bytesOf(String resource) {
            if (!resource.endsWith(".class")) {
                return null;
            }
            return classes.get(resource.substring(0, resource.length() - ".class".length()).replace('/', '.'));
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            byte[] b = bytesOf(name);
            return b != null ? new ByteArrayInputStream(b) : super.getResourceAsStream(name);
        }

        @Override
        protected URL findResource(String name) {
            byte[] b = bytesOf(name);
            if (b == null) {
                return null;
            }
            try {
                return new URL("mem", null, -1, "/" + name, new URLStreamHandler() {
                    @Override
                    protected URLConnection openConnection(URL u) {
                        return new URLConnection(u) {
                            @Override
                            public void connect() {
                            }

                            @Override
                            public InputStream getInputStream() {
                                return new ByteArrayInputStream(b);
                            }
                        };
                    }
                });
            } catch (java.net.MalformedURLException e) {
                return null;
            }
        }
    }
}
