package dev.coro.internal.proc;

import dev.coro.ProcessFunction;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/** Which method a {@link ProcessFunction} calls, read from its serialized form: what a worker process can call. */
public final class PoolFunction {
    public final String className;
    public final String methodName;
    public final String descriptor;
    /** True for an unbound instance method: the item is the receiver. */
    public final boolean onItem;

    private PoolFunction(String className, String methodName, String descriptor, boolean onItem) {
        this.className = className;
        this.methodName = methodName;
        this.descriptor = descriptor;
        this.onItem = onItem;
    }

    public String label() {
        return className + "." + methodName;
    }

    public static PoolFunction of(ProcessFunction<?, ?> fn) {
        if (fn == null) {
            throw new NullPointerException("function");
        }
        SerializedLambda l;
        try {
            Method w = fn.getClass().getDeclaredMethod("writeReplace");
            w.setAccessible(true);
            Object r = w.invoke(fn);
            if (!(r instanceof SerializedLambda)) {
                throw new NoSuchMethodException();
            }
            l = (SerializedLambda) r;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("the function " + fn.getClass().getName() + " is not a method reference"
                    + " or lambda: give a static method reference such as MyClass::work", e);
        }
        String cls = l.getImplClass().replace('/', '.');
        String where = cls + "." + l.getImplMethodName();
        if (l.getCapturedArgCount() != 0) {
            throw new IllegalArgumentException("the function (" + where + ") captures " + l.getCapturedArgCount()
                    + " value(s) from its context, which do not exist in a worker process: use a static method, or a"
                    + " lambda that uses only its argument");
        }
        int kind = l.getImplMethodKind();
        boolean onItem;
        if (kind == MethodHandleInfo.REF_invokeStatic) {
            onItem = false;
        } else if (kind == MethodHandleInfo.REF_invokeVirtual || kind == MethodHandleInfo.REF_invokeInterface) {
            onItem = true;
        } else {
            throw new IllegalArgumentException("the function " + where + " is a "
                    + MethodHandleInfo.referenceKindToString(kind) + " reference: a worker process calls a static"
                    + " method, or an instance method of the item");
        }
        PoolFunction f = new PoolFunction(cls, l.getImplMethodName(), l.getImplMethodSignature(), onItem);
        ChildCall.requireReachable(classOf(cls, fn));
        return f;
    }

    private static Class<?> classOf(String name, Object fn) {
        try {
            return Class.forName(name, false, fn.getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("the function's class " + name + " cannot be loaded: " + e, e);
        }
    }

    /** The method, found in a worker. */
    Method resolve(ClassLoader loader) throws ClassNotFoundException, NoSuchMethodException {
        Class<?> c = Class.forName(className, true, loader);
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(methodName) && ChildCall.descriptor(m).equals(descriptor)
                    && Modifier.isStatic(m.getModifiers()) != onItem) {
                m.setAccessible(true);
                return m;
            }
        }
        throw new NoSuchMethodException(className + "." + methodName + descriptor);
    }

    static PoolFunction of(String className, String methodName, String descriptor, boolean onItem) {
        return new PoolFunction(className, methodName, descriptor, onItem);
    }
}
