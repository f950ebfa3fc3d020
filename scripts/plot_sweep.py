#!/usr/bin/python3
"""Charts of a ccsim explore results CSV: utilization, latency, energy and weight storage per
sparsity scheme, and the energy / latency Pareto front.

Usage: plot_sweep.py RESULTS.csv OUT.png [--where column=value ...]
(Debian python3-matplotlib; run with /usr/bin/python3.)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path, where):
    rows = list(csv.DictReader(open(path)))
    for cond in where:
        key, value = cond.split("=", 1)
        rows = [r for r in rows if r[key] == value]
    if not rows:
        sys.exit(f"plot_sweep: no rows in {path} match {where}")
    return rows


def label(r):
    net = r["network"].rsplit("/", 1)[-1].replace(".json", "").replace("fmnist-", "")
    return f'{r["scheme"]}\n{net}'


def pareto(points):
    """Indices of points not dominated in (x, y), both minimized."""
    front = []
    for i, (x, y) in enumerate(points):
        if not any((x2 <= x and y2 <= y) and (x2, y2) != (x, y) for x2, y2 in points):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def save_figure(fig, out, dpi):
    """Writes the figure to a temporary file and renames it, so no half-written PNG remains."""
    import os

    fig.tight_layout()
    fig.savefig(out + ".tmp.png", dpi=dpi)
    os.replace(out + ".tmp.png", out)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    path, out = args[0], args[1]
    where = [a.split("=", 1)[1] if a.startswith("--where=") else a for a in args[2:] if a != "--where"]
    rows = load(path, where)
    arrays = sorted({r["array"] for r in rows}, key=lambda a: int(a.split("x")[0]))
    shared = [r for r in rows if r["schedule"] == "shared"]
    names = []
    for r in shared:
        if label(r) not in names:
            names.append(label(r))
    fig, axes = plt.subplots(2, 3, figsize=(18, 10))
    width = 0.8 / max(1, len(arrays))
    for k, metric, title in [(0, "utilization", "utilization efficiency"), (1, "latency_us", "latency per inference (µs)")]:
        ax = axes[0][k]
        for j, a in enumerate(arrays):
            vals = [next((float(r[metric]) for r in shared if label(r) == n and r["array"] == a), 0) for n in names]
            ax.bar([i + j * width for i in range(len(names))], vals, width, label=a)
        ax.set_title(title)
        ax.set_xticks([i + width * (len(arrays) - 1) / 2 for i in range(len(names))], names, fontsize=7)
        ax.legend(title="array")
    big = [r for r in shared if r["array"] == arrays[-1]]
    ax = axes[0][2]
    bottom = [0.0] * len(big)
    for part, name in [("energy_compute_uJ", "compute"), ("energy_clock_uJ", "cell clocking"), ("energy_static_uJ", "leakage"),
                       ("energy_onchip_uJ", "on-chip buffers"), ("energy_dram_uJ", "DRAM")]:
        if part not in big[0]:
            continue
        vals = [float(r[part]) for r in big]
        ax.bar(range(len(big)), vals, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_title(f"energy per inference (µJ), {arrays[-1]} array")
    ax.set_xticks(range(len(big)), [label(r) for r in big], fontsize=7)
    ax.legend()
    ax = axes[1][0]
    vals = [int(r["weight_value_bits"]) / 8192 for r in big]
    idx = [int(r["weight_index_bits"]) / 8192 for r in big]
    ax.bar(range(len(big)), vals, label="values")
    ax.bar(range(len(big)), idx, bottom=vals, label="index")
    ax.set_title("weight storage (KiB)")
    ax.set_xticks(range(len(big)), [label(r) for r in big], fontsize=7)
    ax.legend()
    ax = axes[1][1]
    ax.bar(range(len(big)), [int(r["nonzeros"]) for r in big])
    ax.set_title("non-zero weights kept")
    ax.set_xticks(range(len(big)), [label(r) for r in big], fontsize=7)
    ax = axes[1][2]
    pts = [(float(r["latency_us"]), float(r["energy_uJ"])) for r in rows]
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, c="grey")
    front = pareto(pts)
    ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "r-o", label="Pareto front")
    for i in front:
        r = rows[i]
        ax.annotate(f'{r["scheme"]} {r["array"]} {r["schedule"]}', pts[i], fontsize=7)
    ax.set_xlabel("latency (µs)")
    ax.set_ylabel("energy (µJ)")
    ax.set_title("energy / latency, all points")
    ax.legend()
    save_figure(fig, out, 80)
    print(f"plot_sweep: {out}")


if __name__ == "__main__":
    main()
