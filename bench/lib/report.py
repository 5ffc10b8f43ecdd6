"""The results file: one markdown table per scenario, the targets with met/missed, the chart
(gnuplot, when installed) and the profile, under bench/results/<date>-<host>.md."""
import dataclasses
import os
import shutil
import subprocess

from .context import NAMES


@dataclasses.dataclass
class Column:
    metric: str
    header: str
    fmt: str = "{:.1f}"

    def render(self, row):
        value = row.get(self.metric)
        if value is None:
            return "–"
        if isinstance(value, str):
            return value
        return self.fmt.format(value)


@dataclasses.dataclass
class Section:
    key: str
    title: str
    what: str
    columns: list
    rows: list = dataclasses.field(default_factory=list)   # dicts with "contender"
    notes: list = dataclasses.field(default_factory=list)
    chart: list = dataclasses.field(default_factory=list)  # (label, speed-up vs direct)

    def add(self, contender, values, label=None):
        row = dict(values)
        row["contender"] = label or NAMES.get(contender, contender)
        self.rows.append(row)
        return row

    def markdown(self):
        lines = [f"### {self.title}", "", self.what, ""]
        if self.rows:
            headers = ["contender"] + [c.header for c in self.columns]
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|" + "|".join(["---"] + ["---:"] * len(self.columns)) + "|")
            for row in self.rows:
                cells = [row["contender"]] + [c.render(row) for c in self.columns]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
        for note in self.notes:
            lines.append(f"- {note}")
        if self.notes:
            lines.append("")
        return "\n".join(lines)


def ratio(value):
    return f"{value:.2f}×" if value is not None else "–"


def targets_markdown(targets):
    lines = ["## Targets", "",
             "| target | goal | measured | verdict |", "|---|---|---|---|"]
    for t in targets:
        lines.append(f"| {t['name']} | {t['goal']} | {t['measured']} | {t['verdict']} |")
    lines.append("")
    return "\n".join(lines)


def draw_chart(sections, png_path, work_dir):
    """Bars of speed-up against the database (log scale): >1 is faster than going direct.
    Returns None when drawn, else why not."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        return "gnuplot is not installed (bench/install-bench-deps.sh installs it)"
    bars = [(f"{s.key}: {label}", value) for s in sections for label, value in s.chart
            if value is not None and value > 0]
    if not bars:
        return "no ratios to draw"
    data = os.path.join(work_dir, "chart.dat")
    with open(data, "w") as f:
        for i, (label, value) in enumerate(bars):
            f.write(f"{i} {value:.4f} \"{label}\"\n")
    height = max(480, 26 * len(bars) + 160)
    script = f"""
set terminal pngcairo size 1000,{height} font "sans,10"
set output "{png_path}"
set title "sqlcache against the database directly (median of per-round ratios; > 1 is better)"
set logscale x 10
set xlabel "speed-up over the database directly (latency ratio, or QPS ratio)"
set ytics nomirror
set yrange [-1:{len(bars)}]
set xrange [0.05:*]
set grid xtics
unset key
set style fill solid 0.7
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb "black"
# Each bar runs from 1 (as fast as the database) to the ratio, on a log axis.
plot "{data}" using (sqrt($2)):1:(($2<1)?$2:1):(($2<1)?1:$2):($1-0.35):($1+0.35):ytic(3) \\
       with boxxyerror lc rgb "#3b75af", \\
     "" using (($2<1)?1:$2):1:(sprintf("%.2f", $2)) with labels left offset 0.5,0 notitle
"""
    done = subprocess.run([gnuplot], input=script, text=True, capture_output=True, check=False)
    if done.returncode != 0:
        return f"gnuplot failed: {done.stderr.strip()[-300:]}"
    return None


def write(path, header, sections, targets, chart_note, png_name, profile_text):
    parts = [header, targets_markdown(targets), "## Results", ""]
    parts += [s.markdown() for s in sections]
    parts.append("## Chart\n")
    parts.append(f"![speed-up over the database]({png_name})\n" if chart_note is None
                 else f"No chart: {chart_note}.\n")
    if profile_text:
        parts.append(profile_text)
    with open(path, "w") as f:
        f.write("\n".join(parts))
