package dev.coro.internal;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

final class CoroMXBeanImpl implements CoroMXBean {
    private static volatile boolean registered;

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
