package dev.coro.tests.diagnostics;

import dev.coro.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Captures coro's runtime warnings during each test and restores the previous sink afterwards. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class WarningCapture {
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private Consumer<String> previousSink;

    @BeforeEach
    void captureWarnings() {
        previousSink = Diagnostics.setSink(warnings::add);
    }

    @AfterEach
    void restoreSink() {
        Diagnostics.setSink(previousSink);
    }

    /** The warnings so far that contain {@code text}. */
    List<String> warningsContaining(String text) {
        synchronized (warnings) {
            return warnings.stream().filter(w -> w.contains(text)).collect(Collectors.toList());
        }
    }

    List<String> allWarnings() {
        synchronized (warnings) {
            return new ArrayList<>(warnings);
        }
    }
}
