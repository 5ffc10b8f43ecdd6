#!/usr/bin/python3
"""Runs sqlcache inside the parts of sqlcache.service's sandbox that can break it, without
systemd (none runs where the tests run):

  trace    under strace: every system call it makes must be allowed by SystemCallFilter=, every
           socket family by RestrictAddressFamilies=; it opens nothing for writing
           (ProtectSystem=strict), nothing in /home or /root (ProtectHome=), and in /proc only
           its own entries (ProcSubset=pid);
  seccomp  under a seccomp filter built like systemd builds it from the unit (SystemCallFilter=,
           SystemCallErrorNumber=, RestrictAddressFamilies=, MemoryDenyWriteExecute=): it must
           still serve /healthz, /readyz and /metrics, relay a client, reload on SIGHUP and
           exit 0 on SIGTERM.

The workload is the same in both: a fake backend that accepts and hangs up, the memory store,
a client connection, the admin endpoints, SIGHUP, SIGTERM. Exits 1 on any problem.

  check_sandbox.py trace SQLCACHE_BINARY
  check_sandbox.py seccomp SQLCACHE_BINARY
"""
import errno
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_unit import UNIT, parse_unit, report  # noqa: E402

AF_NAMES = {"AF_UNIX": socket.AF_UNIX, "AF_INET": socket.AF_INET, "AF_INET6": socket.AF_INET6,
            "AF_NETLINK": 16, "AF_PACKET": 17}


def service_settings():
    return parse_unit(UNIT.read_text())["Service"]


def syscall_groups():
    """systemd's own groups (@system-service, ...) as it defines them on this machine."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True,
                         text=True, check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.startswith("    ") and not line.strip().startswith("#"):
            current.append(line.strip())
        elif not line.strip():
            current = None
    return groups


def expand(name, groups, seen=None):
    seen = seen if seen is not None else set()
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    return set().union(*[expand(member, groups, seen) for member in groups.get(name, [])])


def allowed_syscalls(service):
    """SystemCallFilter= lines as systemd combines them: the first list sets allow or deny mode;
    an allow-list always includes @default; later ~lists remove, later lists add."""
    groups = syscall_groups()
    allowed = None
    for line in service.get("SystemCallFilter", []):
        deny = line.startswith("~")
        names = set().union(*[expand(n, groups) for n in line.lstrip("~").split()])
        if allowed is None:
            if deny:
                raise SystemExit("a deny-first SystemCallFilter is not modelled here")
            allowed = expand("@default", groups) | names
        else:
            allowed = allowed - names if deny else allowed | names
    return allowed


def allowed_families(service):
    families = set()
    for line in service.get("RestrictAddressFamilies", []):
        families |= set(line.split())
    return families


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HangUpBackend:
    """A 'database' that accepts and closes at once: /readyz sees it reachable, a client sees
    the proxy's error for a backend that went away."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.close()


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return None, str(e)


def exercise(binary, launcher, preexec=None):
    """Runs the workload; returns (problems, stderr of the run)."""
    problems = []
    backend = HangUpBackend()
    listen, admin = free_port(), free_port()
    directory = tempfile.mkdtemp(prefix="sqlcache-sandbox-")
    config = Path(directory) / "sqlcache.yaml"
    # Backend by name: resolving localhost is part of what the sandbox must allow.
    config.write_text(f"listen: 127.0.0.1:{listen}\nshutdown_grace: 2s\nthreads: 2\n"
                      f"backend: {{ host: localhost, port: {backend.port} }}\n"
                      f"cache: {{ store: memory }}\nadmin: {{ listen: 127.0.0.1:{admin} }}\n")
    stderr_path = Path(directory) / "stderr"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen([*launcher, binary, "--config", str(config)], stdout=stderr,
                                   stderr=stderr, preexec_fn=preexec, env={"PATH": "/usr/bin:/bin"})
    try:
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            status, _ = http_get(admin, "/healthz")
            if status == 200:
                break
            time.sleep(0.1)
        if status != 200:
            problems.append(f"/healthz answered {status} (exit code {process.poll()})")
            return problems, stderr_path.read_text()
        status, body = http_get(admin, "/readyz")
        if status != 200:
            problems.append(f"/readyz with a reachable backend answered {status}: {body.strip()}")
        status, body = http_get(admin, "/metrics")
        if status != 200 or "sqlcache_" not in body:
            problems.append(f"/metrics answered {status}")
        with socket.create_connection(("127.0.0.1", listen), timeout=5) as client:
            client.settimeout(5)
            received = b""
            try:
                while chunk := client.recv(4096):
                    received += chunk
            except socket.timeout:
                problems.append("a client was left hanging when the backend hung up")
        # The proxy's ERR packet: 0xff after the 4-byte header.
        if len(received) < 5 or received[4] != 0xFF:
            problems.append(f"a client got no error packet for a lost backend: {received[:16]!r}")
        target = proxy_pid(process)
        os.kill(target, signal.SIGHUP)
        time.sleep(0.5)
        status, _ = http_get(admin, "/healthz")
        if status != 200:
            problems.append(f"after SIGHUP (reload) /healthz answered {status}")
        os.kill(target, signal.SIGTERM)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            problems.append("SIGTERM did not stop sqlcache within 15 s")
            code = None
        if code not in (0, None):
            problems.append(f"after SIGTERM sqlcache exited with {code}, not 0")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        backend.listener.close()
    output = stderr_path.read_text()
    if "reload" not in output.lower():
        problems.append("no reload was logged after SIGHUP")
    return problems, output


def proxy_pid(process):
    """The sqlcache process: the launched one, or strace's child."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for _ in range(50):
        pids = children.read_text().split() if children.exists() else []
        if pids or not os.path.basename(process.args[0]).startswith("strace"):
            return int(pids[0]) if pids else process.pid
        time.sleep(0.1)
    return process.pid


def check_trace(binary):
    service = service_settings()
    allowed = allowed_syscalls(service)
    families = allowed_families(service)
    with tempfile.TemporaryDirectory(prefix="sqlcache-trace-") as directory:
        trace = Path(directory) / "trace"
        problems, output = exercise(binary, ["strace", "-f", "-qq", "-s", "256", "-o", str(trace)])
        lines = trace.read_text().splitlines()
    # From the binary's own execve on (strace itself and the exec are not the proxy).
    calls, opened, sockets = set(), [], set()
    for line in lines:
        match = re.match(r"^\d+\s+(?:<\.\.\. )?(\w+)(?:\(| resumed>)", line)
        if not match:
            continue
        name = match[1]
        calls.add(name)
        if name == "socket":
            family = re.search(r"socket\((AF_\w+|\d+)", line)
            if family:
                sockets.add(family[1])
        if name in ("openat", "open") and "= -1" not in line:
            path = re.search(r'"([^"]*)"', line)
            flags = re.search(r", (O_[A-Z_|]+)", line)
            if path:
                opened.append((path[1], flags[1] if flags else ""))
    denied = sorted(calls - allowed)
    if denied:
        problems.append(f"system calls outside SystemCallFilter=: {', '.join(denied)}")
    # glibc's getaddrinfo asks the kernel over AF_NETLINK which address families are configured,
    # and assumes both when it may not (RestrictAddressFamilies= answers EAFNOSUPPORT): the
    # seccomp run shows that resolving still works without it.
    stray = sorted(f for f in sockets if f not in families and f != "AF_NETLINK")
    if stray:
        problems.append(f"socket families outside RestrictAddressFamilies=: {', '.join(stray)}")
    writes = sorted({p for p, f in opened if re.search(r"O_(WRONLY|RDWR|CREAT)", f)})
    if writes:
        problems.append(f"files opened for writing under ProtectSystem=strict: {', '.join(writes)}")
    homes = sorted({p for p, _ in opened if p.startswith(("/home", "/root"))})
    if homes:
        problems.append(f"files in /home or /root under ProtectHome=: {', '.join(homes)}")
    proc = sorted({p for p, _ in opened if p.startswith("/proc/") and
                   not re.match(r"/proc/(self|thread-self|\d+)(/|$)", p)})
    if proc:
        problems.append(f"/proc files hidden by ProcSubset=pid: {', '.join(proc)}")
    print(f"  sandbox trace: {len(calls)} distinct system calls, sockets {sorted(sockets)}")
    if problems:
        print(output[-2000:])
    return report("sandbox trace", problems)


def unit_filter(allowed, families):
    """What systemd installs for the unit, built here and loaded in the child before exec
    (after fork only load() runs: no imports or allocations next to the backend's thread)."""
    import seccomp

    # SystemCallErrorNumber=EPERM: a denied call fails instead of killing the process.
    sandbox = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    special = {"socket", "mmap", "mprotect", "pkey_mprotect"}
    for name in sorted(allowed - special):
        try:
            sandbox.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError, OSError):
            pass  # a name systemd knows that this architecture has no number for
    # RestrictAddressFamilies=: other families fail with EAFNOSUPPORT.
    if "socket" in allowed:
        numbers = {AF_NAMES[f] for f in families}
        for number in numbers:
            sandbox.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, number))
        for number in range(0, max(numbers) + 1):
            if number not in numbers:
                sandbox.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                                 seccomp.Arg(0, seccomp.EQ, number))
        sandbox.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                         seccomp.Arg(0, seccomp.GT, max(numbers)))
    # MemoryDenyWriteExecute=: no mapping both writable and executable.
    write_exec = 0x2 | 0x4
    for name in ("mmap", "mprotect", "pkey_mprotect"):
        if name in allowed:
            for allowed_bits in (0, 0x2, 0x4):
                sandbox.add_rule(seccomp.ALLOW, name,
                                 seccomp.Arg(2, seccomp.MASKED_EQ, write_exec, allowed_bits))
    return sandbox  # load() also sets no_new_privs, as NoNewPrivileges= does


def check_seccomp(binary):
    service = service_settings()
    allowed, families = allowed_syscalls(service), allowed_families(service)
    errno_setting = (service.get("SystemCallErrorNumber") or ["(kill)"])[-1]
    problems = [] if errno_setting == "EPERM" else [
        f"the model assumes SystemCallErrorNumber=EPERM, the unit has {errno_setting}"]
    sandbox = unit_filter(allowed, families)
    found, output = exercise(binary, [], preexec=sandbox.load)
    problems += found
    if problems:
        print(output[-2000:])
    return report("sandbox seccomp", problems)


def main(argv):
    if len(argv) == 3 and argv[1] == "trace":
        return check_trace(argv[2])
    if len(argv) == 3 and argv[1] == "seccomp":
        return check_seccomp(argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
