package dev.coro.agent;

import dev.coro.internal.AgentSupport;

import java.lang.instrument.Instrumentation;

/**
 * The agent's entry point: {@code java -javaagent:coro-agent.jar[=options] ...}. See {@link AgentOptions}.
 */
public final class Premain {
    private Premain() {
    }

    public static void premain(String args, Instrumentation inst) {
        AgentOptions options = AgentOptions.parse(args);
        inst.addTransformer(new CoroTransformer(options, System.err), true);
        AgentSupport.markInstalled();
        dev.coro.internal.Shutdown.installIfWanted(); // in a launcher's worker: graceful shutdown on SIGTERM
    }

    public static void agentmain(String args, Instrumentation inst) {
        premain(args, inst);
    }
}
