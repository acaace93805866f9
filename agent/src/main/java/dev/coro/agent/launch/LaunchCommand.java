package dev.coro.agent.launch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code java -jar coro-agent.jar launch [options] -- [JVM options] MainClass [args]}. */
@Command(name = "launch", sortOptions = false, usageHelpAutoWidth = true, showDefaultValues = true,
        customSynopsis = "java -jar coro-agent.jar launch [OPTIONS] -- [JVM-OPTIONS...] MAIN-CLASS [ARGS...]",
        description = {
            "Runs MAIN-CLASS in N worker JVMs, each with the coro agent and its own loop(s), and keeps them running "
                + "(pre-fork, as gunicorn does). A server that binds a fixed port in every worker just works: under "
                + "the launcher, sockets bound in coroutines get SO_REUSEPORT and the kernel spreads connections "
                + "over the workers.",
            "Each worker gets the environment variables CORO_WORKER_ID (0..N-1, also Coro.workerId()), "
                + "CORO_WORKER_COUNT (N, also Coro.workerCount()), CORO_GRACE_MS and CORO_LAUNCHER_PID; its "
                + "standard output and error are printed line by line, prefixed with [worker ID].",
            "On SIGTERM or SIGINT the launcher asks every worker to stop (SIGTERM): a worker closes its listening "
                + "sockets, lets running tasks finish within the grace period, then cancels the rest. Workers still "
                + "running after the grace period plus 2s are killed.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every worker stopped gracefully when asked, or ended with status 0",
            "1:every worker has ended and not all with status 0 (none left to restart)",
            "2:wrong command line (the error and this usage are printed)",
            "3:crash loop: a worker failed more than --max-restarts times within --restart-window",
            "4:asked to stop, some workers did not stop within the grace period and were killed",
            "5:a worker JVM could not be started"},
        footerHeading = "%nExample:%n",
        footer = {"  java -jar coro-agent.jar launch --workers 2 -- -cp app.jar Server 8080"})
final class LaunchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-w", "--workers"}, paramLabel = "N",
            description = "How many worker JVMs to run, at least 1. Default: the number of available processors "
                    + "(here ${DEFAULT-VALUE}).", showDefaultValue = CommandLine.Help.Visibility.NEVER)
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--restart", paramLabel = "POLICY", converter = RestartPolicy.Converter.class,
            completionCandidates = RestartPolicy.Names.class,
            description = "When a worker that exited is started again: never; on-failure (it exited with a non-zero "
                    + "status or was killed by a signal); always (even after status 0). Values: "
                    + "${COMPLETION-CANDIDATES}.")
    RestartPolicy restart = RestartPolicy.ON_FAILURE;

    @Option(names = "--grace", paramLabel = "DURATION", converter = Durations.class, defaultValue = "10s",
            description = "On shutdown, how long running tasks may take to finish before they are cancelled "
                    + "(e.g. 500ms, 10s, 2m).")
    Duration grace;

    @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "5",
            description = "Crash-loop limit: a worker that fails more than N times within --restart-window stops "
                    + "the launcher (exit code 3). At least 0.")
    int maxRestarts;

    @Option(names = "--restart-window", paramLabel = "DURATION", converter = Durations.class, defaultValue = "60s",
            description = "The window of --max-restarts.")
    Duration restartWindow;

    @Option(names = "--backoff-initial", paramLabel = "DURATION", converter = Durations.class,
            defaultValue = "100ms",
            description = "Delay before the first restart of a failed worker; it doubles with each further failure.")
    Duration backoffInitial;

    @Option(names = "--backoff-max", paramLabel = "DURATION", converter = Durations.class, defaultValue = "10s",
            description = "The restart delay never grows beyond this.")
    Duration backoffMax;

    @Option(names = "--backoff-reset", paramLabel = "DURATION", converter = Durations.class, defaultValue = "30s",
            description = "A worker that stayed up at least this long is restarted after --backoff-initial again.")
    Duration backoffReset;

    @Option(names = "--agent-options", paramLabel = "STRING",
            description = "Options for the agent in each worker: -javaagent:<this jar>=STRING (e.g. "
                    + "'exclude=com.acme.legacy,verbose'). Default: none.",
            showDefaultValue = CommandLine.Help.Visibility.NEVER)
    String agentOptions;

    @Parameters(paramLabel = "-- [JVM-OPTIONS...] MAIN-CLASS [ARGS...]", arity = "1..*", hideParamSyntax = true,
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "After --: the options of each worker's JVM (e.g. -cp app.jar -Xmx512m), then its main "
                    + "class (or -jar app.jar, or -m module/class), then the program's arguments.")
    List<String> command = new ArrayList<>();

    /** JVM options that take the next word as their value. */
    private static final Set<String> WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p", "--module-path",
            "--upgrade-module-path", "--add-modules", "--add-opens", "--add-exports", "--add-reads",
            "--patch-module", "--limit-modules", "--enable-native-access", "--source");

    private final Path agentJar;

    LaunchCommand(Path agentJar) {
        this.agentJar = agentJar;
    }

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw bad("--workers", workers + "", "must be at least 1");
        }
        if (maxRestarts < 0) {
            throw bad("--max-restarts", maxRestarts + "", "must be at least 0");
        }
        positive("--restart-window", restartWindow);
        positive("--backoff-initial", backoffInitial);
        positive("--backoff-max", backoffMax);
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new ParameterException(spec.commandLine(), "--backoff-max (" + Durations.format(backoffMax)
                    + ") must not be shorter than --backoff-initial (" + Durations.format(backoffInitial) + ")");
        }
        checkMainClass(command);
        if (agentJar == null) {
            throw new ParameterException(spec.commandLine(), "the launcher must run from coro-agent.jar "
                    + "(java -jar coro-agent.jar launch ...): it starts each worker with that jar as its agent");
        }
        Supervisor.Config cfg = new Supervisor.Config();
        cfg.workers = workers;
        cfg.restart = restart;
        cfg.grace = grace;
        cfg.maxRestarts = maxRestarts;
        cfg.restartWindow = restartWindow;
        cfg.backoffInitial = backoffInitial;
        cfg.backoffMax = backoffMax;
        cfg.backoffReset = backoffReset;
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.add("-javaagent:" + agentJar + (agentOptions == null || agentOptions.isEmpty() ? "" : "=" + agentOptions));
        cmd.addAll(command);
        cfg.command = cmd;
        return Launcher.supervise(cfg);
    }

    private ParameterException bad(String option, String value, String why) {
        return new ParameterException(spec.commandLine(),
                "Invalid value for option '" + option + "': " + why + ", was " + value);
    }

    private void positive(String option, Duration d) {
        if (d.isZero()) {
            throw bad(option, Durations.format(d), "must be longer than 0");
        }
    }

    /** Finds the main class (or -jar / -m) after the JVM options, or says what is missing. */
    private void checkMainClass(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (!w.startsWith("-")) {
                return; // the main class
            }
            if (w.equals("-jar") || w.equals("-m") || w.equals("--module")) {
                if (i + 1 < words.size()) {
                    return;
                }
                throw new ParameterException(spec.commandLine(), "JVM option " + w + " needs a value");
            }
            if (w.startsWith("--module=")) {
                return;
            }
            if (WITH_VALUE.contains(w)) {
                if (i + 1 >= words.size()) {
                    throw new ParameterException(spec.commandLine(), "JVM option " + w + " needs a value");
                }
                i++;
            }
        }
        throw new ParameterException(spec.commandLine(), "no main class: after -- give the JVM options, then the "
                + "main class (or -jar app.jar), then its arguments; got: " + String.join(" ", words));
    }

    /** The java of the running JVM, so workers run on the same JDK as the launcher. */
    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
