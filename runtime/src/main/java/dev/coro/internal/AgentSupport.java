package dev.coro.internal;

/** Whether the coro agent rewrote this JVM's classes; set by the agent's premain before any user code runs. */
public final class AgentSupport {
    private static volatile boolean installed;

    private AgentSupport() {
    }

    /** Called by the agent. */
    public static void markInstalled() {
        installed = true;
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
