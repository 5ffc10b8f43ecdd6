#!/usr/bin/env bash
# Installs every Debian package sqlcache needs to build, test, demo and benchmark.
# Idempotent: does nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake g++ pkg-config clang-format
  libboost-dev libmariadb-dev default-libmysqlclient-dev libhiredis-dev libssl-dev
  libyaml-cpp-dev libgtest-dev
  mariadb-server mariadb-client redis-server redis-tools
  sysbench python3 python3-pymysql python3-cryptography python3-mysqldb openssl
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Debian's mariadb-server and redis-server packages start system services on install where an
# init system runs; our scripts run their own private instances, so keep the packaged ones off.
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
