package dev.coro.tests.libraries;

import dev.coro.Coro;
import dev.coro.Coroutine;

/** A coroutine of a rewritten class, overridden in a class the agent excludes (ScopeOverrideEdgeCasesTest). */
public class Greeter {
    @Coroutine
    public String greet(String who) {
        Coro.yield();
        return "hello, " + who;
    }
}
