package dev.coro.internal;

import java.util.List;
import java.util.stream.Collectors;

/** The instrumented frames of a suspending coroutine, for dumps; only with {@code -Dcoro.debug.frames=true}. */
final class Frames {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Frames() {
    }

    /** From the suspension point out to the task's entry: user frames (twins), runtime frames skipped. */
    static String[] capture() {
        List<String> frames = WALKER.walk(st -> st
                .filter(f -> {
                    Class<?>[] p = f.getMethodType().parameterArray();
                    return p.length > 0 && p[p.length - 1] == Stack.class
                            && !f.getClassName().startsWith("dev.coro.internal.");
                })
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":"
                        + f.getLineNumber() + ")")
                .collect(Collectors.toList()));
        return frames.toArray(new String[0]);
    }
}
