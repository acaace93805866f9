package dev.coro.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A -Dcoro.* setting: its value when valid; otherwise the default, and a warning naming property and value. */
class SettingsTest {
    private static final String NAME = "coro.test.setting";
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private Consumer<String> oldSink;

    @BeforeEach
    void captureWarnings() {
        oldSink = Diagnostics.setSink(warnings::add);
    }

    @AfterEach
    void restore() {
        System.clearProperty(NAME);
        Diagnostics.setSink(oldSink);
    }

    private long read(String value) {
        if (value == null) {
            System.clearProperty(NAME);
        } else {
            System.setProperty(NAME, value);
        }
        return Settings.number(NAME, 10, 1, 1_000);
    }

    @Test
    void anUnsetOrValidSettingIsTakenSilently() {
        assertEquals(10, read(null));
        assertEquals(1, read("1"));
        assertEquals(1_000, read(" 1000 "));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aValueThatIsNoWholeNumberIsReportedAndTheDefaultUsed() {
        assertEquals(10, read("20ms"));
        assertEquals(List.of("-Dcoro.test.setting=20ms is not a whole number; using 10 instead"), warnings);
    }

    @Test
    void aValueOutOfRangeIsReportedAndTheDefaultUsed() {
        assertEquals(10, read("0"));
        assertEquals(10, read("1001"));
        assertEquals(List.of("-Dcoro.test.setting=0 is not from 1 to 1000; using 10 instead",
                "-Dcoro.test.setting=1001 is not from 1 to 1000; using 10 instead"), warnings);
    }

    @Test
    void aSettingWithoutUpperBoundSaysOnlyItsLowerOne() {
        System.setProperty(NAME, "-5");
        assertEquals(100, Settings.number(NAME, 100, 0, Settings.MAX_MILLIS));
        assertTrue(warnings.get(0).contains("=-5 is less than 0;"), warnings.toString());
        System.setProperty(NAME, "99999999999999");
        assertEquals(100, Settings.number(NAME, 100, 0, Settings.MAX_MILLIS));
        assertTrue(warnings.get(1).contains("=99999999999999 is more than " + Settings.MAX_MILLIS + ";"),
                warnings.toString());
    }
}
