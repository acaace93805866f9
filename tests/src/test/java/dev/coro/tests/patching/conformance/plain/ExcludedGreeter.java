package dev.coro.tests.patching.conformance.plain;

import dev.coro.tests.libraries.Greeter;

/** An override of a coroutine in a package the agent excludes (tests/pom.xml), for ScopeOverrideEdgeCasesTest. */
public final class ExcludedGreeter extends Greeter {
    @Override
    public String greet(String who) {
        return "hello from the excluded override, " + who;
    }
}
