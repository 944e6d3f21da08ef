// Curator's leader election recipes with several participants, each with its own client
// (its own session), as separate processes of one service would run them.
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.leader.Participant;

final class Leadership {
  static final int PARTICIPANTS = 3;

  private Leadership() {}

  static void run(List<CuratorFramework> clients) {
    Check.step("leader_latch", () -> leaderLatch(clients, "/election/latch"));
    Check.step("leader_selector", () -> leaderSelector(clients));
  }

  static List<LeaderLatch> startLatches(List<CuratorFramework> clients, String path, List<String> events) throws Exception {
    List<LeaderLatch> latches = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      String id = "node-" + i;
      LeaderLatch latch = new LeaderLatch(clients.get(i), path, id);
      latch.addListener(new LeaderLatchListener() {
        @Override
        public void isLeader() {
          events.add(id + " leads");
        }

        @Override
        public void notLeader() {
          events.add(id + " follows");
        }
      });
      latch.start();
      latches.add(latch);
    }
    return latches;
  }

  /**
   * Waits until every latch has its node (start() creates it in the background), exactly one
   * leads, and every latch names it; returns it.
   */
  static LeaderLatch oneLeader(List<LeaderLatch> latches, long timeoutMs) throws Exception {
    Check.await("all " + latches.size() + " latches to take part and exactly one to lead, named by all", timeoutMs, () -> {
      List<LeaderLatch> leading = leaders(latches);
      if (leading.size() != 1) return false;
      for (LeaderLatch l : latches) {
        if (l.getOurPath() == null || l.getParticipants().size() != latches.size()) return false;
        if (!l.getLeader().getId().equals(leading.get(0).getId())) return false;
      }
      return true;
    });
    return leaders(latches).get(0);
  }

  static List<LeaderLatch> leaders(List<LeaderLatch> latches) {
    List<LeaderLatch> leading = new ArrayList<>();
    for (LeaderLatch l : latches) if (l.getState() == LeaderLatch.State.STARTED && l.hasLeadership()) leading.add(l);
    return leading;
  }

  private static void leaderLatch(List<CuratorFramework> clients, String path) throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    List<LeaderLatch> latches = startLatches(clients, path, events);
    try {
      LeaderLatch first = oneLeader(latches, 15_000);
      Check.equal(PARTICIPANTS, first.getParticipants().size(), "participants");
      Check.that(events.contains(first.getId() + " leads"), "the leader's listener heard isLeader: " + events);
      List<LeaderLatch> rest = new ArrayList<>(latches);
      rest.remove(first);
      first.close();
      LeaderLatch second = oneLeader(rest, 15_000);
      Check.that(second != first, "leadership moved when the leader closed its latch");
      Check.equal(PARTICIPANTS - 1, second.getParticipants().size(), "participants after the leader left");
    } finally {
      for (LeaderLatch l : latches) if (l.getState() == LeaderLatch.State.STARTED) l.close();
    }
  }

  /** Every participant requeues after its turn: turns go round, never two leaders at once. */
  private static void leaderSelector(List<CuratorFramework> clients) throws Exception {
    AtomicInteger leading = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    List<String> turns = Collections.synchronizedList(new ArrayList<>());
    List<LeaderSelector> selectors = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      String id = "worker-" + i;
      LeaderSelector s = new LeaderSelector(clients.get(i), "/election/selector", new LeaderSelectorListenerAdapter() {
        @Override
        public void takeLeadership(CuratorFramework client) throws Exception {
          mostAtOnce.accumulateAndGet(leading.incrementAndGet(), Math::max);
          turns.add(id);
          Thread.sleep(100); // a leader's turn of work
          leading.decrementAndGet();
        }
      });
      s.setId(id);
      s.autoRequeue();
      selectors.add(s);
    }
    try {
      for (LeaderSelector s : selectors) s.start();
      int wanted = 2 * clients.size();
      Check.await(wanted + " leadership turns", 30_000, () -> turns.size() >= wanted);
      // Between turns a participant's node is briefly gone (it requeues): two or three are listed.
      Collection<Participant> participants = selectors.get(0).getParticipants();
      Check.that(participants.stream().filter(Participant::isLeader).count() <= 1, "at most one participant marked leader: " + participants);
      Check.that(participants.stream().allMatch((p) -> p.getId().startsWith("worker-")), "participants are the workers: " + participants);
    } finally {
      for (LeaderSelector s : selectors) s.close();
    }
    Check.equal(1, mostAtOnce.get(), "leaders at once");
    Check.equal(clients.size(), new HashSet<>(turns).size(), "participants that led at least once (turns " + turns + ")");
  }
}
