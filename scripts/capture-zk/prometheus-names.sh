#!/bin/sh
# Lists the metrics a ZooKeeper 3.8.0 server exports through its PrometheusMetricsProvider, with
# their Prometheus types, derived from ZooKeeper's source: Debian's zookeeper package does not
# ship the Prometheus provider, so no real scrape could be captured. Counters and summaries come
# from ServerMetrics.java (a summary's DetailLevel decides its quantiles: ADVANCED 0.5/0.9/0.99,
# BASIC 0.5; summary and counter sets carry the label "key"), gauges from every registerGauge.
#
#   sh scripts/capture-zk/prometheus-names.sh /path/to/zookeeper.git > test/compat/fixtures/zk-admin/prometheus-names.txt
set -eu
GIT="git --git-dir=$1"
TAG=release-3.8.0-1
echo "# ZooKeeper 3.8.0 ($TAG) PrometheusMetricsProvider: name type [quantiles|labels]"
$GIT show $TAG:zookeeper-server/src/main/java/org/apache/zookeeper/server/ServerMetrics.java |
  grep -o -E 'metricsContext\.get(Counter|Summary|CounterSet|SummarySet)\("[a-z_0-9]+"(, DetailLevel\.[A-Z]+)?' |
  sed -E 's/metricsContext\.get//; s/\("/ /; s/"(, DetailLevel\.)?/ /' |
  awk '{
    if ($1 == "Counter") print $2, "counter";
    else if ($1 == "CounterSet") print $2, "counter", "key";
    else if ($1 == "Summary") print $2, "summary", ($3 == "ADVANCED" ? "0.5,0.9,0.99" : "0.5");
    else print $2, "summary", ($3 == "ADVANCED" ? "0.5,0.9,0.99" : "0.5"), "key";
  }'
for f in $($GIT grep -l -E 'registerGauge\("' $TAG -- zookeeper-server/src/main/java | sed "s/^$TAG://"); do
  $GIT show $TAG:$f | grep -o -E 'registerGauge\("[a-z_0-9]+"' | sed -E 's/registerGauge\("//; s/"$//; s/$/ gauge/'
done | sort -u
