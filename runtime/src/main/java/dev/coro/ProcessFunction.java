package dev.coro;

import java.io.Serializable;

/**
 * A function that {@link ProcessPool} runs in another process: a reference to a static method ({@code
 * Squares::square}), an unbound instance method of the item ({@code String::length}), or a lambda that captures
 * nothing. Only its class and method name travel; the worker calls the same method of the same class there. A lambda
 * that captures a variable, or a bound reference ({@code obj::m}), is refused when it is submitted: what it captured
 * would not exist in the worker. Unlike {@link java.util.function.Function}, it may throw checked exceptions: they
 * fail the item, like unchecked ones.
 *
 * <pre>{@code
 * ProcessFunction<String, Integer> length = String::length;   // travels: an unbound method of the item
 * ProcessFunction<Long, Long> square = Squares::square;        // travels: a static method
 * int base = 10;
 * ProcessFunction<Long, Long> shifted = x -> x + base;         // submit throws IllegalArgumentException: captures
 * List<Integer> lengths = Coro.run(() -> pool.map(length, List.of("a", "bb", "ccc")));   // [1, 2, 3]
 * }</pre>
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface ProcessFunction<T, R> extends Serializable {
    /** The result for {@code item}; what a worker process calls is the method this refers to. */
    R apply(T item) throws Exception;
}
