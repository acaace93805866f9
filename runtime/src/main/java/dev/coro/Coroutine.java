package dev.coro;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that may suspend: with the coro agent on, it is rewritten at class-load time into a
 * resumable state machine, and every call from it to another {@code @Coroutine} method becomes a point where
 * the calling coroutine can give up the thread and later continue exactly where it was.
 *
 * <p>Methods that override or implement a {@code @Coroutine} method are coroutines too, without the annotation,
 * and so are lambdas whose functional interface method is one (such as {@link CoroutineCallable#call()}).
 * Outside any coroutine an annotated method runs as ordinary code.
 *
 * <pre>{@code
 * @Coroutine static int work(int n) {
 *     int sum = 0;
 *     for (int i = 0; i < n; i++) { sum += i; Coro.sleep(10); }   // other coroutines run meanwhile
 *     return sum;
 * }
 * }</pre>
 *
 * <p>Constructors, static initialisers, native and abstract-without-implementation methods cannot be
 * coroutines. A call inside a {@code synchronized} block or method cannot unwind the monitor: it is
 * <em>pinned</em> (runs on the loop thread without suspending) and the agent reports it at class-load time.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Coroutine {
}
