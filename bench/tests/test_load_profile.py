"""load_profile's classification of perf samples, on hand-written `perf script -F ip,sym,dso`
output (the harness only records it in full runs, which CI does not make)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lib import load_profile  # noqa: E402

K = "([kernel.kallsyms])"


def sample(*frames):
    """One sample: its header line, then (symbol, dso) frames leaf first."""
    lines = ["sqlcache 100 [000] 1.0: 250000 cpu-clock:"]
    lines += [f"\tffffffff81000000 {symbol}+0x1a ({dso})" for symbol, dso in frames]
    return "\n".join(lines)


class Classify(unittest.TestCase):
    def classify(self, *samples):
        return load_profile.classify("\n\n".join(samples) + "\n")

    def test_a_spin_unlock_inside_a_wake_up_is_the_wake_ups(self):
        counts = self.classify(sample(("_raw_spin_unlock_irqrestore", K), ("try_to_wake_up", K),
                                      ("sock_def_readable", K), ("tcp_rcv_established", K)))
        self.assertEqual(counts[load_profile.KERNEL_CATEGORIES[1][0]], 1)

    def test_being_switched_out_after_a_send_is_a_context_switch(self):
        counts = self.classify(sample(("finish_task_switch.isra.0", K), ("__schedule", K),
                                      ("exit_to_user_mode_loop", K), ("__libc_sendmsg",
                                                                       "/lib/libc.so.6")))
        self.assertEqual(counts[load_profile.KERNEL_CATEGORIES[0][0]], 1)

    def test_a_copy_inside_tcp_is_tcp_and_user_leaves_are_user_space(self):
        counts = self.classify(
            sample(("_copy_to_iter", K), ("tcp_recvmsg_locked", K), ("__sys_recvfrom", K)),
            sample(("sqlcache::wire::parse_header", "/usr/bin/sqlcache"),
                   ("main", "/usr/bin/sqlcache")),
            sample(("do_syscall_64", K), ("entry_SYSCALL_64_after_hwframe", K)),
            sample(("native_irq_return_iret", K)))
        self.assertEqual(counts[load_profile.KERNEL_CATEGORIES[2][0]], 1)
        self.assertEqual(counts[load_profile.USER], 1)
        self.assertEqual(counts[load_profile.KERNEL_CATEGORIES[4][0]], 1)
        self.assertEqual(counts[load_profile.OTHER_KERNEL], 1)
        self.assertEqual(sum(counts.values()), 4)

    def test_render_gives_every_category_a_row(self):
        counts = {name: 1 for name in load_profile.CATEGORIES}
        text = load_profile.render([("hits", counts, len(counts), 1000.0, 1.0)], "x.txt")
        for name in load_profile.CATEGORIES:
            self.assertIn(f"| {name} | {100.0 / len(counts):.1f}% |", text)


class Listing(unittest.TestCase):
    def test_rows_lose_their_padding_and_long_names_are_cut(self):
        self.assertEqual(load_profile.shortened("  1.0%  sqlcache  [.] f      "),
                         "  1.0%  sqlcache  [.] f")
        self.assertEqual(load_profile.shortened("  1.0%  sqlcache  [.] f-g     -      -    "),
                         "  1.0%  sqlcache  [.] f-g")
        long = load_profile.shortened("  1.0%  sqlcache  [.] " + "x" * 500)
        self.assertEqual(len(long), 198)
        self.assertTrue(long.endswith("…"))


if __name__ == "__main__":
    unittest.main()
