package dev.coro.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The agent's options, from {@code -javaagent:coro-agent.jar=opt=value,...}:
 * <ul>
 * <li>{@code include=GLOB} (repeatable): only classes matching one of these are rewritten (default: all);
 * <li>{@code exclude=GLOB} (repeatable): classes matching one of these are never rewritten;
 * <li>{@code scope=GLOB} (repeatable): every method of these classes is a coroutine, so a blocking call deep in
 * an unmodified library suspends the coroutine that called into it;
 * <li>{@code verbose}: print each rewritten method with its size before and after;
 * <li>{@code dump=DIR}: write each rewritten class file under DIR, for {@code javap};
 * <li>{@code strict}: a class the agent cannot rewrite fails to initialise with the report, instead of loading
 * as it is with a warning;
 * <li>{@code preempt=false}: no preemption checks in loops (a coroutine then runs until it suspends);
 * <li>{@code patch=all|none|GROUP} (repeatable): which blocking JDK calls become cooperative inside rewritten code
 * (default all; groups {@code sleep}: Thread.sleep/yield, {@code futures}: CompletableFuture.get/join, Future.get, Process.waitFor,
 * {@code sockets}: Socket, ServerSocket, DatagramSocket, name look-ups, {@code http}, {@code sync}:
 * java.util.concurrent locks, conditions, latches, semaphores, blocking queues, {@code jdbc}: calls through java.sql
 * interfaces reach a scoped driver's twins). Opt-in, not part of {@code all}: {@code files}, file opens, reads and
 * writes (FileInputStream, FileOutputStream, RandomAccessFile, FileChannel, the whole-file {@code Files} calls) run
 * on the {@code Coro.blocking} pool while the coroutine suspends. Groups after {@code patch=} may follow as bare
 * words: {@code patch=all,files} is {@code patch=all,patch=files}.
 * </ul>
 * A glob matches dotted class names: {@code *} within one package segment, {@code **} across segments; a glob
 * without wildcards names a package and everything below it, or one class.
 */
public final class AgentOptions {
    /** Never rewritten: the JDK, and coro's own runtime and agent. */
    private static final String[] ALWAYS_EXCLUDED = {
        "java.**", "javax.**", "jdk.**", "sun.**", "com.sun.**",
        "dev.coro.*", "dev.coro.internal.**", "dev.coro.agent.**"
    };

    private static final List<Pattern> ALWAYS_EXCLUDED_PATTERNS = new ArrayList<>();

    static {
        for (String g : ALWAYS_EXCLUDED) {
            ALWAYS_EXCLUDED_PATTERNS.add(glob(g));
        }
    }

    /** The JDK's classes and coro's own, which the agent never changes at all. */
    static boolean alwaysExcluded(String internalName) {
        String name = internalName.replace('/', '.');
        for (Pattern p : ALWAYS_EXCLUDED_PATTERNS) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    final List<Pattern> includes = new ArrayList<>();
    final List<Pattern> excludes = new ArrayList<>();
    /** Classes whose every method is a coroutine (unmodified libraries). */
    final List<Pattern> scopes = new ArrayList<>();
    boolean verbose;
    boolean strict;
    boolean preempt = true;
    /** Patch groups applied; all by default. */
    final java.util.Set<String> patches = new java.util.TreeSet<>(dev.coro.agent.instrument.Patches.GROUPS);
    private boolean patchGiven;
    Path dump;

    static AgentOptions parse(String args) {
        AgentOptions o = new AgentOptions();
        for (String g : ALWAYS_EXCLUDED) {
            o.excludes.add(glob(g));
        }
        if (args == null || args.isBlank()) {
            return o;
        }
        boolean afterPatch = false;
        for (String part : args.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).trim();
            String value = eq < 0 ? null : p.substring(eq + 1).trim();
            if (eq < 0 && afterPatch && isPatchWord(p)) {
                o.patch(p); // patch=all,files: a bare group continues the patch= list
                continue;
            }
            afterPatch = key.equals("patch");
            switch (key) {
                case "include":
                    o.includes.add(glob(require(key, value)));
                    break;
                case "exclude":
                    o.excludes.add(glob(require(key, value)));
                    break;
                case "verbose":
                    o.verbose = flag(key, value);
                    break;
                case "strict":
                    o.strict = flag(key, value);
                    break;
                case "preempt":
                    o.preempt = flag(key, value);
                    break;
                case "scope":
                    o.scopes.add(glob(require(key, value)));
                    break;
                case "patch":
                    o.patch(require(key, value));
                    break;
                case "dump":
                    o.dump = Path.of(require(key, value));
                    break;
                default:
                    throw new IllegalArgumentException("coro agent: unknown option '" + key + "' in '" + args
                            + "'; the options are include=GLOB, exclude=GLOB, scope=GLOB, verbose, dump=DIR, strict, preempt=true|false, "
                            + "patch=all|none|GROUP[,GROUP...] (repeatable; groups: " + allGroups()
                            + ", where all is " + dev.coro.agent.instrument.Patches.GROUPS + ")");
            }
        }
        return o;
    }

    private void patch(String value) {
        if (!patchGiven) {
            patches.clear(); // the first patch= replaces the default
            patchGiven = true;
        }
        if (value.equals("all")) {
            patches.addAll(dev.coro.agent.instrument.Patches.GROUPS);
        } else if (!value.equals("none")) {
            if (!isPatchWord(value)) {
                throw new IllegalArgumentException("coro agent: unknown patch group '" + value + "'; the groups are "
                        + allGroups() + ", or all (" + dev.coro.agent.instrument.Patches.GROUPS
                        + "), or none");
            }
            patches.add(value);
        }
    }

    private static boolean isPatchWord(String word) {
        return word.equals("all") || word.equals("none") || dev.coro.agent.instrument.Patches.GROUPS.contains(word)
                || dev.coro.agent.instrument.Patches.OPT_IN.contains(word);
    }

    /** Every group, sorted: the default ones and the opt-in ones. */
    private static java.util.Set<String> allGroups() {
        java.util.Set<String> all = new java.util.TreeSet<>(dev.coro.agent.instrument.Patches.GROUPS);
        all.addAll(dev.coro.agent.instrument.Patches.OPT_IN);
        return all;
    }

    private static String require(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("coro agent: option '" + key + "' needs a value, as in " + key
                    + (key.equals("dump") ? "=/tmp/coro-dump" : "=com.example.**"));
        }
        return value;
    }

    private static boolean flag(String key, String value) {
        if (value == null || value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("coro agent: option '" + key + "' takes no value or true/false, not '"
                + value + "'");
    }

    /** Whether a class (internal name) may be rewritten. */
    boolean accepts(String internalName) {
        String name = internalName.replace('/', '.');
        for (Pattern p : excludes) {
            if (p.matcher(name).matches()) {
                return false;
            }
        }
        if (includes.isEmpty()) {
            return true;
        }
        for (Pattern p : includes) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether every method of a class is a coroutine. */
    boolean inScope(String internalName) {
        if (scopes.isEmpty() || !accepts(internalName)) {
            return false;
        }
        String name = internalName.replace('/', '.');
        for (Pattern p : scopes) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a class has twins for its coroutine methods: rewritten by this agent, or part of coro's public API,
     * whose suspending methods are written with their twins by hand.
     */
    boolean hasTwins(String internalName) {
        return accepts(internalName) || internalName.startsWith("dev/coro/") && internalName.indexOf('/', 9) < 0;
    }

    static Pattern glob(String glob) {
        if (glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
            return Pattern.compile(Pattern.quote(glob) + "(\\..*)?");
        }
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                } else {
                    re.append("[^.]*");
                }
            } else if (c == '?') {
                re.append("[^.]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
