#!/usr/bin/env bash
# The deployments in deploy/ (docker, systemd, kubernetes, aws), checked where no Docker engine,
# no systemd manager, no cluster and no AWS account are at hand: files are linted and checked
# against each other and against the built sqlcache; the systemd sandbox is rebuilt with strace
# and seccomp around the real binary; the CDK stack is synthesised offline and asserted on.
# docs/deployment.md says what each check verifies and what none of them can.
#
# Each check prints PASS, FAIL or SKIP with its output on failure; the script exits 1 if any
# check failed. A tool that is missing is installed with apt (python3-yaml, python3-seccomp,
# strace, systemd, docker-compose) or npm ci (deploy/aws); when that is impossible the check is
# skipped, except under CI=true, where it fails.
#
# Environment: SQLCACHE_BINARY (default build/proxy/sqlcache), SQLCACHE_SOURCE_DIR, CI.
set -uo pipefail

repo="${SQLCACHE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
binary="${SQLCACHE_BINARY:-$repo/build/proxy/sqlcache}"
python=/usr/bin/python3 # Debian's: python3-yaml and python3-seccomp are its packages
ci="${CI:-false}"
passed=0
failed=0
skipped=0
failures=()
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
export repo logs

say() { echo "deploy_checks: $*"; }

# run NAME SECONDS COMMAND...: one check, bounded in time; output shown when it fails.
run() {
  local name="$1" limit="$2"
  shift 2
  local started=$SECONDS command=("$@")
  # A shell function runs in a bash of its own, so that timeout can bound it.
  declare -F "$1" >/dev/null && command=(bash -c "$(declare -f "$1"); $1")
  if timeout --kill-after=10 "$limit" "${command[@]}" >"$logs/$name" 2>&1; then
    passed=$((passed + 1))
    echo "PASS $name ($((SECONDS - started))s)"
    grep -E ': (all checks hold|exposure|[0-9]+ distinct)|runtime libraries: lib|^# (pass|fail) |^kinds:|rootfs: the image|root file system:' \
      "$logs/$name" | sed 's/^ */  /' || true
  else
    local code=$?
    failed=$((failed + 1))
    failures+=("$name")
    [ "$code" -eq 124 ] && echo "  (timed out after ${limit}s)" >>"$logs/$name"
    echo "FAIL $name ($((SECONDS - started))s)"
    tail -n 60 "$logs/$name" | sed 's/^/    /'
  fi
}

# skip NAME REASON: a check that cannot run here; a failure under CI, where it must run.
skip() {
  if [ "$ci" = "true" ]; then
    failed=$((failed + 1))
    failures+=("$1")
    echo "FAIL $1: $2 (CI=true: every check must run)"
  else
    skipped=$((skipped + 1))
    echo "SKIP $1: $2"
  fi
}

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'; }

# apt_ensure PACKAGE...: installs what is missing; fails if it cannot.
apt_ensure() {
  local missing=()
  for package in "$@"; do installed "$package" || missing+=("$package"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || return 1
    sudo="sudo -n"
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >"$logs/apt" 2>&1 ||
    { timeout 300 $sudo apt-get update -q >>"$logs/apt" 2>&1 &&
      timeout 300 $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$logs/apt" 2>&1; } ||
    { tail -n 20 "$logs/apt" >&2; return 1; }
}

have_binary=true
if [ ! -x "$binary" ]; then
  have_binary=false
  say "no sqlcache binary at $binary (build it first); the checks that run it fail"
fi
# needs_binary NAME SECONDS COMMAND...: run, or fail for want of the binary.
needs_binary() {
  if $have_binary; then
    run "$@"
  else
    failed=$((failed + 1))
    failures+=("$1")
    echo "FAIL $1: no sqlcache binary at $binary"
  fi
}

have_python=true
apt_ensure python3-yaml || have_python=false
if ! $have_python; then
  for name in docker.dockerfile docker.runtime_libraries docker.image_config docker.compose \
    systemd.unit systemd.verify systemd.security systemd.sandbox_trace systemd.sandbox_seccomp \
    kubernetes.manifests; do
    skip "$name" "python3-yaml is missing and could not be installed"
  done
else
  # ---- deploy/docker -------------------------------------------------------------------------
  docker_checks="$repo/deploy/docker/check_docker.py"
  run docker.dockerfile 60 "$python" "$docker_checks" dockerfile
  needs_binary docker.runtime_libraries 60 "$python" "$docker_checks" runtime-libraries "$binary"
  needs_binary docker.image_config 60 "$python" "$docker_checks" config "$binary"
  needs_binary docker.compose 60 "$python" "$docker_checks" compose "$binary"

  # ---- deploy/systemd ------------------------------------------------------------------------
  unit_checks="$repo/deploy/systemd/check_unit.py"
  sandbox_checks="$repo/deploy/systemd/check_sandbox.py"
  needs_binary systemd.unit 60 "$python" "$unit_checks" unit "$binary"
  if command -v systemd-analyze >/dev/null || apt_ensure systemd; then
    needs_binary systemd.verify 120 "$python" "$unit_checks" verify "$binary"
    run systemd.security 120 "$python" "$unit_checks" security
  else
    skip systemd.verify "systemd-analyze is missing"
    skip systemd.security "systemd-analyze is missing"
  fi
  if command -v systemd-analyze >/dev/null && { command -v strace >/dev/null || apt_ensure strace; }; then
    needs_binary systemd.sandbox_trace 120 "$python" "$sandbox_checks" trace "$binary"
  else
    skip systemd.sandbox_trace "strace or systemd-analyze is missing"
  fi
  if command -v systemd-analyze >/dev/null && apt_ensure python3-seccomp; then
    needs_binary systemd.sandbox_seccomp 120 "$python" "$sandbox_checks" seccomp "$binary"
  else
    skip systemd.sandbox_seccomp "python3-seccomp or systemd-analyze is missing"
  fi

  # ---- deploy/kubernetes ---------------------------------------------------------------------
  needs_binary kubernetes.manifests 60 "$python" "$repo/deploy/kubernetes/check_manifests.py" "$binary"
fi

# The manifests as kubectl builds them (kustomize works without a cluster; apply does not).
if command -v kubectl >/dev/null; then
  kustomize_check() {
    kubectl kustomize "$repo/deploy/kubernetes" >"$logs/kustomized" || return 1
    local kinds
    kinds="$(grep -E '^kind: ' "$logs/kustomized" | sort | tr '\n' ' ')"
    echo "kinds: $kinds"
    [ "$kinds" = "kind: ConfigMap kind: Deployment kind: HorizontalPodAutoscaler kind: PodDisruptionBudget kind: Secret kind: Service " ]
  }
  run kubernetes.kustomize 60 kustomize_check
else
  skipped=$((skipped + 1))
  echo "SKIP kubernetes.kustomize: no kubectl (kubernetes.manifests checks the same files)"
fi

# docker compose config validates compose.yaml against the Compose schema without an engine.
compose_tool=()
if docker compose version >/dev/null 2>&1; then
  compose_tool=(docker compose)
elif command -v docker-compose >/dev/null || apt_ensure docker-compose; then
  compose_tool=(docker-compose)
fi
if [ ${#compose_tool[@]} -gt 0 ]; then
  run docker.compose_config 60 "${compose_tool[@]}" -f "$repo/deploy/docker/compose.yaml" config -q
else
  skip docker.compose_config "neither docker compose nor docker-compose is available"
fi

# ---- deploy/aws ------------------------------------------------------------------------------
if command -v npm >/dev/null && command -v node >/dev/null; then
  cdk_check() {
    cd "$repo/deploy/aws" || return 1
    # A fresh clone has no node_modules; a changed lock file needs a new install.
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      npm ci --no-audit --no-fund || return 1
    fi
    npm test
  }
  run aws.cdk 900 cdk_check
else
  skip aws.cdk "node and npm are missing"
fi

# ---- opt-in: the Dockerfile carried out for real (debootstrap + chroot), minutes of work ------
if [ "${SQLCACHE_DEPLOY_ROOTFS:-0}" = "1" ]; then
  if [ "$(id -u)" -eq 0 ] && { command -v debootstrap >/dev/null || apt_ensure debootstrap; }; then
    run docker.rootfs_build 3000 "$python" "$repo/deploy/docker/rootfs_build.py"
  else
    skip docker.rootfs_build "needs root and debootstrap"
  fi
else
  skipped=$((skipped + 1))
  echo "SKIP docker.rootfs_build: opt-in with SQLCACHE_DEPLOY_ROOTFS=1 (downloads ~300 MB, compiles)"
fi

echo "deploy_checks: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || {
  say "failed: ${failures[*]}"
  exit 1
}
