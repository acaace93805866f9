package dev.coro.tests.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's options as a user types them on the java command line. */
class AgentCommandLineTest {
    static final String AGENT = System.getProperty("coro.agent.jar");

    /** A tiny program for the child JVM: this test class's own nested main. */
    public static class Main {
        @dev.coro.Coroutine
        static int work() {
            dev.coro.Coro.yield();
            return 42;
        }

        public static void main(String[] args) {
            System.out.println("result " + dev.coro.Coro.run(() -> work()));
        }
    }

    static String[] runJava(String agentArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-javaagent:" + AGENT + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void verboseListsEachRewrittenMethodWithItsSizeBeforeAndAfter() throws Exception {
        String[] r = runJava("verbose,include=dev.coro.tests.agent.**");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("result 42"), r[1]);
        assertTrue(r[1].matches("(?s).*coro: rewrote dev\\.coro\\.tests\\.agent\\.AgentCommandLineTest\\$Main\\.work\\(\\)I"
                + " \\d+ -> \\d+ bytes.*"), r[1]);
    }

    @Test
    void dumpWritesTheRewrittenClassFiles() throws Exception {
        Path dir = Files.createTempDirectory("coro-dump");
        String[] r = runJava("dump=" + dir);
        assertEquals("0", r[0], r[1]);
        Path cls = dir.resolve("dev/coro/tests/agent/AgentCommandLineTest$Main.class");
        assertTrue(Files.exists(cls), "no dump at " + cls + ":\n" + r[1]);
        byte[] b = Files.readAllBytes(cls);
        assertTrue(new String(b, StandardCharsets.ISO_8859_1).contains("dev/coro/internal/Stack"),
                "the dumped class is not the rewritten one");
    }

    @Test
    void excludingTheProgramLeavesItUnrewrittenAndItsEntryFailsClearly() throws Exception {
        String[] r = runJava("exclude=dev.coro.tests.**");
        // the lambda is not rewritten: the task's entry returns without restoring its frames, which coro detects
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("did not rewrite") && r[1].contains("AgentCommandLineTest$Main.work"), r[1]);
    }

    @Test
    void aMisspelledOptionStopsTheJvmNamingTheValidOnes() throws Exception {
        String[] r = runJava("verbos");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("unknown option 'verbos'") && r[1].contains("include=GLOB"), r[1]);
        assertFalse(r[1].contains("FATAL ERROR") || r[1].contains("Exception"), r[1]); // the reason, not a stack
    }
}
