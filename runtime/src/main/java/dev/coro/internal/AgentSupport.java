package dev.coro.internal;

/** Whether the coro agent rewrote this JVM's classes; set by the agent's premain before any user code runs. */
public final class AgentSupport {
    private static volatile boolean installed;
    private static volatile String agentJar;
    private static volatile String agentOptions;

    private AgentSupport() {
    }

    /** Called by the agent. */
    public static void markInstalled() {
        installed = true;
    }

    /**
     * Called by the agent: the jar it was loaded from and its option string (null if none), so a child process can
     * be started with the same agent.
     */
    public static void recordAgent(String jar, String options) {
        agentJar = jar;
        agentOptions = options;
    }

    /** The path of the agent's jar, or null if unknown (no agent, or one that did not record it). */
    public static String agentJar() {
        return agentJar;
    }

    /** The agent's option string as given after {@code =} on {@code -javaagent}, or null. */
    public static String agentOptions() {
        return agentOptions;
    }

    public static boolean isInstalled() {
        return installed;
    }

    static void requireAgent(String entry) {
        if (!installed) {
            throw new IllegalStateException(entry + " needs the coro agent, which rewrites @Coroutine methods so they "
                    + "can suspend: add -javaagent:/path/to/coro-agent.jar to the java command line "
                    + "(before the main class or -jar)");
        }
    }
}
