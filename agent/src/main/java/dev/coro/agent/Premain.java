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
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            // a mistyped option must not run the application unrewritten; one line says why, not a JVM fatal error
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        inst.addTransformer(new CoroTransformer(options, System.err), true);
        openToRuntime(inst);
        AgentSupport.recordAgent(ownJar(), args);
        AgentSupport.markInstalled();
        dev.coro.internal.Shutdown.installIfWanted(); // in a launcher's worker: graceful shutdown on SIGTERM
    }

    /**
     * Open two packages of java.base to the runtime's module (on the class path, the unnamed one, as
     * {@code --add-opens java.base/java.net=ALL-UNNAMED} would): cooperative UDP sockets receive into a
     * DatagramPacket as the JDK does, keeping its buffer length apart from the received length ({@code java.net}'s
     * package-private fields); a task's value of a ThreadLocal starts from its protected {@code initialValue()}.
     */
    private static void openToRuntime(Instrumentation inst) {
        Module javaBase = java.net.DatagramPacket.class.getModule();
        Module runtime = AgentSupport.class.getModule();
        if (inst.isModifiableModule(javaBase)) {
            inst.redefineModule(javaBase, java.util.Set.of(), java.util.Map.of(), java.util.Map.of(
                    "java.net", java.util.Set.of(runtime), "java.lang", java.util.Set.of(runtime)),
                    java.util.Set.of(), java.util.Map.of());
        }
    }

    /** The jar this class came from, for child processes started with the same agent; null if not a file. */
    private static String ownJar() {
        try {
            java.security.CodeSource src = Premain.class.getProtectionDomain().getCodeSource();
            if (src == null || src.getLocation() == null) {
                return null;
            }
            java.nio.file.Path p = java.nio.file.Path.of(src.getLocation().toURI());
            return java.nio.file.Files.isRegularFile(p) ? p.toString() : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    public static void agentmain(String args, Instrumentation inst) {
        premain(args, inst);
    }
}
