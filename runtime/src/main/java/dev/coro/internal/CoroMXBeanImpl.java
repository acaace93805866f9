package dev.coro.internal;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

final class CoroMXBeanImpl implements CoroMXBean {
    private static volatile boolean registered;
    private static boolean started; // guarded by the class

    /**
     * Registers the bean on a daemon thread of its own, once: never on a loop thread (the platform MBean server
     * takes a few hundred ms to start), and whether or not a watchdog runs.
     */
    static void registerInBackground() {
        if (registered) {
            return;
        }
        synchronized (CoroMXBeanImpl.class) {
            if (started) {
                return;
            }
            started = true;
        }
        Thread jmx = new Thread(CoroMXBeanImpl::registerOnce, "coro-jmx-register");
        jmx.setDaemon(true);
        jmx.start();
    }

    static void registerOnce() {
        if (registered) {
            return;
        }
        synchronized (CoroMXBeanImpl.class) {
            if (registered) {
                return;
            }
            registered = true;
            try {
                ManagementFactory.getPlatformMBeanServer().registerMBean(new CoroMXBeanImpl(),
                        new ObjectName("dev.coro:type=Coro"));
            } catch (Exception | LinkageError e) {
                Diagnostics.warn("could not register the dev.coro:type=Coro MBean: " + e);
            }
        }
    }

    @Override
    public String dump() {
        return Loop.dumpAll();
    }

    @Override
    public int getLoopCount() {
        return Loop.loopCount();
    }
}
