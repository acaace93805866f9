package dev.coro.agent;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {

    @Test
    void noOptionsRewritesEverythingButTheJdkAndCoroItself() {
        AgentOptions o = AgentOptions.parse(null);
        assertTrue(o.accepts("com/acme/Foo"));
        assertTrue(o.accepts("dev/coro/examples/Hello"));
        assertFalse(o.accepts("java/lang/String"));
        assertFalse(o.accepts("jdk/internal/misc/Unsafe"));
        assertFalse(o.accepts("dev/coro/Coro"));
        assertFalse(o.accepts("dev/coro/internal/Loop"));
        assertFalse(o.accepts("dev/coro/agent/shaded/asm/ClassReader"));
        assertFalse(o.verbose || o.strict);
    }

    @Test
    void includeAndExcludeGlobsMatchDottedNames() {
        AgentOptions o = AgentOptions.parse("include=com.acme.**,include=org.x.*,exclude=com.acme.gen.**");
        assertTrue(o.accepts("com/acme/Foo"));
        assertTrue(o.accepts("com/acme/deep/Bar"));
        assertFalse(o.accepts("com/acme/gen/Baz"));
        assertTrue(o.accepts("org/x/Top"));
        assertFalse(o.accepts("org/x/sub/Nested"), "* stays within one package segment");
        assertFalse(o.accepts("net/other/Foo"));
    }

    @Test
    void aGlobWithoutWildcardsNamesAPackageAndEverythingBelowOrOneClass() {
        AgentOptions o = AgentOptions.parse("include=com.acme");
        assertTrue(o.accepts("com/acme/Foo"));
        assertTrue(o.accepts("com/acme/a/b/C"));
        assertFalse(o.accepts("com/acmeco/Foo"));
        assertTrue(AgentOptions.parse("include=com.acme.Foo").accepts("com/acme/Foo"));
    }

    @Test
    void flagsAndDump() {
        AgentOptions o = AgentOptions.parse(" verbose , strict=true, dump=/tmp/d ");
        assertTrue(o.verbose);
        assertTrue(o.strict);
        assertEquals(Path.of("/tmp/d"), o.dump);
        assertFalse(AgentOptions.parse("verbose=false").verbose);
    }

    @Test
    void anUnknownOptionIsRejectedWithTheListOfValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("verbose,incude=com.acme.**"));
        assertTrue(e.getMessage().contains("unknown option 'incude'"), e.getMessage());
        assertTrue(e.getMessage().contains("include=GLOB"), e.getMessage());
    }

    @Test
    void anOptionMissingItsValueSaysWhatItNeeds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("dump="));
        assertTrue(e.getMessage().contains("'dump' needs a value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("strict=maybe"));
        assertTrue(e.getMessage().contains("'maybe'"), e.getMessage());
    }

    @Test
    void coroPublicApiHasTwinsThoughItIsNeverRewritten() {
        AgentOptions o = AgentOptions.parse("exclude=com.lib.**");
        assertTrue(o.hasTwins("dev/coro/Coro"));
        assertTrue(o.hasTwins("dev/coro/Task"));
        assertFalse(o.hasTwins("dev/coro/internal/Loop"));
        assertFalse(o.hasTwins("com/lib/Client"), "an excluded class has no twins: calls to it stay plain");
        assertTrue(o.hasTwins("com/app/Main"));
    }

    @Test
    void patchGroupsDefaultToAllAndTheFirstPatchOptionReplacesTheDefault() {
        assertEquals(dev.coro.agent.instrument.Patches.GROUPS, AgentOptions.parse(null).patches);
        assertTrue(AgentOptions.parse("patch=none").patches.isEmpty());
        assertEquals(java.util.Set.of("sleep"), AgentOptions.parse("patch=sleep").patches);
        assertEquals(java.util.Set.of("sleep", "futures"), AgentOptions.parse("patch=sleep,patch=futures").patches);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("patch=sockets2"));
        assertTrue(e.getMessage().contains("unknown patch group 'sockets2'"), e.getMessage());
    }

    @Test
    void filesIsOptInAndBareGroupsContinueAPatchList() {
        assertFalse(AgentOptions.parse(null).patches.contains("files"), "files is not on by default");
        assertFalse(AgentOptions.parse("patch=all").patches.contains("files"), "all is the default groups");
        java.util.Set<String> allAndFiles = new java.util.TreeSet<>(dev.coro.agent.instrument.Patches.GROUPS);
        allAndFiles.add("files");
        assertEquals(allAndFiles, AgentOptions.parse("patch=all,files").patches);
        assertEquals(allAndFiles, AgentOptions.parse("patch=all,patch=files").patches);
        assertEquals(java.util.Set.of("files"), AgentOptions.parse("patch=files").patches);
        assertEquals(java.util.Set.of("sleep", "files"), AgentOptions.parse("patch=sleep,files,verbose").patches);
        assertTrue(AgentOptions.parse("patch=sleep,files,verbose").verbose);
        // a bare word that is not a group is still an unknown option, and names the groups
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("patch=all,filez"));
        assertTrue(e.getMessage().contains("unknown option 'filez'"), e.getMessage());
        assertTrue(e.getMessage().contains("files"), e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("patch=filez"));
        assertTrue(g.getMessage().contains("unknown patch group 'filez'") && g.getMessage().contains("files"),
                g.getMessage());
        // a group word without a patch= before it is not taken as one
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("verbose,files"));
    }
}
