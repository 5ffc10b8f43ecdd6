#!/usr/bin/env bash
# Makes a private certificate authority and one server certificate signed by it, for the
# throwaway servers of the demo and the tests (never for production: the CA key sits next to
# the certificates).
#
#   deploy/local/make-certs.sh DIR [NAME]
#
# Writes DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key (RSA 2048, 10 years) unless
# DIR/server.pem exists. The server certificate is for NAME (default localhost) and names
# localhost and 127.0.0.1 as subject alternative names, so clients that verify the host name
# accept it on loopback.
set -euo pipefail

dir="${1:?usage: make-certs.sh DIR [NAME]}"
name="${2:-localhost}"
[ -f "$dir/server.pem" ] && exit 0
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sqlcache test CA $name" \
  -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
  -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
  "$name" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
  -CAcreateserial -days 3650 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
chmod 644 "$dir/ca.pem" "$dir/server.pem"
