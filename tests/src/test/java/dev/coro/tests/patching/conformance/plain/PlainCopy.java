package dev.coro.tests.patching.conformance.plain;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JDK baseline of a scenario class: its compiled bytes, as javac wrote them, renamed into this package, which
 * the agent never rewrites (tests/pom.xml excludes it). So the very same code runs once with the JDK's own sockets
 * and streams and once rewritten by the agent, and the two can be compared call for call. A scenario class that
 * calls into other scenario classes names them: they are copied alike, and the copy's calls go to their copies
 * (never to the rewritten originals, which would not be a JDK baseline).
 */
public final class PlainCopy extends ClassLoader {
    /** Internal names: each original's copy, by the original's name. */
    private final Map<String, String> copies = new HashMap<>();
    /** Internal names of the other classes the copies loaded so far refer to (the JDK's, the annotations...). */
    private final Set<String> outside = new TreeSet<>();

    private PlainCopy(Class<?> original, Class<?>... with) {
        super(original.getClassLoader());
        String pkg = PlainCopy.class.getPackageName().replace('.', '/') + "/";
        List<Class<?>> all = new ArrayList<>(List.of(with));
        all.add(0, original);
        for (Class<?> c : all) {
            if (c.getEnclosingClass() != null || c.getClassLoader() != original.getClassLoader()) {
                throw new IllegalArgumentException("not a top-level class of " + original.getName() + "'s loader: "
                        + c.getName());
            }
            if (copies.containsValue(pkg + c.getSimpleName())) {
                throw new IllegalArgumentException("two classes named " + c.getSimpleName());
            }
            copies.put(c.getName().replace('.', '/'), pkg + c.getSimpleName());
        }
    }

    /**
     * Loads the unrewritten copy of {@code original} (and its nested classes), whose calls to the classes {@code with} (and to nested
     * classes of any of them) go to unrewritten copies of those, loaded alike.
     */
    public static Class<?> of(Class<?> original, Class<?>... with) {
        PlainCopy loader = new PlainCopy(original, with);
        try {
            return loader.loadClass(loader.copies.get(original.getName().replace('.', '/')).replace('/', '.'));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The copy of {@code original} that the copy {@code copy} calls (it was named when {@code copy} was made). */
    public static Class<?> copyOf(Class<?> copy, Class<?> original) throws ClassNotFoundException {
        if (!(copy.getClassLoader() instanceof PlainCopy)) {
            throw new IllegalArgumentException(copy.getName() + " is not a copy");
        }
        PlainCopy loader = (PlainCopy) copy.getClassLoader();
        String to = loader.copies.get(original.getName().replace('.', '/'));
        if (to == null) {
            throw new IllegalArgumentException(original.getName() + " was not copied with " + copy.getName());
        }
        return loader.loadClass(to.replace('/', '.'));
    }

    /**
     * The classes (binary names) that the copies loaded by {@code copy}'s loader so far refer to and that are not
     * copies: those the baseline calls as they are.
     */
    public static List<String> outside(Class<?> copy) {
        if (!(copy.getClassLoader() instanceof PlainCopy)) {
            throw new IllegalArgumentException(copy.getName() + " is not a copy");
        }
        PlainCopy loader = (PlainCopy) copy.getClassLoader();
        List<String> names = new ArrayList<>();
        synchronized (loader.outside) {
            for (String n : loader.outside) {
                names.add(n.replace('/', '.'));
            }
        }
        return names;
    }

    /**
     * Whether the agent rewrote {@code c}: it has a coroutine twin, a method whose last parameter is
     * {@code dev.coro.internal.Stack}.
     */
    public static boolean rewritten(Class<?> c) {
        for (Method m : c.getDeclaredMethods()) {
            Class<?>[] p = m.getParameterTypes();
            if (p.length > 0 && p[p.length - 1].getName().equals("dev.coro.internal.Stack")) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            String original = original(name.replace('.', '/'));
            if (original != null) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] b = renamed(original);
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

    /** The original of a copy's internal name (nested classes included), or null if it is no copy's. */
    private String original(String internalName) {
        for (Map.Entry<String, String> e : copies.entrySet()) {
            String to = e.getValue();
            if (internalName.equals(to) || internalName.startsWith(to + "$")) {
                return e.getKey() + internalName.substring(to.length());
            }
        }
        return null;
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
                for (Map.Entry<String, String> e : copies.entrySet()) {
                    String from = e.getKey();
                    if (internalName.equals(from) || internalName.startsWith(from + "$")) {
                        return e.getValue() + internalName.substring(from.length());
                    }
                }
                synchronized (outside) {
                    outside.add(internalName);
                }
                return internalName;
            }
        }), 0);
        return w.toByteArray();
    }
}
