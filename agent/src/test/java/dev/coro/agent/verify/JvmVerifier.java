package dev.coro.agent.verify;

import java.util.function.Function;

/**
 * Runs the JVM's own verifier on a class file: defines it in a fresh loader and links it, without running its
 * static initialiser.
 *
 * <p>The fresh loader is child-first for the class's whole code base (its jar): it defines the rewritten class
 * from the given bytes and every other class of the jar from its original class file, and delegates everything
 * else (the JDK, the runtime, other jars) to the parent. Defining only the rewritten class there would split its
 * runtime package from its package-mates in the parent, which makes the verifier reject legal protected accesses
 * (JVMS 4.10.1.8) and makes package-private supertypes inaccessible; the jar's other classes are unchanged and
 * only serve to keep the runtime package whole.
 *
 * <p>Linking is forced with {@link Class#getDeclaredFields()} (HotSpot links a class before reflecting on it);
 * linking verifies, since classes of a non-boot loader are always verified by default.
 */
final class JvmVerifier {
    private JvmVerifier() {
    }

    enum Kind { VERIFIED, REJECTED, SKIPPED }

    static final class Outcome {
        final Kind kind;
        /** For REJECTED, the VerifyError or ClassFormatError; for SKIPPED, what prevented the check. */
        final Throwable error;
        final String stage;

        Outcome(Kind kind, Throwable error, String stage) {
            this.kind = kind;
            this.error = error;
            this.stage = stage;
        }

        String reason() {
            return error == null ? kind.toString() : stage + ": " + error;
        }

        @Override
        public String toString() {
            return kind + (error == null ? "" : " (" + reason() + ")");
        }
    }

    /**
     * @param internalName the class's internal name
     * @param classFile    the class file to verify
     * @param codeBase     original class files of the class's code base by internal name (null if absent there)
     */
    static Outcome verify(String internalName, byte[] classFile, Function<String, byte[]> codeBase,
                          ClassLoader parent) {
        String binaryName = internalName.replace('/', '.');
        ChildFirstLoader loader = new ChildFirstLoader(parent, binaryName, classFile, codeBase);
        Class<?> c;
        try {
            c = Class.forName(binaryName, false, loader);
        } catch (VerifyError | ClassFormatError e) {
            return new Outcome(Kind.REJECTED, e, "define");
        } catch (LinkageError | ClassNotFoundException e) {
            return new Outcome(Kind.SKIPPED, e, "define");
        }
        if (c.getClassLoader() != loader) {
            throw new AssertionError(binaryName + " was not defined by the fresh loader but by " + c.getClassLoader());
        }
        try {
            c.getDeclaredFields();
        } catch (VerifyError | ClassFormatError e) {
            return new Outcome(Kind.REJECTED, e, "link");
        } catch (LinkageError e) {
            return new Outcome(Kind.SKIPPED, e, "link");
        }
        return new Outcome(Kind.VERIFIED, null, null);
    }

    private static final class ChildFirstLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final String target;
        private final byte[] targetBytes;
        private final Function<String, byte[]> codeBase;

        ChildFirstLoader(ClassLoader parent, String target, byte[] targetBytes, Function<String, byte[]> codeBase) {
            super("verify:" + target, parent);
            this.target = target;
            this.targetBytes = targetBytes;
            this.codeBase = codeBase;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes = name.equals(target) ? targetBytes
                            : name.startsWith("java.") ? null : codeBase.apply(name.replace('.', '/'));
                    c = bytes != null ? defineClass(name, bytes, 0, bytes.length) : getParent().loadClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
