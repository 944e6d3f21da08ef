// Steps, bounded waits and clients shared by the Curator scenario and its failover run.
// Each step prints one line, "PASS <step>" or "FAIL <step>: <why>" (curator.test.ts asserts
// on them); stack traces and Curator's own warnings go to stderr.
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

final class Check {
  interface Body {
    void run() throws Exception;
  }

  interface Probe {
    boolean done() throws Exception;
  }

  /** Sessions outlive a failover on a loaded machine; Warden's maxSessionTimeout is set above this by the test. */
  static final int SESSION_TIMEOUT_MS = 15_000;
  static final int CONNECTION_TIMEOUT_MS = 5_000;

  private static int failures = 0;
  private static final List<AutoCloseable> opened = new ArrayList<>();

  private Check() {}

  static void step(String name, Body body) {
    long startNs = System.nanoTime();
    try {
      body.run();
      System.out.println("PASS " + name);
    } catch (Throwable e) {
      failures++;
      System.out.println("FAIL " + name + ": " + e);
      e.printStackTrace();
    }
    System.out.println("TIME " + name + " " + (System.nanoTime() - startNs) / 1_000_000 + " ms");
    System.out.flush();
  }

  static void that(boolean condition, String what) {
    if (!condition) throw new AssertionError(what);
  }

  static void equal(Object expected, Object actual, String what) {
    if (expected == null ? actual != null : !expected.equals(actual)) throw new AssertionError(what + ": expected " + expected + ", got " + actual);
  }

  /** Polls every 20 ms until `probe` holds, or fails naming what it waited for. */
  static void await(String what, long timeoutMs, Probe probe) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!probe.done()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
      Thread.sleep(20);
    }
  }

  /** A client as an application builds one: bounded exponential back-off, connected before use. */
  static CuratorFramework client(String connectString, List<String> states) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(SESSION_TIMEOUT_MS)
        .connectionTimeoutMs(CONNECTION_TIMEOUT_MS)
        .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 30))
        .build();
    if (states != null) c.getConnectionStateListenable().addListener((client, state) -> states.add(state.name()));
    c.start();
    if (!c.blockUntilConnected(20, TimeUnit.SECONDS)) throw new IllegalStateException("not connected to " + connectString + " within 20 s");
    closeLater(c);
    return c;
  }

  static CuratorFramework client(String connectString) throws InterruptedException {
    return client(connectString, null);
  }

  static List<String> states() {
    return new CopyOnWriteArrayList<>();
  }

  /** Closed in reverse order by finish(), so recipes go before their clients. */
  static <T extends AutoCloseable> T closeLater(T resource) {
    synchronized (opened) {
      opened.add(resource);
    }
    return resource;
  }

  /**
   * Ends the program when it runs for longer than `limitMs`: prints a FAIL line and every
   * thread's stack (where it hangs), then exits 3. The test's own timeout is longer.
   */
  static void watchdog(long limitMs) {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(limitMs);
      } catch (InterruptedException e) {
        return;
      }
      System.out.println("FAIL watchdog: still running after " + limitMs + " ms");
      for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
        System.err.println("thread " + e.getKey().getName());
        for (StackTraceElement frame : e.getValue()) System.err.println("    at " + frame);
      }
      System.out.flush();
      System.exit(3);
    }, "watchdog");
    t.setDaemon(true);
    t.start();
  }

  /** Closes what was opened, prints DONE and exits 1 if any step failed. */
  static void finish() {
    List<AutoCloseable> all;
    synchronized (opened) {
      all = new ArrayList<>(opened);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        all.get(i).close();
      } catch (Exception e) {
        System.err.println("closing " + all.get(i) + ": " + e);
      }
    }
    System.out.println("DONE " + (failures == 0 ? "ok" : failures + " failed"));
    System.out.flush();
    System.exit(failures == 0 ? 0 : 1);
  }
}
