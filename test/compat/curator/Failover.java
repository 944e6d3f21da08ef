// Curator's recipes across the loss of a server: three clients run a leader latch, service
// discovery with a ServiceCache, a CuratorCache, a PersistentNode, mutex-guarded updates and a
// DistributedAtomicLong; the test kills the ensemble's leader (every client is disconnected,
// as followers drop their clients until a new leader is elected) and each recipe must go on
// with the same sessions.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;

final class Failover {
  static final String ROOT = "/failover";
  static final int INSTANCES = 4;

  private Failover() {}

  /** Threads that each loop on a recipe until stopped, counting what they finished for sure. */
  static final class Loops {
    final AtomicInteger mutexSections = new AtomicInteger();
    final AtomicInteger mutexUncertain = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger increments = new AtomicInteger();
    final AtomicInteger incrementsUncertain = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    private final AtomicInteger holders = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    void start(List<CuratorFramework> clients) {
      for (CuratorFramework c : clients) threads.add(loop(() -> mutexSection(c)));
      DistributedAtomicLong counter = new DistributedAtomicLong(clients.get(1), ROOT + "/requests", new RetryNTimes(20, 10));
      threads.add(loop(() -> increment(counter)));
      for (Thread t : threads) t.start();
    }

    private Thread loop(Check.Body body) {
      return new Thread(() -> {
        while (!stopped) {
          try {
            body.run();
          } catch (Exception e) {
            // A call that outlived Curator's retries during the failover: the application tries again.
            errors.incrementAndGet();
          }
        }
      });
    }

    /** Read-modify-write of a counter under the mutex; holders counts the sessions inside. */
    private void mutexSection(CuratorFramework c) throws Exception {
      InterProcessMutex mutex = new InterProcessMutex(c, ROOT + "/lock");
      if (!mutex.acquire(5, TimeUnit.SECONDS)) return;
      try {
        if (holders.incrementAndGet() != 1) overlaps.incrementAndGet();
        try {
          long runs = Contention.readLong(c, ROOT + "/runs", new Stat());
          mutexUncertain.incrementAndGet();
          c.setData().forPath(ROOT + "/runs", Long.toString(runs + 1).getBytes(StandardCharsets.UTF_8));
          mutexUncertain.decrementAndGet();
          mutexSections.incrementAndGet();
        } finally {
          holders.decrementAndGet();
        }
      } finally {
        mutex.release();
      }
    }

    /** A DistributedAtomicLong increment; one in flight when the connection drops may apply twice (its retried set fails its version check and it tries again). */
    private void increment(DistributedAtomicLong counter) throws Exception {
      incrementsUncertain.incrementAndGet();
      AtomicValue<Long> v = counter.increment();
      incrementsUncertain.decrementAndGet();
      if (v.succeeded()) increments.incrementAndGet();
    }

    void stop() throws InterruptedException {
      stopped = true;
      for (Thread t : threads) t.join(30_000);
      for (Thread t : threads) Check.that(!t.isAlive(), "a recipe loop still running 30 s after it was stopped");
    }
  }

  static void run(String connectString) throws Exception {
    List<List<String>> states = List.of(Check.states(), Check.states(), Check.states());
    List<CuratorFramework> clients = new ArrayList<>();
    for (List<String> s : states) clients.add(Check.client(connectString, s));
    CuratorFramework a = clients.get(0), b = clients.get(1), c = clients.get(2);
    List<Long> sessions = new ArrayList<>();
    for (CuratorFramework x : clients) sessions.add(x.getZookeeperClient().getZooKeeper().getSessionId());
    a.create().creatingParentsIfNeeded().forPath(ROOT + "/runs", "0".getBytes(StandardCharsets.UTF_8));
    a.create().forPath(ROOT + "/config", Nodes.config("failover", 300));

    List<LeaderLatch> latches = Leadership.startLatches(clients, ROOT + "/latch", Collections.synchronizedList(new ArrayList<>()));
    for (LeaderLatch l : latches) Check.closeLater(l);
    ServiceDiscovery<InstanceDetails> registry = Check.closeLater(Discovery.discovery(a));
    for (int i = 0; i < INSTANCES; i++) registry.registerService(Discovery.instance("api", i));
    ServiceDiscovery<InstanceDetails> lookup = Check.closeLater(Discovery.discovery(b));
    ServiceCache<InstanceDetails> serviceCache = Check.closeLater(lookup.serviceCacheBuilder().name("api").build());
    serviceCache.start();
    List<String> cacheEvents = Collections.synchronizedList(new ArrayList<>());
    CuratorCache configCache = Check.closeLater(Nodes.startCache(c, ROOT + "/config", cacheEvents));
    PersistentNode worker = Check.closeLater(new PersistentNode(a, CreateMode.EPHEMERAL, false, ROOT + "/workers/a", Nodes.config("worker-a", 200)));
    worker.start();
    Loops loops = new Loops();
    loops.start(clients);

    Check.step("failover_recipes_running", () -> {
      Leadership.oneLeader(latches, 15_000);
      Check.await(INSTANCES + " api instances in the ServiceCache", 10_000, () -> serviceCache.getInstances().size() == INSTANCES);
      Check.that(worker.waitForInitialCreate(10, TimeUnit.SECONDS), "the PersistentNode was created");
      Check.await("the mutex and counter loops to make progress", 20_000, () -> loops.mutexSections.get() >= 6 && loops.increments.get() >= 3);
    });
    int[] statesBefore = new int[clients.size()];
    for (int i = 0; i < clients.size(); i++) statesBefore[i] = states.get(i).size();
    System.out.println("READY");
    System.out.flush();
    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    Check.that(line != null && line.startsWith("KILLED"), "the test reports the kill: " + line);
    int sectionsAtKill = loops.mutexSections.get(), incrementsAtKill = loops.increments.get();

    Check.step("failover_clients_reconnect", () -> {
      for (int i = 0; i < clients.size(); i++) {
        List<String> s = states.get(i);
        int from = statesBefore[i];
        Check.await("client " + i + " to go SUSPENDED and then RECONNECTED", 30_000, () -> {
          List<String> since = s.subList(from, s.size());
          int suspended = since.indexOf("SUSPENDED");
          return suspended >= 0 && since.subList(suspended, since.size()).contains("RECONNECTED");
        });
        Check.that(!s.contains("LOST"), "client " + i + " never LOST its session: " + s);
        Check.equal(sessions.get(i), clients.get(i).getZookeeperClient().getZooKeeper().getSessionId(), "client " + i + "'s session id");
      }
    });
    Check.step("failover_leader_latch", () -> Leadership.oneLeader(latches, 20_000));
    Check.step("failover_mutex_and_counter_go_on", () -> {
      Check.await("6 more mutex sections and 3 more increments after the kill", 30_000, () -> loops.mutexSections.get() >= sectionsAtKill + 6 && loops.increments.get() >= incrementsAtKill + 3);
      loops.stop();
      System.out.println("INFO failover loops: " + loops.mutexSections + " mutex sections, " + loops.increments + " increments, " + loops.errors + " calls retried by the application");
      Check.equal(0, loops.overlaps.get(), "times two sessions held the mutex at once");
      long runs = Contention.readLong(a, ROOT + "/runs", new Stat());
      Check.that(runs >= loops.mutexSections.get() && runs <= loops.mutexSections.get() + loops.mutexUncertain.get(), "runs " + runs + " for " + loops.mutexSections + " sections (+" + loops.mutexUncertain + " uncertain)");
      long requests = new DistributedAtomicLong(a, ROOT + "/requests", new RetryNTimes(20, 10)).get().postValue();
      long counted = loops.increments.get();
      Check.that(requests >= counted && requests <= counted + 1 + loops.incrementsUncertain.get() + loops.errors.get(), "counter " + requests + " for " + counted + " increments");
    });
    Check.step("failover_service_discovery", () -> {
      Check.equal(INSTANCES, lookup.queryForInstances("api").size(), "registrations kept across the failover");
      registry.registerService(Discovery.instance("api", INSTANCES));
      Check.await("the ServiceCache to see a registration made after the failover", 10_000, () -> Discovery.ids(serviceCache).contains("api-" + INSTANCES));
    });
    Check.step("failover_curator_cache", () -> {
      a.create().forPath(ROOT + "/config/after", Nodes.config("after", 500));
      Check.await("the CuratorCache to hear a create made after the failover", 10_000, () -> cacheEvents.contains("created " + ROOT + "/config/after"));
    });
    Check.step("failover_persistent_node", () -> {
      Stat stat = b.checkExists().forPath(ROOT + "/workers/a");
      Check.that(stat != null, "the PersistentNode is still there");
      Check.equal(sessions.get(0), stat.getEphemeralOwner(), "its owner");
    });
  }
}
