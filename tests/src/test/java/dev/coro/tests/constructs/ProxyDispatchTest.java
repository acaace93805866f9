package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.tests.libraries.scoped.Directory;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A JDK proxy of an interface with coroutine methods (as RPC and HTTP client libraries make of a user's interface):
 * a rewritten caller reaches the proxy's handler for abstract and default methods alike, never the interface's own
 * default body. Public interfaces get their proxy class in a module of its own, package-private ones in their package.
 */
class ProxyDispatchTest extends CoroTest {
    public interface PublicGreeter {
        @Coroutine
        String greet(String who);

        @Coroutine
        default String greetTwice(String who) {
            return "the interface's own body";
        }
    }

    interface PackageGreeter {
        @Coroutine
        String greet(String who);

        @Coroutine
        default String greetTwice(String who) {
            return "the interface's own body";
        }
    }

    static <T> T proxy(Class<T> type) {
        InvocationHandler h = (p, m, args) -> m.getName() + "(" + args[0] + ") by the handler";
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
    }

    @Test
    void aProxyOfAPublicInterfaceRunsItsHandlerForAbstractAndDefaultMethods() {
        PublicGreeter g = proxy(PublicGreeter.class);
        String expected = "greet(a) by the handler | greetTwice(b) by the handler";
        assertEquals(expected, g.greet("a") + " | " + g.greetTwice("b"));
        assertEquals(expected, Coro.run(() -> g.greet("a") + " | " + g.greetTwice("b")));
    }

    @Test
    void aProxyOfAnInterfaceInScopeRunsItsHandlerForAbstractAndDefaultMethods() {
        Directory d = proxy(Directory.class);
        String expected = "find(a) by the handler | findTwice(b) by the handler";
        assertEquals(expected, d.find("a") + " | " + d.findTwice("b"));
        assertEquals(expected, Coro.run(() -> d.find("a") + " | " + d.findTwice("b")));
    }

    @Test
    void aProxyOfAPackagePrivateInterfaceRunsItsHandlerForAbstractAndDefaultMethods() {
        PackageGreeter g = proxy(PackageGreeter.class);
        String expected = "greet(a) by the handler | greetTwice(b) by the handler";
        assertEquals(expected, g.greet("a") + " | " + g.greetTwice("b"));
        assertEquals(expected, Coro.run(() -> g.greet("a") + " | " + g.greetTwice("b")));
    }
}
