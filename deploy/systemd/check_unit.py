#!/usr/bin/python3
"""Checks of deploy/systemd: the unit's promises (how it starts, reloads and stops sqlcache, how
it is sandboxed) against the proxy's behaviour and its example configuration, then systemd's
own verdicts. Run by tests/e2e/deploy_checks.sh; each subcommand exits 1 on a problem.

  check_unit.py unit SQLCACHE_BINARY       directives, and the example config with env.example
  check_unit.py verify SQLCACHE_BINARY     systemd-analyze verify
  check_unit.py security                   systemd-analyze security --offline: exposure <= 2.0
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
UNIT = HERE / "sqlcache.service"
INSTALLED_BINARY = "/usr/local/bin/sqlcache"
CONFIG = "/etc/sqlcache/sqlcache.yaml"
# systemd-analyze security's scale is 0.0 (locked down) to 10.0; --threshold takes tenths.
MAX_EXPOSURE = 2.0

SANDBOX = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "CapabilityBoundingSet": "",
    "MemoryDenyWriteExecute": "yes",
    "LimitNOFILE": "65536",
    "EnvironmentFile": "-/etc/sqlcache/env",
    "Restart": "on-failure",
    "KillSignal": "SIGTERM",
}


def parse_unit(text):
    """{section: {key: [values in order]}}; continuation lines joined."""
    sections, section, pending = {}, None, ""
    for line in text.splitlines():
        line = line.rstrip()
        if pending:
            line, pending = pending + line.lstrip(), ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = sections.setdefault(stripped[1:-1], {})
            continue
        key, _, value = stripped.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def seconds(duration):
    total = 0.0
    for number, unit in re.findall(r"(\d+)\s*(ms|s|min|m|h|d)?", str(duration)):
        total += int(number) * {"ms": 0.001, "s": 1, "min": 60, "m": 60, "h": 3600,
                                "d": 86400, "": 1}[unit]
    return total


def report(what, problems):
    for problem in problems:
        print(f"  {what}: {problem}")
    if not problems:
        print(f"  {what}: all checks hold")
    return 1 if problems else 0


def check_unit(binary):
    problems = []
    unit = parse_unit(UNIT.read_text())
    service = unit.get("Service", {})

    def last(key):
        values = service.get(key)
        return values[-1] if values else None

    # Type=notify would hang the start: the proxy never calls sd_notify.
    speaks_notify = any("NOTIFY_SOCKET" in p.read_text(errors="ignore")
                        for p in (REPO / "proxy").glob("*.cpp"))
    if last("Type") == "notify" and not speaks_notify:
        problems.append("Type=notify, but sqlcache does not send READY=1")
    if last("Type") not in ("simple", "exec", "notify"):
        problems.append(f"Type=simple (or exec), not {last('Type')}")
    if last("ExecStart") != f"{INSTALLED_BINARY} --config {CONFIG}":
        problems.append(f"ExecStart={INSTALLED_BINARY} --config {CONFIG}, not {last('ExecStart')}")
    if not re.fullmatch(r"(/usr)?/bin/kill -(HUP|SIGHUP|s HUP) \$MAINPID", last("ExecReload") or ""):
        problems.append(f"ExecReload sends SIGHUP to $MAINPID, not {last('ExecReload')}")
    if not (last("DynamicUser") == "yes" or last("User") not in (None, "", "root", "0")):
        problems.append("runs as DynamicUser=yes or a non-root User=")
    for key, value in SANDBOX.items():
        if last(key) != value:
            problems.append(f"{key}={value}, not {last(key)!r}")
    filters = " ".join(service.get("SystemCallFilter", []))
    if "@system-service" not in filters:
        problems.append("SystemCallFilter=@system-service")
    if unit.get("Install", {}).get("WantedBy") != ["multi-user.target"]:
        problems.append("WantedBy=multi-user.target")

    # The example configuration and the unit agree.
    config = yaml.safe_load((HERE / "sqlcache.yaml").read_text()) or {}
    grace = seconds(config.get("shutdown_grace", "10s"))
    if seconds(last("TimeoutStopSec") or "90s") <= grace:
        problems.append(f"TimeoutStopSec ({last('TimeoutStopSec')}) is longer than shutdown_grace ({grace}s)")
    # One descriptor per client, one per backend connection, a few for Redis and listeners.
    max_connections = int(config.get("max_connections", 10000))
    if int(last("LimitNOFILE") or 1024) < 2 * max_connections + 256:
        problems.append(f"LimitNOFILE covers 2 x max_connections ({max_connections}) + spare")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for line in (HERE / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    result = subprocess.run([binary, "--check-config", str(HERE / "sqlcache.yaml")], env=env,
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        problems.append(f"sqlcache.yaml is valid with env.example: {result.stderr.strip()}")
    without = subprocess.run([binary, "--check-config", str(HERE / "sqlcache.yaml")],
                             env={"PATH": env["PATH"]}, capture_output=True, text=True, timeout=30)
    if without.returncode == 0:
        problems.append("sqlcache.yaml needs REDIS_PASSWORD from the env file (a missing file must fail)")
    return report("unit", problems)


def with_binary(binary):
    """A copy of the unit that runs the built binary: verify checks that executables exist."""
    directory = tempfile.mkdtemp(prefix="sqlcache-unit-")
    copy = Path(directory) / "sqlcache.service"
    copy.write_text(UNIT.read_text().replace(INSTALLED_BINARY, str(Path(binary).resolve())))
    return copy


def check_verify(binary):
    copy = with_binary(binary)
    try:
        result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                                text=True, timeout=60)
    finally:
        shutil.rmtree(copy.parent)
    output = (result.stdout + result.stderr).strip()
    problems = [] if result.returncode == 0 and not output else [output or f"exit {result.returncode}"]
    return report("systemd-analyze verify", problems)


def check_security():
    with tempfile.TemporaryDirectory(prefix="sqlcache-unit-") as directory:
        copy = Path(directory) / "sqlcache.service"
        shutil.copy(UNIT, copy)
        result = subprocess.run(
            ["systemd-analyze", "security", "--offline=yes", "--no-pager",
             f"--threshold={int(MAX_EXPOSURE * 10)}", str(copy)],
            capture_output=True, text=True, timeout=60)
    level = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    print(f"  systemd-analyze security: exposure {level[1] if level else '?'} (at most {MAX_EXPOSURE})")
    problems = []
    if result.returncode != 0 or not level or float(level[1]) > MAX_EXPOSURE:
        problems.append(result.stderr.strip() or "exposure above the threshold")
        problems += [line for line in result.stdout.splitlines() if line.startswith("✗")][:20]
    return report("systemd-analyze security", problems)


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "unit" and len(argv) == 3:
        return check_unit(argv[2])
    if command == "verify" and len(argv) == 3:
        return check_verify(argv[2])
    if command == "security":
        return check_security()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
