// Curator's node recipes and transactions: a CuratorCache following a subtree of
// configuration, a PersistentNode that comes back when deleted, and multi-op transactions.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

final class Nodes {
  private Nodes() {}

  static void run(CuratorFramework a, CuratorFramework b) {
    Check.step("curator_cache", () -> curatorCache(a, b));
    Check.step("persistent_node", () -> persistentNode(a, b));
    Check.step("transaction", () -> transaction(a));
  }

  /** A configuration document of about `bytes` bytes, as services keep under a config path. */
  static byte[] config(String name, int bytes) {
    StringBuilder s = new StringBuilder("{\"name\":\"" + name + "\",\"settings\":{");
    for (int i = 0; s.length() < bytes - 2; i++) s.append(i == 0 ? "" : ",").append("\"").append(name).append(".key").append(i).append("\":\"value-").append(i * 7919).append("\"");
    return s.append("}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A cache on one session sees every change another session makes below its path. */
  static CuratorCache startCache(CuratorFramework client, String path, List<String> events) throws Exception {
    CountDownLatch initialized = new CountDownLatch(1);
    CuratorCache cache = CuratorCache.build(client, path);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates((d) -> events.add("created " + d.getPath()))
        .forChanges((before, after) -> events.add("changed " + after.getPath() + " v" + after.getStat().getVersion()))
        .forDeletes((d) -> events.add("deleted " + d.getPath()))
        .forInitialized(initialized::countDown)
        .build());
    cache.start();
    Check.that(initialized.await(10, TimeUnit.SECONDS), "the cache of " + path + " initialized within 10 s");
    return cache;
  }

  private static void curatorCache(CuratorFramework watcher, CuratorFramework writer) throws Exception {
    String root = "/app/config";
    writer.create().creatingParentsIfNeeded().forPath(root, config("app", 300));
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (CuratorCache cache = startCache(watcher, root, events)) {
      Check.that(cache.get(root).isPresent(), "the cache holds its root once initialized");
      byte[] db = config("db", 700);
      byte[] dbLater = config("db", 1400);
      writer.create().forPath(root + "/db", db);
      writer.create().creatingParentsIfNeeded().forPath(root + "/features/search", config("search", 180));
      writer.setData().forPath(root + "/db", dbLater);
      writer.delete().forPath(root + "/features/search");
      List<String> expected = List.of("created " + root + "/db", "created " + root + "/features/search", "changed " + root + "/db v1", "deleted " + root + "/features/search");
      Check.await("the cache's listener to hear " + expected, 10_000, () -> events.containsAll(expected));
      Check.that(Arrays.equals(dbLater, cache.get(root + "/db").get().getData()), "the cache holds the new data of " + root + "/db");
      Check.that(cache.get(root + "/features/search").isEmpty(), "the cache dropped the deleted node");
    }
  }

  private static void persistentNode(CuratorFramework owner, CuratorFramework other) throws Exception {
    String path = "/workers/worker-1";
    byte[] first = config("worker-1", 250);
    byte[] second = config("worker-1", 520);
    try (PersistentNode node = new PersistentNode(owner, CreateMode.EPHEMERAL, false, path, first)) {
      node.start();
      Check.that(node.waitForInitialCreate(10, TimeUnit.SECONDS), "the node was created within 10 s");
      // Another session may be on another server, which applies the create a moment later (reads may lag; sync would wait).
      Check.await(path + " to be seen by another session", 10_000, () -> other.checkExists().forPath(path) != null);
      Stat stat = other.checkExists().forPath(path);
      Check.equal(owner.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner(), "owner of " + path);
      other.delete().forPath(path);
      Check.await("the PersistentNode to create " + path + " again after another session deleted it", 10_000, () -> other.checkExists().forPath(path) != null);
      node.setData(second);
      Check.await("another session to read the PersistentNode's new data", 10_000, () -> Arrays.equals(second, other.getData().forPath(path)));
    }
    Check.await(path + " to go when the PersistentNode closes", 10_000, () -> other.checkExists().forPath(path) == null);
  }

  private static void transaction(CuratorFramework c) throws Exception {
    c.create().forPath("/tx", "v0".getBytes(StandardCharsets.UTF_8));
    c.create().forPath("/tx/old");
    List<CuratorTransactionResult> results = c.transaction().forOperations(
        c.transactionOp().create().forPath("/tx/a", config("a", 400)),
        c.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/tx/job-", config("job", 600)),
        c.transactionOp().setData().withVersion(0).forPath("/tx", "v1".getBytes(StandardCharsets.UTF_8)),
        c.transactionOp().check().withVersion(1).forPath("/tx"),
        c.transactionOp().delete().forPath("/tx/old"));
    Check.equal(5, results.size(), "results");
    Check.equal(List.of(OperationType.CREATE, OperationType.CREATE, OperationType.SET_DATA, OperationType.CHECK, OperationType.DELETE), results.stream().map(CuratorTransactionResult::getType).toList(), "result types");
    Check.that(results.get(1).getResultPath().matches("/tx/job-\\d{10}"), "the sequential create's path: " + results.get(1).getResultPath());
    Check.equal(1, results.get(2).getResultStat().getVersion(), "the setData result's version");
    Check.that(c.checkExists().forPath("/tx/a") != null && c.checkExists().forPath("/tx/old") == null, "the transaction's changes are all there");
    try {
      c.transaction().forOperations(
          c.transactionOp().create().forPath("/tx/b"),
          c.transactionOp().check().withVersion(0).forPath("/tx"));
      throw new AssertionError("a transaction with a stale check committed");
    } catch (KeeperException e) {
      Check.equal(KeeperException.Code.BADVERSION, e.code(), "the failed transaction's error");
    }
    Check.equal(null, c.checkExists().forPath("/tx/b"), "/tx/b after the failed transaction");
  }
}
