// Debian's Curator 5.4 (framework, recipes, service discovery) against a Warden ensemble's
// ZooKeeper port. curator.test.ts compiles this directory with javac and runs it.
//
//   java CuratorScenario recipes  HOST:PORT,...   every recipe, one PASS/FAIL line per step
//   java CuratorScenario failover HOST:PORT,...   recipes running; prints READY, waits for a
//                                                 line on stdin (a server was killed), checks
//                                                 that they carried on
//
// Ends with "DONE ok" (exit 0) or "DONE <n> failed" (exit 1); a hang ends in the watchdog's
// FAIL line with every thread's stack (exit 3).
import java.util.HashSet;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;

public class CuratorScenario {
  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !List.of("recipes", "failover").contains(args[0])) {
      System.err.println("usage: CuratorScenario recipes|failover HOST:PORT[,HOST:PORT...]");
      System.exit(2);
    }
    Check.watchdog(80_000);
    if (args[0].equals("failover")) Failover.run(args[1]);
    else recipes(args[1]);
    Check.finish();
  }

  private static void recipes(String connectString) throws Exception {
    List<CuratorFramework> clients = List.of(Check.client(connectString), Check.client(connectString), Check.client(connectString));
    Check.step("connected", () -> {
      HashSet<Long> sessions = new HashSet<>();
      for (CuratorFramework c : clients) sessions.add(c.getZookeeperClient().getZooKeeper().getSessionId());
      Check.that(sessions.size() == clients.size() && !sessions.contains(0L), "three clients, three sessions: " + sessions);
    });
    Discovery.run(clients.get(0), clients.get(1));
    Leadership.run(clients);
    Contention.run(clients);
    Nodes.run(clients.get(0), clients.get(1));
  }
}
