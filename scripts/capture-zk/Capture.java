// Drives a real ZooKeeper 3.8 Java client through every client operation, through the
// logging proxy (proxy.mjs), labelling each step so the recorded frames can be cut into
// test vectors. Run by record.sh; not part of the tests.
//
//   java -cp /usr/share/java/zookeeper.jar Capture.java <proxyPort> <controlPort>
import java.io.*;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.*;

public class Capture {
  static int controlPort;
  static final BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
  static final Watcher watcher = events::add;

  static void control(String line) throws Exception {
    try (Socket s = new Socket("127.0.0.1", controlPort)) {
      s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      s.getInputStream().read();
    }
  }
  static void label(String name) throws Exception { Thread.sleep(150); control("label " + name); }
  static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }
  static void expect(Runnable r) { try { r.run(); } catch (RuntimeException e) { System.out.println("  " + e); } }
  interface Step { void run() throws Exception; }
  static void step(Step s) { try { s.run(); } catch (Exception e) { System.out.println("  expected: " + e); } }

  static ZooKeeper connect(String hosts, int timeoutMs) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(hosts, timeoutMs, e -> { if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown(); events.add(e); });
    up.await(10, TimeUnit.SECONDS);
    return zk;
  }

  public static void main(String[] args) throws Exception {
    String hosts = "127.0.0.1:" + args[0];
    controlPort = Integer.parseInt(args[1]);
    List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    label("connect");
    ZooKeeper zk = connect(hosts, 6000);

    label("create");
    zk.create("/a", b("hello"), open, CreateMode.PERSISTENT);
    zk.create("/nodata", null, open, CreateMode.PERSISTENT);
    zk.create("/a/seq-", b(""), open, CreateMode.PERSISTENT_SEQUENTIAL);
    zk.create("/eph", b("e"), open, CreateMode.EPHEMERAL);
    step(() -> zk.create("/a", b("again"), open, CreateMode.PERSISTENT));
    step(() -> zk.create("/missing/child", b("x"), open, CreateMode.PERSISTENT));

    label("create2");
    Stat st = new Stat();
    zk.create("/b", b("two"), open, CreateMode.PERSISTENT, st);
    zk.create("/b/eseq-", b("x"), open, CreateMode.EPHEMERAL_SEQUENTIAL, st);

    label("createContainer");
    zk.create("/container", b("c"), open, CreateMode.CONTAINER, st);

    label("createTTL");
    zk.create("/ttl", b("t"), open, CreateMode.PERSISTENT_WITH_TTL, st, 60000);
    zk.create("/ttlseq-", b("t"), open, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, st, 1234567);

    label("exists");
    zk.exists("/a", true);
    zk.exists("/nope", true);
    zk.exists("/a", false);

    label("getData");
    zk.getData("/a", true, st);
    zk.getData("/nodata", false, st);
    step(() -> zk.getData("/nope", false, null));

    label("setData");
    zk.setData("/a", b("world"), -1);
    step(() -> zk.setData("/a", b("bad"), 42));
    zk.setData("/nodata", null, 0);
    events.poll(2, TimeUnit.SECONDS);

    label("getACL");
    zk.getACL("/a", st);
    step(() -> zk.getACL("/nope", st));

    label("setACL");
    zk.setACL("/b", ZooDefs.Ids.READ_ACL_UNSAFE, -1);
    step(() -> zk.setACL("/b", open, 7));
    step(() -> zk.setData("/b", b("denied"), -1));

    label("getChildren");
    zk.getChildren("/a", true);
    zk.getChildren("/", false);
    step(() -> zk.getChildren("/nope", false));

    label("getChildren2");
    zk.getChildren("/a", false, st);

    label("notification");
    zk.create("/a/child", b("c"), open, CreateMode.PERSISTENT);
    zk.delete("/a/child", -1);
    events.poll(2, TimeUnit.SECONDS);

    label("getAllChildrenNumber");
    zk.getAllChildrenNumber("/");
    step(() -> zk.getAllChildrenNumber("/nope"));

    label("getEphemerals");
    zk.getEphemerals();
    zk.getEphemerals("/b");

    label("delete");
    zk.create("/d", b("x"), open, CreateMode.PERSISTENT);
    step(() -> zk.delete("/d", 5));
    zk.delete("/d", 0);
    step(() -> zk.delete("/d", -1));
    step(() -> zk.delete("/a", -1));

    label("multi");
    zk.multi(Arrays.asList(
        Op.create("/m1", b("m"), open, CreateMode.PERSISTENT),
        Op.create("/m2", b("m"), open, CreateMode.PERSISTENT_SEQUENTIAL),
        Op.setData("/m1", b("mm"), 0),
        Op.check("/m1", 1),
        Op.delete("/m1", -1)));

    label("multiFailing");
    step(() -> zk.multi(Arrays.asList(
        Op.create("/f1", b("f"), open, CreateMode.PERSISTENT),
        Op.check("/a", 99),
        Op.delete("/nope", -1))));

    label("multiCreateModes");
    zk.multi(Arrays.asList(
        Op.create("/mc", b("c"), open, CreateMode.CONTAINER),
        Op.create("/mt", b("t"), open, CreateMode.PERSISTENT_WITH_TTL, 5000)));

    label("multiRead");
    zk.multi(Arrays.asList(Op.getData("/a"), Op.getChildren("/a"), Op.getData("/nope"), Op.getChildren("/nope")));

    label("sync");
    CountDownLatch synced = new CountDownLatch(1);
    zk.sync("/a", (rc, path, ctx) -> synced.countDown(), null);
    synced.await(5, TimeUnit.SECONDS);

    label("auth");
    zk.addAuthInfo("digest", b("alice:secret"));
    zk.exists("/a", false);

    label("whoAmI");
    zk.whoAmI();

    label("getConfig");
    zk.getConfig(false, st);

    label("checkWatches");
    zk.exists("/a", watcher);
    zk.removeWatches("/a", watcher, Watcher.WatcherType.Data, false);
    step(() -> zk.removeWatches("/a", watcher, Watcher.WatcherType.Data, false));

    label("removeWatches");
    zk.getChildren("/a", true);
    zk.removeAllWatches("/a", Watcher.WatcherType.Any, false);
    step(() -> zk.removeAllWatches("/a", Watcher.WatcherType.Children, false));

    label("setWatches");
    zk.exists("/a", true);
    zk.exists("/gone", true);
    zk.getChildren("/b", true);
    zk.getData("/nodata", true, st);
    control("drop");
    Thread.sleep(2500);
    zk.exists("/a", false);

    label("addWatch");
    zk.addWatch("/a", AddWatchMode.PERSISTENT);
    zk.addWatch("/b", AddWatchMode.PERSISTENT_RECURSIVE);
    zk.setData("/a", b("fire"), -1);
    events.poll(2, TimeUnit.SECONDS);

    label("setWatches2");
    control("drop");
    Thread.sleep(2500);
    zk.exists("/a", false);

    label("removeWatchesPersistent");
    zk.removeAllWatches("/a", Watcher.WatcherType.Any, false);
    zk.removeAllWatches("/b", Watcher.WatcherType.Any, false);

    label("ping");
    Thread.sleep(4500);

    label("reconfig");
    ZooKeeperAdmin admin = new ZooKeeperAdmin(hosts, 6000, e -> {});
    Thread.sleep(1000);
    step(() -> admin.reconfigure("server.2=127.0.0.1:2888:3888:participant;2182", null, null, -1, st));
    step(() -> admin.reconfigure(null, "2", null, 5, st));
    admin.close();

    label("closeSession");
    long sid = zk.getSessionId();
    byte[] pw = zk.getSessionPasswd();
    zk.close();

    label("expiredSession");
    ZooKeeper stale = new ZooKeeper(hosts, 6000, e -> {}, sid, pw);
    Thread.sleep(1500);
    stale.close();

    label("authFailed");
    ZooKeeper bad = connect(hosts, 6000);
    bad.addAuthInfo("nosuchscheme", b("x"));
    Thread.sleep(1000);
    bad.close();

    label("fourLetterWord");
    for (String cmd : new String[] {"ruok", "isro"}) {
      try (Socket s = new Socket("127.0.0.1", Integer.parseInt(args[0]))) {
        s.getOutputStream().write(b(cmd));
        s.getInputStream().readAllBytes();
      }
    }
    label("end");
  }
}
