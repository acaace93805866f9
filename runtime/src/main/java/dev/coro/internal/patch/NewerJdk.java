package dev.coro.internal.patch;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * JDK methods newer than the release coro is compiled for (17): {@code Thread.sleep(Duration)},
 * {@code Thread.join(Duration)} (19), {@code ExecutorService.close()} (19). Their twins are only ever called from a
 * class compiled for that JDK or a later one, so the method is there; each handle is looked up on first use.
 */
final class NewerJdk {
    private NewerJdk() {
    }

    private static MethodHandle find(Class<?> owner, String name, MethodType type, boolean isStatic) {
        try {
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            return isStatic ? l.findStatic(owner, name, type) : l.findVirtual(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException(owner.getName() + "." + name + type + " is not in this JDK ("
                    + Runtime.version() + "), but a class compiled for a JDK that has it calls it", e);
        }
    }

    private static final class Sleep {
        static final MethodHandle H = find(Thread.class, "sleep",
                MethodType.methodType(void.class, Duration.class), true);
    }

    private static final class Join {
        static final MethodHandle H = find(Thread.class, "join",
                MethodType.methodType(boolean.class, Duration.class), false);
    }

    private static final class Close {
        static final MethodHandle H = find(ExecutorService.class, "close", MethodType.methodType(void.class), false);
    }

    static void sleep(Duration d) throws InterruptedException {
        try {
            Sleep.H.invokeExact(d);
        } catch (Throwable e) {
            throw NewerJdk.<RuntimeException>thrown(e);
        }
    }

    static boolean join(Thread t, Duration d) throws InterruptedException {
        try {
            return (boolean) Join.H.invokeExact(t, d);
        } catch (Throwable e) {
            throw NewerJdk.<RuntimeException>thrown(e);
        }
    }

    static void close(ExecutorService e) {
        try {
            Close.H.invokeExact(e);
        } catch (Throwable x) {
            throw NewerJdk.<RuntimeException>thrown(x);
        }
    }

    /** Throws {@code e} as it is: what the method threw (a library's override may throw what it does not declare). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E thrown(Throwable e) throws E {
        throw (E) e;
    }
}
