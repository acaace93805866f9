package dev.coro.agent.launch;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.concurrent.Callable;

/**
 * The agent jar's {@code Main-Class}: {@code java -jar coro-agent.jar launch [options] -- [JVM options] MainClass
 * [args]} runs MainClass in several worker JVMs under the agent and supervises them. See {@link LaunchCommand}.
 */
@Command(name = "java -jar coro-agent.jar", mixinStandardHelpOptions = true,
        versionProvider = Launcher.Version.class,
        description = {"coro: the agent jar. As -javaagent:coro-agent.jar it rewrites @Coroutine methods; run with "
                + "java -jar, it is a launcher of worker JVMs.", ""},
        subcommands = {CommandLine.HelpCommand.class},
        footer = {"", "Run 'java -jar coro-agent.jar launch --help' for the launcher's options."})
public final class Launcher implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs; returns the exit code. */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Launcher());
        cl.addSubcommand("launch", new CommandLine(new LaunchCommand(agentJar())));
        // after the first word that is not a launcher option, everything is the workers' (as after --)
        cl.getSubcommands().get("launch").setStopAtPositional(true);
        cl.setParameterExceptionHandler(Launcher::wrongCommandLine);
        return cl.execute(args);
    }

    /** A wrong option or value: the error naming it, a hint where one helps, the usage; exit code 2. */
    private static int wrongCommandLine(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        java.io.PrintWriter err = cl.getErr();
        err.println(e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException) {
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            if (cl.getCommandName().equals("launch")) {
                err.println("(JVM options and the main class go after --, e.g. "
                        + "launch --workers 2 -- -cp app.jar com.example.Main)");
            }
        }
        err.println();
        cl.usage(err);
        return Supervisor.EXIT_USAGE;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing command: expected 'launch'");
        spec.commandLine().usage(spec.commandLine().getErr());
        return Supervisor.EXIT_USAGE;
    }

    /** Runs the supervisor, and on SIGTERM/SIGINT stops the workers and exits with the code saying how it went. */
    static int supervise(Supervisor.Config cfg) throws InterruptedException {
        Output output = new Output(System.out, System.err);
        Supervisor sup = new Supervisor(cfg, output);
        Thread hook = new Thread(() -> {
            if (sup.isFinished()) {
                return; // the launcher is exiting by itself, with its own code
            }
            int code = sup.shutdown();
            output.flush();
            Runtime.getRuntime().halt(code); // the exit code says how the shutdown went (not 143 for SIGTERM)
        }, "launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return sup.run();
    }

    /** The jar this class was loaded from, or null (run from classes: no agent jar to give the workers). */
    static Path agentJar() {
        try {
            CodeSource src = Launcher.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            Path p = Path.of(src.getLocation().toURI());
            return Files.isRegularFile(p) ? p.toAbsolutePath() : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Launcher.class.getPackage().getImplementationVersion();
            return new String[] {"coro " + (v == null ? "(unknown version)" : v)};
        }
    }
}
