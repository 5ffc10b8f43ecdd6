"""A profile of the hit path: one proxy thread (in-process store) serving the planet query,
recorded with perf where the machine has hardware counters (`perf stat -e instructions true`
counts something), else with valgrind's callgrind (virtual machines usually have none), and
summed up by component."""
import os
import re
import shutil
import subprocess
import time

from . import load_profile
from .interleave import log
from .proxy import Proxy

QUERY = "SELECT * FROM planet"
DB = "tutorial"

# Where a function's cost belongs, first match wins (demangled names).
COMPONENTS = [
    ("key derivation (SHA-256 in OpenSSL, key strings)",
     r"derive_key|_key\[abi|SHA256|sha256|EVP_|ossl_|OPENSSL|CRYPTO_|libcrypto"),
    ("in-process store (lookup, generations, decode)",
     r"MemoryStore|memory_store|CachedResult|cached_result|crc32c"),
    ("SQL analysis (tokenizer, normaliser, parser, keywords)", r"sqlcache::cache::"),
    ("MySQL protocol (mysql_wire)", r"sqlcache::wire::"),
    ("proxy session, query cache, metrics", r"sqlcache::"),
    ("Boost.Asio (event loop, coroutines)", r"boost::asio|boost::system|asio::"),
    ("memory allocation", r"malloc|free|operator new|operator delete|_int_|tcache|cfree"),
    ("hash tables (std::_Hash_bytes)", r"_Hash_bytes"),
    ("locks (mutex, rwlock)", r"pthread_(mutex|rwlock|spin)|__lll_"),
    ("memcpy/memcmp/strings", r"mem(cpy|move|set|cmp|chr)|str(len|cmp|chr)|__memcpy|wmem"),
    ("system call wrappers (kernel time not counted)",
     r"epoll|sendmsg|recvmsg|__libc_(send|recv|read|write)|writev|readv|syscall|send|recv"),
]


def perf_has_counters():
    if shutil.which("perf") is None:
        return False
    done = subprocess.run(["perf", "stat", "-e", "instructions", "true"], capture_output=True,
                          text=True, check=False)
    return done.returncode == 0 and "not supported" not in done.stderr and \
        "not counted" not in done.stderr


def run(ctx, out_path):
    """Profiles and writes the tool's own report to out_path; returns markdown (or None): the
    user-space instructions of one hit, then (load_profile) where the CPU goes under load."""
    hits = ctx.settings.profile_hits
    if hits <= 0:
        return None
    if perf_has_counters():
        text = with_perf(ctx, out_path, hits)
    elif shutil.which("valgrind") is None:
        text = ("## Profile of the hit path\n\nNot recorded: no perf counters on this machine "
                "and valgrind is not installed (bench/install-bench-deps.sh installs it).\n")
        open(out_path, "w").close()
    else:
        text = with_callgrind(ctx, out_path, hits)
    return text + "\n" + load_profile.run(ctx, out_path)


def with_callgrind(ctx, out_path, hits):
    raw = os.path.join(ctx.work_dir, "callgrind.out")
    wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={raw}",
               "--instr-atstart=no"]
    proxy = Proxy(ctx.binary, "profile", "memory", ctx.db.port, ctx.work_dir,
                  f"sqlcache-bench-{ctx.nonce}-profile:", threads=1, wrapper=wrapper)
    proxy.start(timeout=180)
    try:
        ctx.client.query(proxy.port, DB, QUERY, count=50, warmup=0)  # warm entry, code paths
        # Count the hits only, not the start-up and warm-up.
        subprocess.run(["callgrind_control", "-i", "on", str(proxy.process.pid)],
                       capture_output=True, check=False, timeout=60)
        started = time.monotonic()
        result = ctx.client.query(proxy.port, DB, QUERY, count=hits, warmup=0, timeout=900)
        log(f"profile: {result['count']} hits under callgrind in "
            f"{time.monotonic() - started:.1f}s")
    finally:
        proxy.stop(timeout=120)
    annotate = without_local_paths(
        subprocess.run(["callgrind_annotate", "--inclusive=no", raw],
                       capture_output=True, text=True, check=False).stdout, ctx)
    inclusive = without_local_paths(
        subprocess.run(["callgrind_annotate", "--inclusive=yes", raw],
                       capture_output=True, text=True, check=False).stdout, ctx)
    with open(out_path, "w") as f:
        f.write(f"# callgrind, {hits} hits of `{QUERY}` on one proxy thread\n\n")
        f.write("## Self cost (instructions)\n\n" + top_lines(annotate, 60))
        f.write("\n## Inclusive cost (instructions)\n\n" + top_lines(inclusive, 60))
    return summary("callgrind (instructions executed; no perf hardware counters here)",
                   annotate, hits, out_path)


def with_perf(ctx, out_path, hits):
    raw = os.path.join(ctx.work_dir, "perf.data")
    proxy = Proxy(ctx.binary, "profile", "memory", ctx.db.port, ctx.work_dir,
                  f"sqlcache-bench-{ctx.nonce}-profile:", threads=1).start()
    try:
        ctx.client.query(proxy.port, DB, QUERY, count=100, warmup=0)
        recorder = subprocess.Popen(["perf", "record", "-e", "instructions", "-g", "-o", raw,
                                     "-p", str(proxy.process.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        ctx.client.query(proxy.port, DB, QUERY, count=hits * 10, warmup=0)
        recorder.send_signal(2)
        recorder.wait(60)
    finally:
        proxy.stop()
    report = subprocess.run(["perf", "report", "-i", raw, "--stdio", "--no-children",
                             "--sort", "symbol", "-g", "none", "--percent-limit", "0.3"],
                            capture_output=True, text=True, check=False).stdout
    report = without_local_paths(report, ctx)
    with open(out_path, "w") as f:
        f.write(f"# perf record -e instructions, {hits * 10} hits of `{QUERY}`\n\n")
        f.write(report)
    rows = []
    for line in report.splitlines():
        found = re.match(r"^\s*([\d.]+)%\s+\[[.k]\]\s+(.*)$", line)
        if found:
            rows.append((float(found.group(1)), found.group(2).strip()))
    return render("perf (instructions)", rows, hits * 10, out_path)


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def without_local_paths(text, ctx):
    """Results are committed: the proxy binary is named `sqlcache` and other files of the
    checkout relative to it, not by where this machine keeps them."""
    text = text.replace(os.path.abspath(ctx.binary), "sqlcache")
    return text.replace(REPO + os.sep, "")


def top_lines(text, n):
    lines, seen = [], 0
    for line in text.splitlines():
        if re.match(r"^\s*[\d,]+\s+\(\s*[\d.]+%\)", line):
            # Boost.Asio's template names run to kilobytes: the start says enough.
            lines.append(line if len(line) <= 240 else line[:237] + "…")
            seen += 1
            if seen > n:
                break
    return "```\n" + "\n".join(lines) + "\n```\n"


def summary(tool, annotate, hits, out_path):
    rows = []
    for line in annotate.splitlines():
        found = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$", line)
        if found and "PROGRAM TOTALS" not in line:
            name = re.sub(r"^\S*?:", "", found.group(3), count=1)  # drop "file:"
            rows.append((float(found.group(2)), name.strip()))
    totals = re.search(r"^\s*([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", annotate, re.M)
    per_hit = int(totals.group(1).replace(",", "")) / hits if totals else None
    return render(tool, rows, hits, out_path, per_hit)


def render(tool, rows, hits, out_path, per_hit=None):
    shares = {name: 0.0 for name, _ in COMPONENTS}
    shares["other (libc, kernel-facing, unresolved)"] = 0.0
    for percent, function in rows:
        for name, pattern in COMPONENTS:
            if re.search(pattern, function):
                shares[name] += percent
                break
        else:
            shares["other (libc, kernel-facing, unresolved)"] += percent
    lines = ["## Profile of the hit path", "",
             f"Tool: {tool}; {hits} hits of `{QUERY}` on a proxy with one thread and the "
             f"in-process store. Full listing: `{os.path.basename(out_path)}`.", ""]
    if per_hit:
        lines += [f"About {per_hit:,.0f} instructions per hit in user space.", ""]
    lines += ["| component | share of cost |", "|---|---:|"]
    for name, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {share:.1f}% |")
    lines += ["", "Top functions by self cost:", "", "| self | function |", "|---:|---|"]
    for percent, function in rows[:15]:
        short = function if len(function) <= 110 else function[:107] + "…"
        lines.append(f"| {percent:.1f}% | `{short.replace('|', '/')}` |")
    lines.append("")
    return "\n".join(lines)
