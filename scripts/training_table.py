#!/usr/bin/python3
"""Markdown table of ccsim train reports: accuracy and utilization efficiency per run.

Usage: training_table.py BASELINE REPORT.json...   (BASELINE: the run name to compare against;
a run is compared with the dense run of its own seed when the reports include one)
"""
import json
import os
import sys


def row(name, r, base_acc):
    o = r["options"]
    last = r["history"][-1]
    total = r["combining"]["total"]
    before, after = last["utilization_before"], last["utilization_after"]
    mode = o["mode"]
    groups = " ".join(str(g) for g in o["net"]["groups"]) if mode != "dense" else "-"
    gamma = f'{o["gamma"]:g}' if mode == "combine" else "-"
    # Reports written before ccsim train recorded final_prune were all made at its default, 0.8.
    final_prune = f'{o.get("final_prune", 0.8):g}' if mode != "dense" else "-"
    acc = r["int8_test_accuracy"]
    qat = o.get("qat_epochs", 0)  # absent from reports written before QAT existed
    epochs = f'{o["epochs"]} + {qat} QAT' if qat else f'{o["epochs"]}'
    return (f'| {name} | {o["net"]["seed"]} | {mode} | {groups} | {gamma} | {final_prune} | '
            f'{100 * o["train_fraction"]:g} % | {epochs} | {100 * r["float_test_accuracy"]:.2f} % | '
            f'{100 * acc:.2f} % | {100 * (acc - base_acc):+.2f} | {last["nonzeros"]} / {last["weights"]} | '
            f'{before:.3f} -> {after:.3f} ({after / before:.1f}x) | '
            f'{total["columns"]} -> {total["packed_columns"]} |')


def main():
    baseline, paths = sys.argv[1], sys.argv[2:]
    reports = {os.path.basename(p)[: -len(".report.json")]: json.load(open(p)) for p in paths}
    base_acc = reports[baseline]["int8_test_accuracy"]
    dense_by_seed = {r["options"]["net"]["seed"]: r["int8_test_accuracy"]
                     for r in reports.values() if r["options"]["mode"] == "dense"}
    dense_by_seed.setdefault(reports[baseline]["options"]["net"]["seed"], base_acc)
    print("| run | seed | mode | alpha per block | gamma | final prune | training data | epochs | float acc | "
          "int8 acc | vs dense (points) | conv non-zeros | conv utilization before -> after | columns |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    order = sorted(reports, key=lambda n: (n != baseline, n))
    for name in order:
        r = reports[name]
        print(row(name, r, dense_by_seed.get(r["options"]["net"]["seed"], base_acc)))


if __name__ == "__main__":
    main()
