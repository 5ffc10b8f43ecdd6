"""Where the proxy's CPU goes under load, kernel included: `perf record -e cpu-clock -g` of the
running proxies (the in-process store serving hits, and the relay) while sysbench's point
selects run at 8 threads, each sample put in one category by its call chain. The callgrind
profile counts user-space instructions only; at these rates most of the proxy's time is in
the kernel, and this is what says where."""
import os
import re
import shutil
import signal
import subprocess
import tempfile

from .interleave import log
from .proxy import hit_ratio

THREADS = 8
WARMUP_SECONDS = 3
SECONDS = 5

# A kernel sample belongs to the first category that a frame matches, walking from the leaf
# up: the nearest caller that says what the time was for (a spin unlock inside a wake-up is
# the wake-up's; a copy inside tcp_recvmsg is TCP's).
KERNEL_CATEGORIES = [
    ("context switches (switched out, then back in)",
     r"^(finish_task_switch|__schedule|context_switch|pick_next_task|prepare_task_switch|"
     r"__switch_to|schedule_hrtimeout)"),
    ("waking the peer (try_to_wake_up from the socket's data-ready callback)",
     r"^(try_to_wake_up|ttwu_|sock_def_readable|__wake_up|ep_poll_callback|wake_up_q)"),
    ("loopback TCP/IP (send, receive, copies, softirq)",
     r"^(__?tcp_|__?ip_|ipv4_|__?inet_|__?skb_|__?sk_|__?sock_|kfree_skb|net_rx_action|"
     r"__?netif_|__napi|process_backlog|loopback_xmit|__?dev_|_copy_(to|from)_iter|copy_user|"
     r"bbr_|tcp_v4|do_softirq|handle_softirqs|__local_bh_enable)"),
    ("epoll", r"^(ep_|do_epoll|__x64_sys_epoll)"),
    ("system call entry and exit",
     r"^(entry_SYSCALL|do_syscall_64|syscall_|exit_to_user_mode|__x64_sys_|__sys_|fdget|"
     r"__fget|irqentry_exit)"),
]
OTHER_KERNEL = "other kernel (timers, interrupts, memory)"
USER = "user space (sqlcache, libc, libstdc++, OpenSSL)"
CATEGORIES = [USER] + [name for name, _ in KERNEL_CATEGORIES] + [OTHER_KERNEL]

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.+?)\s+\((.*)\)\s*$")


def perf_usable(work_dir):
    """None when `perf record -e cpu-clock` works here, else why not."""
    if shutil.which("perf") is None:
        return "perf is not installed (bench/install-bench-deps.sh installs linux-perf)"
    out = os.path.join(work_dir, "perf-probe.data")
    done = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", out, "--", "true"],
                          capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        return f"`perf record` failed here: {done.stderr.strip()[-200:]}"
    return None


def classify(script_text):
    """{category: samples} from `perf script` output (samples separated by blank lines, each
    with its call chain, leaf first)."""
    counts = {name: 0 for name in CATEGORIES}
    for block in script_text.split("\n\n"):
        frames = []
        for line in block.splitlines()[1:]:
            found = FRAME.match(line)
            if found:
                frames.append((re.sub(r"\+0x[0-9a-f]+$", "", found.group(1)), found.group(2)))
        if not frames:
            continue
        if "kernel" not in frames[0][1]:
            counts[USER] += 1
            continue
        counts[categorize_kernel([symbol for symbol, _ in frames])] += 1
    return counts


def categorize_kernel(symbols):
    for symbol in symbols:
        for name, pattern in KERNEL_CATEGORIES:
            if re.search(pattern, symbol):
                return name
    return OTHER_KERNEL


def record(ctx, proxy, raw):
    """Warms the proxy's entries, then records it for SECONDS of point selects."""
    ctx.sysbench.run("oltp_point_select", proxy.port, THREADS, WARMUP_SECONDS)
    before = proxy.outcomes()
    recorder = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-o", raw,
                                 "-p", str(proxy.process.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        result = ctx.sysbench.run("oltp_point_select", proxy.port, THREADS, SECONDS)
    finally:
        recorder.send_signal(signal.SIGINT)
        _, errors = recorder.communicate(timeout=120)
    if recorder.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"perf record exited with {recorder.returncode}: {errors[-200:]}")
    return result, hit_ratio(before, proxy.outcomes())


def run(ctx, out_path):
    """Markdown for the results file (appended to the profile section); the top symbols of
    each recording go to out_path."""
    with tempfile.TemporaryDirectory(dir=ctx.work_dir) as scratch:
        why_not = perf_usable(scratch)
        if why_not:
            return f"### Under load, kernel included\n\nNot recorded: {why_not}.\n"
        columns, listings = [], []
        for name, label in (("memory", "in-process store, hits"), ("relay", "caching off")):
            proxy = ctx.proxies.get(name)
            if proxy is None or not proxy.alive():
                continue
            raw = os.path.join(scratch, f"{name}.data")
            result, ratio = record(ctx, proxy, raw)
            script = subprocess.run(["perf", "script", "-i", raw, "-F", "ip,sym,dso"],
                                    capture_output=True, text=True, check=False,
                                    timeout=600).stdout
            counts = classify(script)
            total = sum(counts.values())
            log(f"load profile {name}: {total} samples, {result.get('qps', 0):.0f} qps")
            columns.append((label, counts, total, result.get("qps"), ratio))
            top = subprocess.run(["perf", "report", "-i", raw, "--stdio", "--no-children",
                                  "--sort", "dso,symbol", "-g", "none", "--percent-limit",
                                  "0.5"], capture_output=True, text=True, check=False,
                                 timeout=600).stdout
            listings.append(f"# perf record -e cpu-clock -g, {label}, sysbench "
                            f"oltp_point_select {THREADS} threads, {SECONDS} s\n\n"
                            + "\n".join(shortened(line) for line in top.splitlines()
                                        if line.strip() and not line.startswith("#")) + "\n")
    with open(out_path, "a") as f:
        f.write("\n\n" + "\n".join(listings))
    return render(columns, os.path.basename(out_path))


def shortened(line):
    """perf pads every row to its longest symbol and ends it with empty columns ("-  -"), and
    Boost.Asio's names run to kilobytes."""
    line = re.sub(r"(\s+-)*\s*$", "", line)
    return line if len(line) <= 200 else line[:197] + "…"


def render(columns, listing_name):
    if not columns:
        return "### Under load, kernel included\n\nNot recorded: no proxy was running.\n"
    lines = ["### Under load, kernel included", "",
             f"`perf record -e cpu-clock -g` of the running proxy (two threads) while sysbench "
             f"`oltp_point_select` ran at {THREADS} threads for {SECONDS} s, after {WARMUP_SECONDS} s "
             f"of warm-up; each sample is counted once, by the nearest frame of its call chain "
             f"that says what the time was for. Top symbols: `{listing_name}`.", "",
             "| where the proxy's CPU time went | " +
             " | ".join(label for label, *_ in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for category in CATEGORIES:
        cells = [f"{100.0 * counts[category] / total:.1f}%" if total else "–"
                 for _, counts, total, _, _ in columns]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines.append("| samples | " + " | ".join(str(total) for _, _, total, _, _ in columns) + " |")
    lines.append("| QPS while recorded | " + " | ".join(
        f"{qps:.0f}" if qps else "–" for _, _, _, qps, _ in columns) + " |")
    lines.append("")
    for label, _, _, _, ratio in columns:
        if ratio is not None and ratio < 0.99:
            lines.append(f"- {label}: hit ratio {ratio:.3f} while recorded.")
    lines.append("")
    return "\n".join(lines)
