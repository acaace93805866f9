package dev.coro.tests.patching.files;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The opt-in {@code patch=files} group, in child JVMs (the tests' own JVM runs the default groups): with it, a
 * coroutine waiting on a file (a FIFO whose writer or reader comes 200 ms later) lets the other coroutines of its
 * loop run; without it the same program holds the loop. Results and exceptions are the JDK's either way.
 */
class FilesPatchTest {

    /** Runs {@link FilesChild} with these agent options; its output lines. */
    static List<String> child(String agentOptions) throws Exception {
        String agent = System.getProperty("coro.agent.jar");
        assertTrue(agent != null && Files.exists(Path.of(agent)), "agent jar not built: " + agent);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-javaagent:" + agent + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FilesChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String text = new String(out);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done && p.exitValue() == 0, "child (" + agentOptions + ") failed:\n" + text);
        return List.of(text.split("\n"));
    }

    /** kind -> ticks counted while the FIFO call waited, and what went through the FIFO. */
    static Map<String, String[]> fifos(List<String> lines) {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith("fifo ")) {
                String[] w = l.split(" ", 4); // fifo KIND ticks=N got=...
                m.put(w[1], new String[] {w[2].substring("ticks=".length()), w[3]});
            }
        }
        return m;
    }

    static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
    }

    @Test
    void withPatchFilesAFileWaitLetsTheLoopRunAndResultsAreTheJdks() throws Exception {
        List<String> files = child("patch=all,files");
        List<String> jdk = child(""); // the default groups: file calls are the JDK's, on the loop thread
        Map<String, String[]> co = fifos(files);
        Map<String, String[]> plain = fifos(jdk);
        assertEquals(FilesChild.KINDS, new ArrayList<>(co.keySet()), String.join("\n", files));
        for (String kind : FilesChild.KINDS) {
            String[] c = co.get(kind);
            String[] p = plain.get(kind);
            boolean write = FilesChild.writes(kind);
            String want = write ? "got=hello to a thread" : "got=hello from a thread";
            assertEquals(want, c[1], kind);
            assertEquals(want, p[1], kind);
            // 200 ms of waiting at 10 ms a tick: about 20 ticks when the wait is offloaded, none when it is not
            assertTrue(Integer.parseInt(c[0]) >= 5, kind + " held the loop with patch=files: " + c[0] + " ticks");
            assertTrue(Integer.parseInt(p[0]) <= 1, kind + " did not hold the loop without patch=files: " + p[0]);
        }
        String jdkTranscript = line(jdk, "transcript thread ").substring("transcript thread ".length());
        assertTrue(jdkTranscript.contains("java.nio.file.NoSuchFileException:DIR/missing")
                && jdkTranscript.contains("java.io.FileNotFoundException:DIR/missing (No such file or directory)")
                && jdkTranscript.contains("java.nio.file.FileAlreadyExistsException:DIR/b.txt")
                && jdkTranscript.contains("java.io.EOFException")
                && jdkTranscript.contains("java.nio.charset.MalformedInputException:Input length = 1")
                && jdkTranscript.contains("java.nio.file.FileAlreadyExistsException:DIR/v.bin")
                && jdkTranscript.contains("java.io.IOException:Stream closed"), jdkTranscript);
        for (List<String> run : List.of(files, jdk)) {
            assertEquals("transcript coroutine " + jdkTranscript, line(run, "transcript coroutine "));
            assertEquals("transcript thread " + jdkTranscript, line(run, "transcript thread "));
        }
    }
}
