#!/usr/bin/env bash
# Installs what the benchmark needs on top of deploy/install-deps.sh (which bench/run.sh runs
# first): gnuplot draws the chart, valgrind profiles the hit path where perf has no hardware
# counters (virtual machines), linux-perf where it has them. Kept apart from install-deps.sh
# so that the test command does not pull in plotting and profiling tools.
# Idempotent: does nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(gnuplot-nox valgrind linux-perf)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-bench-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
