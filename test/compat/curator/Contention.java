// Curator's locks and counters under contention: threads of several clients (sessions) take
// an InterProcessMutex around a read-modify-write, share an InterProcessSemaphoreV2 of two
// leases, and increment a DistributedAtomicLong.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.data.Stat;

final class Contention {
  static final int THREADS = 6;

  private Contention() {}

  static void run(List<CuratorFramework> clients) {
    Check.step("mutex_contention", () -> mutex(clients));
    Check.step("semaphore_contention", () -> semaphore(clients));
    Check.step("distributed_atomic_long", () -> atomicLong(clients));
  }

  /** Runs `body(thread, client)` on THREADS threads spread over the clients; rethrows the first failure. */
  static void onThreads(List<CuratorFramework> clients, Worker body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Void>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        Callable<Void> task = () -> {
          body.run(thread, clients.get(thread % clients.size()));
          return null;
        };
        done.add(pool.submit(task));
      }
      for (Future<Void> f : done) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  interface Worker {
    void run(int thread, CuratorFramework client) throws Exception;
  }

  static long readLong(CuratorFramework c, String path, Stat stat) throws Exception {
    return Long.parseLong(new String(c.getData().storingStatIn(stat).forPath(path), StandardCharsets.UTF_8));
  }

  private static void mutex(List<CuratorFramework> clients) throws Exception {
    String lock = "/locks/nightly-batch";
    String counter = "/locks/nightly-batch-runs";
    clients.get(0).create().creatingParentsIfNeeded().forPath(counter, "0".getBytes(StandardCharsets.UTF_8));
    int rounds = 5;
    AtomicInteger holders = new AtomicInteger();
    onThreads(clients, (thread, client) -> {
      InterProcessMutex mutex = new InterProcessMutex(client, lock);
      for (int i = 0; i < rounds; i++) {
        Check.that(mutex.acquire(30, TimeUnit.SECONDS), "thread " + thread + " acquired the mutex within 30 s");
        try {
          Check.equal(1, holders.incrementAndGet(), "holders of the mutex");
          Stat stat = new Stat();
          long runs = readLong(client, counter, stat);
          // With the version: a write by anyone else in between fails with BadVersion.
          client.setData().withVersion(stat.getVersion()).forPath(counter, Long.toString(runs + 1).getBytes(StandardCharsets.UTF_8));
          holders.decrementAndGet();
        } finally {
          mutex.release();
        }
      }
    });
    Check.equal((long) THREADS * rounds, readLong(clients.get(0), counter, new Stat()), "runs counted under the mutex");
    Check.equal(List.of(), clients.get(0).getChildren().forPath(lock), "lock nodes left behind");

    InterProcessMutex mine = new InterProcessMutex(clients.get(0), lock);
    InterProcessMutex theirs = new InterProcessMutex(clients.get(1), lock);
    Check.that(mine.acquire(10, TimeUnit.SECONDS) && mine.acquire(10, TimeUnit.SECONDS), "a holder re-enters its mutex");
    Check.that(!theirs.acquire(300, TimeUnit.MILLISECONDS), "another session times out while the mutex is held");
    mine.release();
    Check.that(mine.isAcquiredInThisProcess(), "held until released as often as acquired");
    mine.release();
    Check.that(theirs.acquire(10, TimeUnit.SECONDS), "the other session acquires once it is released");
    theirs.release();
  }

  private static void semaphore(List<CuratorFramework> clients) throws Exception {
    String path = "/semaphores/db-pool";
    int leases = 2;
    int rounds = 3;
    AtomicInteger inUse = new AtomicInteger();
    AtomicInteger mostInUse = new AtomicInteger();
    AtomicInteger acquired = new AtomicInteger();
    onThreads(clients, (thread, client) -> {
      InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(client, path, leases);
      for (int i = 0; i < rounds; i++) {
        Lease lease = semaphore.acquire(30, TimeUnit.SECONDS);
        Check.that(lease != null, "thread " + thread + " got a lease within 30 s");
        try {
          acquired.incrementAndGet();
          mostInUse.accumulateAndGet(inUse.incrementAndGet(), Math::max);
          Thread.sleep(30); // the lease's work
          inUse.decrementAndGet();
        } finally {
          semaphore.returnLease(lease);
        }
      }
    });
    Check.equal(THREADS * rounds, acquired.get(), "leases acquired");
    Check.that(mostInUse.get() <= leases, "at most " + leases + " leases in use at once, saw " + mostInUse.get());

    InterProcessSemaphoreV2 holder = new InterProcessSemaphoreV2(clients.get(0), path, leases);
    InterProcessSemaphoreV2 waiter = new InterProcessSemaphoreV2(clients.get(1), path, leases);
    List<Lease> all = new ArrayList<>(holder.acquire(leases, 10, TimeUnit.SECONDS));
    Check.equal(leases, all.size(), "leases taken at once");
    Check.equal(null, waiter.acquire(300, TimeUnit.MILLISECONDS), "a lease while all are taken");
    holder.returnAll(all);
    Lease lease = waiter.acquire(10, TimeUnit.SECONDS);
    Check.that(lease != null, "a lease once they are returned");
    waiter.returnLease(lease);
  }

  private static void atomicLong(List<CuratorFramework> clients) throws Exception {
    String path = "/counters/requests";
    int increments = 10;
    AtomicInteger optimisticFailures = new AtomicInteger();
    onThreads(clients, (thread, client) -> {
      DistributedAtomicLong value = new DistributedAtomicLong(client, path, new RetryNTimes(20, 10));
      for (int done = 0; done < increments; ) {
        AtomicValue<Long> v = value.increment();
        if (!v.succeeded()) {
          optimisticFailures.incrementAndGet();
          continue;
        }
        Check.equal(v.preValue() + 1, (long) v.postValue(), "an increment's post value");
        done++;
      }
    });
    DistributedAtomicLong value = new DistributedAtomicLong(clients.get(0), path, new RetryNTimes(20, 10));
    long total = (long) THREADS * increments;
    Check.equal(total, (long) value.get().postValue(), "the counter after " + THREADS + " threads x " + increments + " increments (" + optimisticFailures.get() + " gave up and retried)");
    Check.that(value.compareAndSet(total, 1000L).succeeded(), "compareAndSet from the current value");
    Check.that(!value.compareAndSet(total, 2000L).succeeded(), "compareAndSet from a stale value fails");
    Check.equal(1000L, (long) value.get().postValue(), "the counter after compareAndSet");
  }
}
