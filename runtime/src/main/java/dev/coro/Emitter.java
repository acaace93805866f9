package dev.coro;

import dev.coro.internal.GeneratorIterator;
import dev.coro.internal.Stack;

/**
 * Hands values from a {@link Generator} body to its consumer.
 *
 * <pre>{@code
 * Coro.generator(out -> { out.emit(1); out.emit(2); })
 * }</pre>
 *
 * @param <T> the type of the values
 */
public final class Emitter<T> {
    private final GeneratorIterator<T> owner;

    /** @hidden */
    public Emitter(GeneratorIterator<T> owner) {
        this.owner = owner;
    }

    /** Gives {@code value} to the consumer and suspends until it asks for the next one. */
    @Coroutine
    public void emit(T value) {
        throw new IllegalStateException("Emitter.emit called from code the coro agent did not rewrite: the generator "
                + "body and every method between it and emit must be coroutines (lambdas are; annotate helpers with "
                + "@Coroutine)");
    }

    /** @hidden */
    public void emit(T value, Stack stack) {
        owner.emit(value, stack);
    }
}
