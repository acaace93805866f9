package dev.coro.tests.libraries.scoped;

/**
 * A library interface the tests put under {@code scope=} (tests/pom.xml), with no annotation: its methods become
 * coroutines by scope alone (ProxyDispatchTest).
 */
public interface Directory {
    String find(String key);

    default String findTwice(String key) {
        return "the interface's own body";
    }
}
