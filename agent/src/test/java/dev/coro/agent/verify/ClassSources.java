package dev.coro.agent.verify;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Class files by internal name, read without loading anything: the JDK's modules through {@code jrt:/} first (as
 * the boot loader would), then every entry of the test class path in order. Also lists the classes of the code
 * bases the instrument-everything check rewrites: the ASM and JUnit jars of the class path, and java.base.
 */
final class ClassSources implements Closeable {

    /** One code base to rewrite: its classes (internal names, sorted) and where they come from. */
    static final class CodeBase {
        final String name;
        /** True for java.base: such classes cannot be defined in another loader. */
        final boolean jdk;
        final List<String> classes;
        /** For a jar: its file, so that a loader can define the jar's other classes beside a rewritten one. */
        final ZipFile jar;

        CodeBase(String name, boolean jdk, List<String> classes, ZipFile jar) {
            this.name = name;
            this.jdk = jdk;
            this.classes = classes;
            this.jar = jar;
        }

        /** The original class file of a class of this code base, or null. */
        byte[] read(ClassSources sources, String internalName) {
            return jar != null ? readEntry(jar, internalName) : sources.readModule(name, internalName);
        }
    }

    private static final String[] REWRITTEN_JARS = {"asm-", "junit-", "opentest4j", "apiguardian"};

    private final FileSystem jrt;
    /** Package (internal form, with slashes) to the modules that hold it. */
    private final Map<String, List<String>> packageModules = new HashMap<>();
    private final List<ZipFile> jars = new ArrayList<>();
    private final List<Path> directories = new ArrayList<>();
    private final List<CodeBase> codeBases = new ArrayList<>();

    private ClassSources() throws IOException {
        jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        try (Stream<Path> packages = Files.list(jrt.getPath("/packages"))) {
            for (Path p : (Iterable<Path>) packages::iterator) {
                String pkg = p.getFileName().toString().replace('.', '/');
                try (Stream<Path> modules = Files.list(p)) {
                    packageModules.put(pkg, modules.map(m -> m.getFileName().toString()).collect(Collectors.toList()));
                }
            }
        }
    }

    /** Opens every entry of {@code java.class.path}. */
    static ClassSources open() throws IOException {
        ClassSources s = new ClassSources();
        String cp = System.getProperty("java.class.path");
        for (String entry : cp.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                s.directories.add(p);
            } else if (Files.isRegularFile(p) && entry.endsWith(".jar")) {
                ZipFile zip = new ZipFile(p.toFile());
                s.jars.add(zip);
                String file = p.getFileName().toString();
                for (String prefix : REWRITTEN_JARS) {
                    if (file.startsWith(prefix)) {
                        s.codeBases.add(new CodeBase(file, false, classesOf(zip), zip));
                        break;
                    }
                }
            }
        }
        return s;
    }

    /** The ASM and JUnit jars found on the class path, in class path order. */
    List<CodeBase> jarCodeBases() {
        return Collections.unmodifiableList(codeBases);
    }

    /** java.base, every class but module-info. */
    CodeBase javaBase() throws IOException {
        Path root = jrt.getPath("/modules/java.base");
        List<String> names;
        try (Stream<Path> files = Files.walk(root)) {
            names = files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> root.relativize(f).toString())
                    .map(n -> n.substring(0, n.length() - ".class".length()))
                    .filter(n -> !n.equals("module-info"))
                    // JDK 17's jrt:/ lists a file twice in a directory once it has been looked up by name
                    .distinct()
                    .sorted()
                    .collect(Collectors.toList());
        }
        return new CodeBase("java.base", true, names, null);
    }

    /** The class file for an internal name, or null; the locator of the class hierarchy. Thread-safe. */
    byte[] find(String internalName) {
        byte[] b = readJdk(internalName);
        if (b != null) {
            return b;
        }
        for (ZipFile jar : jars) {
            b = readEntry(jar, internalName);
            if (b != null) {
                return b;
            }
        }
        for (Path dir : directories) {
            Path f = dir.resolve(internalName + ".class");
            if (Files.isRegularFile(f)) {
                try {
                    return Files.readAllBytes(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return null;
    }

    /** A class file of one module of the JDK, or null. */
    byte[] readModule(String module, String internalName) {
        Path f = jrt.getPath("/modules", module, internalName + ".class");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readJdk(String internalName) {
        int slash = internalName.lastIndexOf('/');
        List<String> modules = packageModules.get(slash < 0 ? "" : internalName.substring(0, slash));
        if (modules == null) {
            return null;
        }
        for (String module : modules) {
            byte[] b = readModule(module, internalName);
            if (b != null) {
                return b;
            }
        }
        return null;
    }

    static byte[] readEntry(ZipFile jar, String internalName) {
        ZipEntry e = jar.getEntry(internalName + ".class");
        if (e == null) {
            return null;
        }
        try {
            return jar.getInputStream(e).readAllBytes();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The classes of a jar; module-info and the versioned classes of a multi-release jar are left out. */
    private static List<String> classesOf(ZipFile zip) {
        List<String> names = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String n = en.nextElement().getName();
            if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class")) {
                names.add(n.substring(0, n.length() - ".class".length()));
            }
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public void close() throws IOException {
        for (ZipFile z : jars) {
            z.close();
        }
    }
}
