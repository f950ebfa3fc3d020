#!/usr/bin/python3
"""Charts of a ccsim explore memory-system sweep (sim/examples/memory-fmnist.json): the
steady-state interval against DRAM bandwidth per buffer size, DRAM traffic against buffer sizes, and area
against steady-state interval with its Pareto front.

Usage: plot_memory.py RESULTS.csv OUT.png
(Debian python3-matplotlib; run with /usr/bin/python3.)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from plot_sweep import pareto, save_figure  # noqa: E402  (same directory)


def num(r, key):
    return float(r[key])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, out = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(path)))
    needed = {"weight_buffer_kib", "act_buffer_kib", "dram_bytes_per_cycle", "schedule", "latency_us",
              "offchip_bytes", "interval_cycles", "area_mm2"}
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"plot_memory: {path} is not an explore results file with columns {sorted(needed)}")
    shared = [r for r in rows if r["schedule"] == "shared"]
    wbufs = sorted({num(r, "weight_buffer_kib") for r in rows})
    abufs = sorted({num(r, "act_buffer_kib") for r in rows})
    drams = sorted({num(r, "dram_bytes_per_cycle") for r in rows})

    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    ax = axes[0]
    for a in abufs:
        for w, style in ((wbufs[0], "-"), (wbufs[-1], "--")):
            pts = sorted((num(r, "dram_bytes_per_cycle"), num(r, "interval_cycles") / 1000) for r in shared
                         if num(r, "weight_buffer_kib") == w and num(r, "act_buffer_kib") == a)
            ax.plot(*zip(*pts), style, marker="o", label=f"act {a:g} KiB, weights {w:g} KiB")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("DRAM bandwidth (bytes / cycle)")
    ax.set_ylabel("steady-state interval (k cycles / inference)")
    ax.set_title("throughput vs DRAM bandwidth (shared array)")
    ax.legend(fontsize=8)

    ax = axes[1]
    for a in abufs:
        pts = sorted((num(r, "weight_buffer_kib"), num(r, "offchip_bytes") / 1024) for r in shared
                     if num(r, "act_buffer_kib") == a and num(r, "dram_bytes_per_cycle") == drams[-1])
        ax.plot(*zip(*pts), marker="s", label=f"activation buffer {a:g} KiB")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("weight buffer (KiB)")
    ax.set_ylabel("DRAM traffic per inference, steady state (KiB)")
    ax.set_title("off-chip traffic vs buffer sizes")
    ax.legend(fontsize=8)

    ax = axes[2]
    for sched, marker in (("shared", "o"), ("pipelined", "^")):
        pts = [(num(r, "area_mm2"), num(r, "interval_cycles") / 1000) for r in rows if r["schedule"] == sched]
        if pts:
            ax.scatter(*zip(*pts), marker=marker, alpha=0.5, label=sched)
    allpts = [(num(r, "area_mm2"), num(r, "interval_cycles") / 1000) for r in rows]
    front = pareto(allpts)
    ax.plot([allpts[i][0] for i in front], [allpts[i][1] for i in front], color="black", label="Pareto front")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("area (mm^2, hw/area_model.cpp)")
    ax.set_ylabel("steady-state interval (k cycles / inference)")
    ax.set_title("area vs throughput")
    ax.legend(fontsize=8)

    save_figure(fig, out, 110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
