package dev.coro;

/**
 * The body of a {@link Coro#generator(Generator)}: emits values one by one, suspending at each until the consumer
 * asks for the next.
 *
 * <pre>{@code
 * Generator<String> words = out -> { for (String w : "a b c".split(" ")) out.emit(w); };
 * for (String w : Coro.generator(words)) System.out.println(w);
 * }</pre>
 *
 * @param <T> the type of the values
 */
@FunctionalInterface
public interface Generator<T> {
    @Coroutine
    void generate(Emitter<T> out) throws Exception;

    /**
     * The form instrumented code calls when the implementation is a lambda or a class the agent did not rewrite.
     *
     * @hidden
     */
    default void generate(Emitter<T> out, dev.coro.internal.Stack stack) throws Exception {
        boolean transparent = stack.bridge(this);
        try {
            generate(out);
        } finally {
            stack.bridged(transparent);
        }
    }
}
