// The payload a service registers with Curator's ServiceDiscovery, serialized by Jackson
// inside the ServiceInstance JSON: build metadata, placement and the endpoints it serves,
// as real registrations carry (a few hundred bytes to a couple of KiB).
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public class InstanceDetails {
  public String version;
  public String commit;
  public String zone;
  public Map<String, String> labels = new LinkedHashMap<>();
  public List<String> endpoints = new ArrayList<>();

  public InstanceDetails() {}

  /**
   * The i-th instance of a service: one more endpoint (about 40 bytes) than the (i-1)-th, so
   * a run of instances covers every size in its range in steps smaller than a Stat (68 bytes).
   */
  static InstanceDetails of(String service, int i) {
    InstanceDetails d = new InstanceDetails();
    d.version = "2." + (14 + i % 3) + "." + i;
    d.commit = String.format("%040x", (long) service.hashCode() * 2654435761L + i).substring(0, 40);
    d.zone = "eu-west-1" + "abc".charAt(i % 3);
    d.labels.put("team", service + "-team");
    d.labels.put("tier", i % 2 == 0 ? "canary" : "stable");
    d.labels.put("build", "ci-" + (90_000 + i * 37));
    for (int e = 0; e <= i; e++) d.endpoints.add("/api/v" + (1 + e % 2) + "/" + service + "/resource-" + e + "/{id}");
    return d;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InstanceDetails)) return false;
    InstanceDetails d = (InstanceDetails) o;
    return Objects.equals(version, d.version) && Objects.equals(commit, d.commit) && Objects.equals(zone, d.zone) && labels.equals(d.labels) && endpoints.equals(d.endpoints);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, commit, zone, labels, endpoints);
  }

  @Override
  public String toString() {
    return "InstanceDetails(" + version + ", " + endpoints.size() + " endpoints)";
  }
}
