package dev.coro.internal.proc;

import dev.coro.Codec;
import dev.coro.CodecException;
import dev.coro.internal.ipc.Handover;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * What a child process runs: a main class with string arguments, or a static method with arguments. The parent
 * resolves and checks it by reflection before it forks, writes it to the child's standard input, and the child's
 * {@link ChildMain} reads it back. Arguments are values {@link Codec#values()} carries, or {@link Handover}s that
 * travel as their spec and are attached again in the child.
 */
public final class ChildCall {
    static final int MAGIC = 0x436f726f; // "Coro"
    static final int VERSION = 1;
    private static final int MAX_FRAME = 64 << 20;

    private static final byte VALUE = 0, HANDOVER = 1;

    final boolean isMain;
    final String className;
    final String methodName;
    /** The method's descriptor, so the child picks the same overload. */
    final String descriptor;
    final long parentPid;
    /** Encoded arguments: for values their bytes, for handovers their spec. */
    final List<Object> wireArgs;

    private ChildCall(boolean isMain, String className, String methodName, String descriptor, long parentPid,
                      List<Object> wireArgs) {
        this.isMain = isMain;
        this.className = className;
        this.methodName = methodName;
        this.descriptor = descriptor;
        this.parentPid = parentPid;
        this.wireArgs = wireArgs;
    }

    /** A short description for {@code ps} and messages: {@code Class.method}. */
    public String label() {
        return className + "." + methodName;
    }

    /** Checks that {@code mainClass} has {@code public static void main(String[])}. */
    public static ChildCall main(Class<?> mainClass, String... args) {
        requireReachable(mainClass);
        Method m;
        try {
            m = mainClass.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(mainClass.getName() + " has no public static void main(String[]) to run"
                    + " in a child process");
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException(mainClass.getName() + ".main(String[]) is not static");
        }
        List<Object> wire = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                throw new NullPointerException("argument " + i + " for " + mainClass.getName() + ".main is null");
            }
            wire.add(Codec.values().encode(args[i]));
        }
        return new ChildCall(true, mainClass.getName(), "main", descriptor(m), ProcessHandle.current().pid(), wire);
    }

    /**
     * Resolves {@code owner.method} for {@code args}: a static method of that name whose parameters accept the
     * arguments as the child will see them (values after a round trip through {@link Codec#values()}; handovers as
     * they are). Any problem is reported here, in the parent, naming the class and the method.
     */
    public static ChildCall method(Class<?> owner, String method, Object... args) {
        requireReachable(owner);
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("no method name given for " + owner.getName());
        }
        Object[] seen = new Object[args.length];
        List<Object> wire = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Handover h) {
                seen[i] = a;
                wire.add(h.handover());
            } else {
                byte[] b;
                try {
                    b = Codec.values().encode(a);
                } catch (CodecException e) {
                    throw new IllegalArgumentException("argument " + i + " for " + owner.getName() + "." + method
                            + " (" + a.getClass().getName() + ") cannot be handed to a child process: pass values that"
                            + " Codec.values() carries (null, boxes, String, byte[], List, Map) or a ProcessQueue or"
                            + " Pipe end (" + e.getMessage() + ")", e);
                }
                seen[i] = Codec.values().decode(b);
                wire.add(b);
            }
        }
        List<Method> named = new ArrayList<>();
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(method) && !m.isSynthetic()) {
                named.add(m);
            }
        }
        if (named.isEmpty()) {
            throw new IllegalArgumentException("no method named '" + method + "' in " + owner.getName());
        }
        List<Method> statics = new ArrayList<>();
        for (Method m : named) {
            if (Modifier.isStatic(m.getModifiers())) {
                statics.add(m);
            }
        }
        if (statics.isEmpty()) {
            throw new IllegalArgumentException(owner.getName() + "." + method + " is not static: a child process runs a"
                    + " static method (or a main class)");
        }
        List<Method> arity = new ArrayList<>();
        for (Method m : statics) {
            if (m.getParameterCount() == args.length) {
                arity.add(m);
            }
        }
        if (arity.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Method m : statics) {
                sb.append(sb.length() == 0 ? "" : ", ").append(signature(m));
            }
            throw new IllegalArgumentException(owner.getName() + "." + method + " does not take " + args.length
                    + " argument" + (args.length == 1 ? "" : "s") + ": it is " + sb);
        }
        List<Method> fit = new ArrayList<>();
        for (Method m : arity) {
            if (accepts(m, seen)) {
                fit.add(m);
            }
        }
        if (fit.isEmpty()) {
            StringBuilder got = new StringBuilder();
            for (Object o : seen) {
                got.append(got.length() == 0 ? "" : ", ").append(o == null ? "null" : o.getClass().getName());
            }
            throw new IllegalArgumentException(owner.getName() + "." + method + " cannot take (" + got + "): it is "
                    + signature(arity.get(0)) + " (values arrive as Codec.values() decodes them: Integer, Long, "
                    + "String, List, Map, ...)");
        }
        if (fit.size() > 1) {
            throw new IllegalArgumentException(owner.getName() + "." + method + " is ambiguous for these arguments: "
                    + signature(fit.get(0)) + " and " + signature(fit.get(1)));
        }
        Method m = fit.get(0);
        return new ChildCall(false, owner.getName(), method, descriptor(m), ProcessHandle.current().pid(), wire);
    }

    static void requireReachable(Class<?> c) {
        if (c == null) {
            throw new NullPointerException("class");
        }
        try {
            if (Class.forName(c.getName(), false, ClassLoader.getSystemClassLoader()) == c) {
                return;
            }
        } catch (ClassNotFoundException | LinkageError ignored) {
            // reported below
        }
        throw new IllegalArgumentException(c.getName() + " is not on the class path (it was loaded by "
                + c.getClassLoader() + "): a child process has only the class path of this JVM");
    }

    private static boolean accepts(Method m, Object[] seen) {
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            Object a = seen[i];
            if (a == null) {
                if (p[i].isPrimitive()) {
                    return false;
                }
            } else if (!box(p[i]).isInstance(a)) {
                return false;
            }
        }
        return true;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return MethodType.methodType(c).wrap().returnType();
    }

    private static String signature(Method m) {
        StringBuilder sb = new StringBuilder(m.getName()).append('(');
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(p[i].getSimpleName());
        }
        return sb.append(')').toString();
    }

    static String descriptor(Method m) {
        return MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
    }

    /** Writes this call for the child. */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(parentPid);
        out.writeBoolean(isMain);
        out.writeUTF(className);
        out.writeUTF(methodName);
        out.writeUTF(descriptor);
        out.writeInt(wireArgs.size());
        for (Object a : wireArgs) {
            if (a instanceof byte[] b) {
                out.writeByte(VALUE);
                out.writeInt(b.length);
                out.write(b);
            } else {
                out.writeByte(HANDOVER);
                out.writeUTF((String) a);
            }
        }
        out.flush();
    }

    /** Reads what {@link #write} wrote. */
    static ChildCall read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a coro child-process call on standard input: this class is started by"
                    + " dev.coro.CoroProcess, not by hand");
        }
        int v = in.readInt();
        if (v != VERSION) {
            throw new IOException("call format " + v + ", expected " + VERSION + ": parent and child differ in version");
        }
        long parent = in.readLong();
        boolean isMain = in.readBoolean();
        String cls = in.readUTF();
        String method = in.readUTF();
        String desc = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > 65535) {
            throw new IOException("bad argument count " + n);
        }
        List<Object> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte tag = in.readByte();
            if (tag == VALUE) {
                int len = in.readInt();
                if (len < 0 || len > MAX_FRAME) {
                    throw new IOException("bad argument length " + len);
                }
                byte[] b = new byte[len];
                in.readFully(b);
                args.add(b);
            } else if (tag == HANDOVER) {
                args.add(in.readUTF());
            } else {
                throw new IOException("bad argument tag " + tag);
            }
        }
        return new ChildCall(isMain, cls, method, desc, parent, args);
    }

    /** The arguments as the child's method takes them. */
    Object[] arguments() {
        Object[] out = new Object[wireArgs.size()];
        for (int i = 0; i < out.length; i++) {
            Object a = wireArgs.get(i);
            out[i] = a instanceof byte[] b ? Codec.values().decode(b) : Handover.restore((String) a);
        }
        if (isMain) {
            String[] s = new String[out.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = (String) out[i];
            }
            return new Object[] {s};
        }
        return out;
    }

    /** The method, found in the child by name and descriptor. */
    Method resolve(ClassLoader loader) throws ClassNotFoundException, NoSuchMethodException {
        Class<?> c = Class.forName(className, true, loader);
        if (isMain) {
            return c.getMethod("main", String[].class);
        }
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(methodName) && descriptor(m).equals(descriptor)) {
                m.setAccessible(true);
                return m;
            }
        }
        throw new NoSuchMethodException(className + "." + methodName + descriptor);
    }
}
