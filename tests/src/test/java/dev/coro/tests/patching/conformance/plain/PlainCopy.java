package dev.coro.tests.patching.conformance.plain;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The JDK baseline of a scenario class: its compiled bytes, as javac wrote them, renamed into this package, which
 * the agent never rewrites (tests/pom.xml excludes it). So the very same code runs once with the JDK's own sockets
 * and streams and once rewritten by the agent, and the two can be compared call for call.
 */
public final class PlainCopy extends ClassLoader {
    private final String from;
    private final String to;

    private PlainCopy(Class<?> original) {
        super(original.getClassLoader());
        this.from = original.getName().replace('.', '/');
        this.to = PlainCopy.class.getPackageName().replace('.', '/') + "/" + original.getSimpleName();
    }

    /** Loads the unrewritten copy of {@code original} (and its nested classes). */
    public static Class<?> of(Class<?> original) {
        PlainCopy loader = new PlainCopy(original);
        try {
            return loader.loadClass(loader.to.replace('/', '.'));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            String internal = name.replace('.', '/');
            if (internal.equals(to) || internal.startsWith(to + "$")) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] b = renamed(from + internal.substring(to.length()));
                    c = defineClass(name, b, 0, b.length);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
            return super.loadClass(name, resolve);
        }
    }

    private byte[] renamed(String originalInternalName) throws ClassNotFoundException {
        byte[] bytes;
        try (InputStream in = getParent().getResourceAsStream(originalInternalName + ".class")) {
            if (in == null) {
                throw new ClassNotFoundException(originalInternalName);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClassWriter w = new ClassWriter(0);
        new ClassReader(bytes).accept(new ClassRemapper(w, new Remapper() {
            @Override
            public String map(String internalName) {
                if (internalName.equals(from) || internalName.startsWith(from + "$")) {
                    return to + internalName.substring(from.length());
                }
                return internalName;
            }
        }), 0);
        return w.toByteArray();
    }
}
