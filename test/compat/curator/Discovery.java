// Curator's service discovery (curator-x-discovery) used as services use it: one process
// registers its instances, with payloads, as ephemerals; others query names and instances,
// keep a ServiceCache with a listener, pick instances through a ServiceProvider.
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.apache.curator.x.discovery.strategies.RoundRobinStrategy;
import org.apache.zookeeper.data.Stat;

final class Discovery {
  static final String BASE_PATH = "/services";
  static final List<String> SERVICES = List.of("orders", "payments", "inventory");
  static final int INSTANCES_PER_SERVICE = 8;

  private Discovery() {}

  /** watchInstances(true), as registrars that must notice a lost registration use it. */
  static ServiceDiscovery<InstanceDetails> discovery(CuratorFramework client) throws Exception {
    ServiceDiscovery<InstanceDetails> d = ServiceDiscoveryBuilder.builder(InstanceDetails.class)
        .client(client)
        .basePath(BASE_PATH)
        .serializer(new JsonInstanceSerializer<>(InstanceDetails.class))
        .watchInstances(true)
        .build();
    d.start();
    return d;
  }

  /** Sizes grow with a numbering across the services: 24 instances cover 0.6 to 1.5 KiB, so replies carry a Stat across every buffer size in between. */
  static ServiceInstance<InstanceDetails> instance(String service, int i) throws Exception {
    int n = Math.max(0, SERVICES.indexOf(service)) * INSTANCES_PER_SERVICE + i;
    return ServiceInstance.<InstanceDetails>builder()
        .name(service)
        .id(service + "-" + i)
        .address("10.0." + (SERVICES.indexOf(service) + 1) + "." + (10 + i))
        .port(8080 + i)
        .sslPort(8443)
        .payload(InstanceDetails.of(service, n))
        .uriSpec(new UriSpec("{scheme}://{address}:{port}/" + service))
        .build();
  }

  static String pathOf(ServiceInstance<?> i) {
    return BASE_PATH + "/" + i.getName() + "/" + i.getId();
  }

  /** `registrar` and `consumer` are two processes' clients (two sessions). */
  static void run(CuratorFramework registrar, CuratorFramework consumer) throws Exception {
    ServiceDiscovery<InstanceDetails> registry = discovery(registrar);
    ServiceDiscovery<InstanceDetails> lookup = Check.closeLater(discovery(consumer));
    Map<String, ServiceInstance<InstanceDetails>> registered = new LinkedHashMap<>();

    Check.step("discovery_register", () -> {
      long session = registrar.getZookeeperClient().getZooKeeper().getSessionId();
      int smallest = Integer.MAX_VALUE, largest = 0;
      for (String service : SERVICES) {
        for (int i = 0; i < INSTANCES_PER_SERVICE; i++) {
          ServiceInstance<InstanceDetails> inst = instance(service, i);
          registry.registerService(inst);
          registered.put(inst.getId(), inst);
        }
      }
      for (ServiceInstance<InstanceDetails> inst : registered.values()) {
        // The consumer's server may apply the registration a moment later (reads may lag).
        Check.await(pathOf(inst) + " to be seen by the consumer", 10_000, () -> consumer.checkExists().forPath(pathOf(inst)) != null);
        Stat stat = consumer.checkExists().forPath(pathOf(inst));
        Check.equal(session, stat.getEphemeralOwner(), pathOf(inst) + " is an ephemeral of the registrar's session");
        smallest = Math.min(smallest, stat.getDataLength());
        largest = Math.max(largest, stat.getDataLength());
      }
      System.out.println("INFO discovery: " + registered.size() + " instances, " + smallest + " to " + largest + " bytes of JSON each");
    });

    Check.step("discovery_query_names", () -> Check.equal(new HashSet<>(SERVICES), new HashSet<>(lookup.queryForNames()), "queryForNames"));

    Check.step("discovery_query_instances", () -> {
      for (String service : SERVICES) {
        Collection<ServiceInstance<InstanceDetails>> found = lookup.queryForInstances(service);
        Check.equal(INSTANCES_PER_SERVICE, found.size(), "instances of " + service);
        for (ServiceInstance<InstanceDetails> inst : found) Check.equal(registered.get(inst.getId()), inst, "instance " + inst.getId() + " with its payload");
      }
      ServiceInstance<InstanceDetails> one = lookup.queryForInstance("payments", "payments-5");
      Check.equal(registered.get("payments-5"), one, "queryForInstance(payments, payments-5)");
      Check.equal(null, lookup.queryForInstance("payments", "payments-99"), "queryForInstance of an unknown id");
    });

    Check.step("discovery_service_provider", () -> {
      ServiceProvider<InstanceDetails> provider = lookup.serviceProviderBuilder().serviceName("inventory").providerStrategy(new RoundRobinStrategy<>()).build();
      provider.start();
      try {
        Set<String> picked = new HashSet<>();
        for (int i = 0; i < INSTANCES_PER_SERVICE; i++) picked.add(provider.getInstance().getId());
        Check.equal(INSTANCES_PER_SERVICE, picked.size(), "round robin visits every instance once");
        Check.equal(INSTANCES_PER_SERVICE, provider.getAllInstances().size(), "getAllInstances");
      } finally {
        provider.close();
      }
    });

    Check.step("discovery_service_cache", () -> serviceCacheFollows(registry, lookup, registered));

    Check.step("discovery_unregister", () -> {
      for (int i = 0; i < INSTANCES_PER_SERVICE; i++) registry.unregisterService(registered.get("payments-" + i));
      Check.await("no payments instances left to query", 10_000, () -> lookup.queryForInstances("payments").isEmpty());
      Check.await("payments-3's node to be gone for the consumer", 10_000, () -> consumer.checkExists().forPath(pathOf(registered.get("payments-3"))) == null);
    });

    Check.step("discovery_close_removes_registrations", () -> {
      registry.close();
      Check.equal(0, lookup.queryForInstances("inventory").size(), "inventory instances after the registrar's ServiceDiscovery closed");
      Check.equal(0, lookup.queryForInstances("orders").size(), "orders instances after the registrar's ServiceDiscovery closed");
    });
  }

  /** A consumer's ServiceCache and its listener see an instance come, change and go. */
  private static void serviceCacheFollows(ServiceDiscovery<InstanceDetails> registry, ServiceDiscovery<InstanceDetails> lookup, Map<String, ServiceInstance<InstanceDetails>> registered) throws Exception {
    ServiceCache<InstanceDetails> cache = lookup.serviceCacheBuilder().name("orders").build();
    AtomicInteger changes = new AtomicInteger();
    cache.addListener(new ServiceCacheListener() {
      @Override
      public void cacheChanged() {
        changes.incrementAndGet();
      }

      @Override
      public void stateChanged(CuratorFramework client, ConnectionState state) {}
    });
    cache.start();
    try {
      Check.equal(INSTANCES_PER_SERVICE, cache.getInstances().size(), "the cache's instances once started");
      ServiceInstance<InstanceDetails> added = instance("orders", INSTANCES_PER_SERVICE);
      registry.registerService(added);
      registered.put(added.getId(), added);
      Check.await("the cache to list the new orders instance", 10_000, () -> ids(cache).contains(added.getId()));
      ServiceInstance<InstanceDetails> updated = ServiceInstance.<InstanceDetails>builder().name("orders").id("orders-1").address("10.0.1.99").port(9090).payload(InstanceDetails.of("orders", 12)).build();
      registry.updateService(updated);
      Check.await("the cache to see orders-1's new payload", 10_000, () -> cache.getInstances().stream().anyMatch((i) -> i.getId().equals("orders-1") && updated.getPayload().equals(i.getPayload()) && i.getPort() == 9090));
      registry.unregisterService(registered.get("orders-0"));
      Check.await("the cache to drop orders-0", 10_000, () -> !ids(cache).contains("orders-0"));
      Check.equal(INSTANCES_PER_SERVICE, cache.getInstances().size(), "instances after one came and one went");
      Check.await("the listener to hear the three changes", 10_000, () -> changes.get() >= 3);
    } finally {
      cache.close();
    }
  }

  static Set<String> ids(ServiceCache<InstanceDetails> cache) {
    Set<String> ids = new HashSet<>();
    for (ServiceInstance<InstanceDetails> i : cache.getInstances()) ids.add(i.getId());
    return ids;
  }
}
