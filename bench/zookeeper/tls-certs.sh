#!/usr/bin/env bash
# Certificates for the benchmarks over TLS, made once with openssl (and keytool for Java's
# trust store) under $TLS_DIR (default /var/tmp/zk-tls-bench): a CA, a server certificate for
# 127.0.0.1 and a client certificate, as
#   ca.pem                          PEM trust store (Warden)
#   server.pem, server.p12          key + chain: PEM (Warden) and PKCS12 (ZooKeeper)
#   client.p12, truststore.p12      the Java client's key store and trust store (keytool)
# All PKCS12 passwords: changeit. Prints the directory.
set -euo pipefail
D=${TLS_DIR:-/var/tmp/zk-tls-bench}
PW=changeit
if [ ! -f "$D/truststore.p12" ]; then
  mkdir -p "$D"; cd "$D"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -days 30 -keyout ca.key -out ca.pem -subj "/CN=bench CA" 2>/dev/null
  for name in server client; do
    openssl req -new "${ec[@]}" -keyout $name.key -out $name.csr -subj "/O=bench/CN=$name" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > $name.ext
    openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile $name.ext -out $name.crt 2>/dev/null
    cat $name.key $name.crt > $name.pem
    openssl pkcs12 -export -in $name.crt -inkey $name.key -out $name.p12 -passout pass:$PW
  done
  keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass $PW >/dev/null
fi
echo "$D"
