package dev.coro.agent;

import dev.coro.agent.hierarchy.ClassHierarchy;
import dev.coro.agent.instrument.ClassInstrumenter;
import dev.coro.agent.instrument.Patches;
import dev.coro.agent.instrument.Policy;

/**
 * For tests in other packages: what the agent does given its options ({@code -javaagent:coro-agent.jar=...}), so
 * that a test rewrites classes with the policy the agent really builds, e.g. for {@code scope=}.
 */
public final class AgentSetup {
    private final AgentOptions options;

    private AgentSetup(AgentOptions options) {
        this.options = options;
    }

    /** @param options the agent's argument string, as after {@code =} on the command line */
    public static AgentSetup parse(String options) {
        return new AgentSetup(AgentOptions.parse(options));
    }

    /** The instrumenter for one class, built as {@link CoroTransformer} builds it (the same policy and patches). */
    public ClassInstrumenter instrumenter(ClassHierarchy hierarchy) {
        return new ClassInstrumenter(Policy.coroutines(hierarchy, options::hasTwins, options::inScope),
                options.preempt, new Patches(options.patches));
    }

    /** Whether the agent rewrites this class (internal name) at all. */
    public boolean accepts(String internalName) {
        return options.accepts(internalName);
    }

    /** Whether every method of this class is a coroutine. */
    public boolean inScope(String internalName) {
        return options.inScope(internalName);
    }
}
