package dev.coro;

/**
 * A coroutine taking one argument, as {@link Pool#map} applies.
 *
 * <pre>{@code
 * CoroutineFunction<String, Integer> length = url -> fetch(url).length();
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface CoroutineFunction<A, R> {
    @Coroutine
    R apply(A argument) throws Exception;

    /**
     * The form instrumented code calls when the implementation is a lambda or a class the agent did not rewrite.
     *
     * @hidden
     */
    default R apply(A argument, dev.coro.internal.Stack stack) throws Exception {
        boolean transparent = stack.bridge(this);
        try {
            return apply(argument);
        } finally {
            stack.bridged(transparent);
        }
    }
}
