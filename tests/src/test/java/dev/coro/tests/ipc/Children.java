package dev.coro.tests.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts child JVMs as a user's CoroProcess would: same java, same class path, the agent on. */
final class Children {
    private Children() {
    }

    static Process start(String... args) throws IOException {
        String agent = System.getProperty("coro.agent.jar");
        assertTrue(agent != null && Files.exists(Path.of(agent)), "agent jar not built: " + agent);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-javaagent:" + agent);
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(QueueChild.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
    }

    /** Waits for a child and returns its output; fails naming it if it did not exit with 0 in time. */
    static String finish(Process p, long seconds) throws Exception {
        boolean done = p.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes());
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "child did not finish in " + seconds + " s:\n" + out);
        assertTrue(p.exitValue() == 0, "child failed with " + p.exitValue() + ":\n" + out);
        return out;
    }
}
