package dev.coro.internal;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Call sites whose callee may or may not be a coroutine, decided per receiver class at run time. A call through a
 * JDK interface ({@code java.sql.Statement.executeQuery}) reaches a driver class that {@code scope=} rewrote, or one
 * it did not: the agent makes such a call an invokedynamic site here (and a suspension point). The site calls the
 * receiver class's twin when it has one, else the interface method as it is; it caches the choice for the last
 * receiver class it saw.
 */
public final class DynamicTwins {
    private static final MethodHandle RELINK;
    private static final MethodHandle IS_CLASS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RELINK = l.findVirtual(Site.class, "relink", MethodType.methodType(Object.class, Object[].class));
            IS_CLASS = l.findStatic(DynamicTwins.class, "isClass",
                    MethodType.methodType(boolean.class, Class.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private DynamicTwins() {
    }

    /**
     * The bootstrap: {@code type} is the twin's call shape with the receiver first, {@code (R, args..., Stack)};
     * {@code original} is the interface method the call named.
     */
    public static CallSite bootstrap(MethodHandles.Lookup caller, String name, MethodType type, MethodHandle original) {
        return new Site(name, type, original);
    }

    private static boolean isClass(Class<?> c, Object receiver) {
        return receiver != null && receiver.getClass() == c;
    }

    static final class Site extends MutableCallSite {
        private final String name;
        private final MethodType twinType;
        private final MethodHandle plain;
        private final MethodHandle relink;
        private final Map<Class<?>, MethodHandle> targets = new ConcurrentHashMap<>();

        Site(String name, MethodType type, MethodHandle original) {
            super(type);
            this.name = name;
            this.twinType = type.dropParameterTypes(0, 1);
            // the interface method as it is, ignoring the Stack
            this.plain = MethodHandles.dropArguments(original, type.parameterCount() - 1, Stack.class).asType(type);
            this.relink = RELINK.bindTo(this).asCollector(Object[].class, type.parameterCount()).asType(type);
            setTarget(relink);
        }

        @SuppressWarnings("unused") // through RELINK
        Object relink(Object[] args) throws Throwable {
            Object receiver = args[0];
            if (receiver == null) {
                return plain.invokeWithArguments(args); // the NullPointerException the plain call would throw
            }
            Class<?> c = receiver.getClass();
            MethodHandle target = targets.computeIfAbsent(c, this::targetFor);
            MethodHandle test = MethodHandles.insertArguments(IS_CLASS, 0, c)
                    .asType(MethodType.methodType(boolean.class, type().parameterType(0)));
            setTarget(MethodHandles.guardWithTest(test, target, relink));
            return target.invokeWithArguments(args);
        }

        private MethodHandle targetFor(Class<?> c) {
            try {
                MethodHandles.Lookup l = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
                return l.findVirtual(c, name, twinType).asType(type());
            } catch (NoSuchMethodException | IllegalAccessException notRewritten) {
                return plain;
            }
        }
    }
}
