package dev.coro.tests.loop;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.internal.PreemptSwitch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method's preemption checks stay folded away until a coroutine overruns its time slice in it; then its loop,
 * compiled by then without any check, is deoptimized and preempted all the same, and only its checks read their flag
 * for a quiet period. Also the watchdog's settings: the time slice (0 = off) and the blocked-loop report's threshold.
 * In a fresh JVM each, since switches once on stay so for a while.
 */
class PreemptSwitchTest {

    /** The child JVM's program. */
    public static final class Main {
        @Coroutine
        static long chunk(int n) {
            long x = 0;
            for (int i = 0; i < n; i++) {
                x += x * 31 + i;
            }
            return x;
        }

        /** Computes until another task of its loop has ticked {@code n} times: only preemption can end it. */
        @Coroutine
        static long untilTicks(int[] ticks, int n) {
            long x = 0;
            while (ticks[0] < n) {
                x += x * 31 + 7;
            }
            return x;
        }

        public static void main(String[] args) throws Exception {
            if (args.length > 0 && args[0].equals("cancel")) {
                cancelFromAnotherThread();
                return;
            }
            if (args.length > 1 && args[0].equals("block")) {
                Coro.run(() -> Coro.sleep(1)); // loads and rewrites the classes first
                long ms = Long.parseLong(args[1]);
                Coro.run(() -> waitPinned(ms));
                System.out.println("blocked the loop for " + ms + " ms");
                return;
            }
            if (args.length > 0 && args[0].equals("slice")) {
                computeBesideATicker();
                return;
            }
            if (args.length > 0 && args[0].equals("relax")) {
                System.out.println("first run: ticks " + computeUntilTicks() + "; armed: "
                        + PreemptSwitch.isArmed(Main.class, "untilTicks"));
                Thread.sleep(2_500); // more than the quiet period of 1 s
                System.out.println("after a quiet period, armed: " + PreemptSwitch.isArmed(Main.class, "untilTicks"));
                System.out.println("second run: ticks " + computeUntilTicks() + "; armed: "
                        + PreemptSwitch.isArmed(Main.class, "untilTicks"));
                return;
            }
            if (args.length > 0 && args[0].equals("pinned")) {
                Coro.run(() -> waitPinned(600));
                System.out.println("methods armed after a pinned wait: " + PreemptSwitch.armedCount());
                return;
            }
            if (args.length > 0 && args[0].equals("classload")) {
                Coro.run(() -> Class.forName(Derived.class.getName(), true, new SlowLoader()));
                System.out.println("methods armed after a slow class definition: " + PreemptSwitch.armedCount());
                return;
            }
            Coro.run(() -> chunk(10)); // loads and rewrites the classes first: that takes a while, once
            // Far more than the JIT needs to compile the loop, in pieces of well under a slice.
            long warm = Coro.run(() -> {
                long s = 0;
                for (int r = 0; r < 3_000; r++) {
                    s += chunk(20_000);
                    Coro.yield();
                }
                return s;
            });
            System.out.println("methods armed after short pieces: " + PreemptSwitch.armedCount() + " (" + (warm & 1) + ")");
            System.out.println("ticks while the loop computed: " + computeUntilTicks());
            System.out.println("long loop armed: " + PreemptSwitch.isArmed(Main.class, "untilTicks"));
            System.out.println("short loop armed: " + PreemptSwitch.isArmed(Main.class, "chunk"));
            System.out.print(Coro.dump());
        }

        /** Runs {@link #untilTicks} beside a task that sleeps and ticks three times; returns the ticks seen. */
        static long computeUntilTicks() {
            int[] ticks = {0};
            return Coro.run(() -> {
                Task<Long> cpu = Coro.spawn(() -> untilTicks(ticks, 3));
                Coro.spawn(() -> {
                    for (int i = 0; i < 3; i++) {
                        Coro.sleep(5);
                        ticks[0]++;
                    }
                });
                long r = cpu.join();
                return ticks[0] + (r == 42 ? 1L : 0L);
            });
        }

        /** Plain code, so the wait is the JDK's own: it holds the loop's thread without computing. */
        static int waitPinned(long ms) throws InterruptedException {
            Object lock = new Object();
            synchronized (lock) {
                lock.wait(ms);
            }
            return 0;
        }

        public static class Base {
        }

        public static class Derived extends Base {
        }

        /**
         * Defines its own copies of Base and Derived; defining Derived loads Base, which takes 600 ms: a loop thread
         * inside {@code defineClass} for that long, as when a big class is loaded and rewritten on first use.
         */
        static final class SlowLoader extends ClassLoader {
            SlowLoader() {
                super(Main.class.getClassLoader());
            }

            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c != null) {
                        return c;
                    }
                    if (name.equals(Base.class.getName())) {
                        try {
                            Thread.sleep(600);
                        } catch (InterruptedException e) {
                            throw new ClassNotFoundException(name, e);
                        }
                    } else if (!name.equals(Derived.class.getName())) {
                        return super.loadClass(name, resolve);
                    }
                    try (java.io.InputStream in = Main.class.getResourceAsStream(
                            "/" + name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        return defineClass(name, b, 0, b.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
            }
        }

        /**
         * 800 ms of computing beside a task that ticks every 1 ms, in this JVM's first loop: when the ticker first got
         * to run, and how often.
         */
        static void computeBesideATicker() {
            int[] ticks = {0};
            long[] times = {0, 0, 0}; // the computing task's start, the ticker's first run, the longest gap
            Coro.run(() -> {
                Task<Long> cpu = Coro.spawn(() -> {
                    times[0] = System.nanoTime();
                    return PreemptionTest.compute(800);
                });
                Coro.spawn(() -> {
                    long last = System.nanoTime();
                    times[1] = last;
                    while (!cpu.isDone()) {
                        Coro.sleep(1);
                        long now = System.nanoTime();
                        times[2] = Math.max(times[2], now - last);
                        last = now;
                        ticks[0]++;
                    }
                });
                return cpu.join();
            });
            System.out.println("ticks while computing: " + ticks[0] + "; first run after: "
                    + (times[1] - times[0]) / 1_000_000 + " ms; longest gap: " + times[2] / 1_000_000 + " ms");
        }

        /** With no time slice at all, only the cancel itself can stop the loop. */
        static void cancelFromAnotherThread() throws Exception {
            java.util.concurrent.CompletableFuture<Task<Long>> started = new java.util.concurrent.CompletableFuture<>();
            Thread canceller = new Thread(() -> {
                Task<Long> t = started.join();
                try {
                    Thread.sleep(300); // long enough for the JIT to compile the loop without its check
                } catch (InterruptedException e) {
                    return;
                }
                t.cancel();
            });
            canceller.start();
            try {
                Coro.run(() -> {
                    Task<Long> cpu = Coro.spawn(PreemptionTest::computeForever);
                    started.complete(cpu);
                    return cpu.join();
                });
            } catch (java.util.concurrent.CancellationException e) {
                System.out.println("cancelled while computing; armed: "
                        + PreemptSwitch.isArmed(PreemptionTest.class, "computeForever")
                        + "; elsewhere: " + PreemptSwitch.isArmed(Main.class, "chunk"));
            }
        }
    }

    private static String runChild(String slice, String... args) throws Exception {
        // a switch turned on stays on for the whole run
        return runChild(List.of("-Dcoro.preempt.slice=" + slice, "-Dcoro.preempt.quiet=600000"), args);
    }

    private static String runChild(List<String> properties, String... args) throws Exception {
        return runChild(Main.class, properties, args);
    }

    /** Runs {@code main} in a fresh JVM with the agent and {@code properties}; its output, once it exited with 0. */
    static String runChild(Class<?> main, List<String> properties, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + System.getProperty("coro.agent.jar")));
        cmd.addAll(properties);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "the child JVM did not finish in 60 s:\n" + out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aLoopCompiledWhileNothingWasPreemptedIsStillPreemptedOnceItOverrunsItsSlice() throws Exception {
        // A long slice, so that neither the first turns (loading classes) nor a busy machine's scheduling makes an
        // overrun of the short pieces.
        String out = runChild("500");
        assertTrue(out.contains("methods armed after short pieces: 0 "), out);
        // the loop ends only once the sleeper has ticked three times, which needs three preemptions
        assertTrue(out.contains("ticks while the loop computed: 3"), out);
        assertTrue(out.contains("long loop armed: true"), out);
        // only the method that ran past its slice pays for its checks from now on
        assertTrue(out.contains("short loop armed: false"), out);
        // and Coro.dump() says where the checks are on
        assertTrue(out.contains("preemption checks on in 1 method (a task overran its time slice there):\n  "
                + Main.class.getName() + ".untilTicks, off again in "), out);
    }

    @Test
    void aSliceOfZeroTurnsPreemptionOff() throws Exception {
        String out = runChild("0", "slice");
        // the computing task keeps the loop until it ends; the ticker first runs then, and finds it done
        long[] f = tickerFigures(out);
        assertTrue(f[0] == 0 && f[1] >= 790, out);
    }

    /** The ticks, the ms until the ticker first ran, and the longest gap between ticks, from the child's line. */
    private static long[] tickerFigures(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "ticks while computing: (\\d+); first run after: (-?\\d+) ms; longest gap: (\\d+) ms").matcher(out);
        assertTrue(m.find(), out);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    @Test
    void theSliceIsConfigurable() throws Exception {
        String out = runChild("200", "slice");
        long[] f = tickerFigures(out);
        // preempted after 200 ms, not after the default 10, nor never
        assertTrue(f[1] >= 150 && f[1] < 700, "the ticker first ran " + f[1] + " ms after the computing task started:\n"
                + out);
    }

    /**
     * The watchdog preempts from the process's first loop on: it used to register the JMX bean before its first
     * tick, and the platform MBean server's start (a few hundred ms) let the first computing task keep its loop.
     */
    @Test
    void aProcesssFirstComputingTaskIsPreemptedWithinItsFirstSlices() throws Exception {
        // The defect cost every process the same few hundred ms; a busy machine's stall costs one run. So the best of
        // up to three fresh JVMs is what must be under the bar.
        StringBuilder outs = new StringBuilder();
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 3 && best >= 250; run++) {
            String out = runChild(List.of("-Dcoro.preempt.quiet=600000"), "slice");
            best = Math.min(best, tickerFigures(out)[1]);
            outs.append(out);
        }
        assertTrue(best < 250, "the ticker first ran " + best + " ms after the computing task started, at best:\n"
                + outs);
    }

    @Test
    void aLoopBlockedForMoreThanTheDefault100MsIsReportedAndForLessIsNot() throws Exception {
        String blocked = runChild(List.of(), "block", "400");
        assertTrue(blocked.contains("blocked the loop for 400 ms"), blocked);
        assertTrue(blocked.contains("has not turned for "), blocked);
        String brief = runChild(List.of(), "block", "30");
        assertTrue(brief.contains("blocked the loop for 30 ms"), brief);
        assertFalse(brief.contains("has not turned for "), brief);
    }

    @Test
    void theBlockedLoopThresholdIsConfigurableAndZeroTurnsTheReportOff() throws Exception {
        String longer = runChild(List.of("-Dcoro.watchdog.blocked=2000"), "block", "400");
        assertTrue(longer.contains("blocked the loop for 400 ms"), longer);
        assertFalse(longer.contains("has not turned for "), longer);
        String off = runChild(List.of("-Dcoro.watchdog.blocked=0"), "block", "400");
        assertFalse(off.contains("has not turned for "), off);
    }

    @Test
    void aMethodsChecksGoOffAfterAQuietPeriodAndOnAgainWhenItOverrunsAgain() throws Exception {
        String out = runChild(List.of("-Dcoro.preempt.slice=50", "-Dcoro.preempt.quiet=1000"), "relax");
        assertTrue(out.contains("first run: ticks 3; armed: true"), out);
        assertTrue(out.contains("after a quiet period, armed: false"), out);
        // the loop compiled without checks again, and is preempted all the same
        assertTrue(out.contains("second run: ticks 3; armed: true"), out);
    }

    @Test
    void aTaskThatOverranItsSliceOnlyWhileClassesWereDefinedLeavesTheSwitchOff() throws Exception {
        String out = runChild("100", "classload");
        assertTrue(out.contains("methods armed after a slow class definition: 0\n"), out);
    }

    @Test
    void aTaskThatOverranItsSliceWaitingInAPinnedCallLeavesTheSwitchOff() throws Exception {
        String out = runChild("100", "pinned");
        assertTrue(out.contains("methods armed after a pinned wait: 0\n"), out);
    }

    @Test
    void aCancelFromAnotherThreadReachesACompiledLoopEvenWithPreemptionOff() throws Exception {
        String out = runChild("0", "cancel");
        // the watchdog, there to report blocked loops, follows the cancelled task to the method it computes in
        assertTrue(out.contains("cancelled while computing; armed: true; elsewhere: false"), out);
    }

    @Test
    void withoutAWatchdogACancelFromAnotherThreadSwitchesOnEveryCheck() throws Exception {
        String out = runChild(List.of("-Dcoro.preempt.slice=0", "-Dcoro.watchdog.blocked=0"), "cancel");
        assertTrue(out.contains("cancelled while computing; armed: true; elsewhere: true"), out);
    }
}
