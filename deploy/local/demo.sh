#!/usr/bin/env bash
# The first command of the README: from a fresh Debian 12 checkout to a running proxy.
#
#   deploy/local/demo.sh
#
# Installs the Debian packages (deploy/install-deps.sh), builds in Release into build/,
# starts a throwaway MariaDB (127.0.0.1:13306, with the sample schema) and Redis
# (127.0.0.1:16379), then runs the proxy in the foreground on 127.0.0.1:3307 with its admin
# endpoint on 127.0.0.1:9107. Ctrl-C stops the proxy and both servers. Their data lives in
# .local/ (SQLCACHE_STATE_DIR) and is thrown away on the next start. Other ports, when those
# are taken: SQLCACHE_PROXY_PORT, SQLCACHE_ADMIN_PORT, SQLCACHE_MYSQL_PORT, SQLCACHE_REDIS_PORT.
set -euo pipefail
cd "$(dirname "$0")/../.."

mysql_port="${SQLCACHE_MYSQL_PORT:-13306}"
redis_port="${SQLCACHE_REDIS_PORT:-16379}"
proxy_port="${SQLCACHE_PROXY_PORT:-3307}"
admin_port="${SQLCACHE_ADMIN_PORT:-9107}"
export SQLCACHE_MYSQL_PORT="$mysql_port" SQLCACHE_REDIS_PORT="$redis_port"

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

stop_servers() {
  deploy/local/redis.sh stop || true
  deploy/local/mariadb.sh stop || true
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

deploy/local/mariadb.sh start
deploy/local/redis.sh start

cat <<INFO

  sqlcache is starting on 127.0.0.1:$proxy_port (MariaDB on :$mysql_port, Redis on :$redis_port).
  Connect with:

      mariadb -h 127.0.0.1 -P $proxy_port -u sqlcache -psqlcache tutorial

  then run a query twice, e.g.  SELECT * FROM planet WHERE id = 3;
  Metrics: curl http://127.0.0.1:$admin_port/metrics      Stop: Ctrl-C

INFO

# Not exec: the EXIT trap must still run to stop the servers when the proxy ends.
build/proxy/sqlcache --listen "127.0.0.1:$proxy_port" --backend "127.0.0.1:$mysql_port" \
  --store "redis://127.0.0.1:$redis_port" --admin "127.0.0.1:$admin_port"
