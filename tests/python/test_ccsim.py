"""The ccsim Python module against the ccsim tool: the same packing, golden outputs, run reports
and sweep rows, numpy in and out, errors that name what is wrong.

Run by ctest (test python_api) with PYTHONPATH=build/python, CCSIM_BINARY and CCSIM_SOURCE_DIR set;
run directly (`/usr/bin/python3 -m pytest tests/python`) it finds the source tree from its own
path and the module and tool in ${CCSIM_BUILD_DIR:-build}.
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

SRC = os.environ.get("CCSIM_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("CCSIM_BUILD_DIR", os.path.join(SRC, "build"))
CCSIM = os.environ.get("CCSIM_BINARY", os.path.join(BUILD, "ccsim"))
if "CCSIM_SOURCE_DIR" not in os.environ:
    sys.path.insert(0, os.path.join(BUILD, "python"))

import ccsim  # noqa: E402
DATASET = "/usr/share/datasets/fashion-mnist"
BUNDLED = os.path.join(SRC, "models/examples/fmnist-shift.ccpack")


def tool(*args):
    done = subprocess.run([CCSIM, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def net():
    return ccsim.load(BUNDLED)


def test_load_describes_the_network(net):
    assert net.input_shape == (1, 28, 28)
    assert net.file == BUNDLED
    layers = net.layers
    assert [l["name"] for l in layers][:3] == ["conv0", "shift1_1", "pw1_1"]
    report = net.combine_report()
    assert sum(l["packed_columns"] for l in report["layers"]) > 0
    assert "fmnist" in repr(net) or net.name in repr(net)


def test_golden_and_fast_run_equal_the_tool(net, tmp_path):
    x, labels = ccsim.dataset(net, DATASET, count=4)
    assert x.dtype == np.int8 and x.shape == (4, 1, 28, 28)
    assert labels.shape == (4,)
    y = net.golden(x)
    assert y.dtype == np.int8 and y.shape == (4, 10)
    # One input alone gives the same row.
    assert np.array_equal(net.golden(x[2]), y[2:3])

    result = ccsim.run(net, x, labels=labels.tolist(), mode="fast", array="8x8")
    assert np.array_equal(result["outputs"], y)
    report_path = tmp_path / "r.json"
    tool("run", BUNDLED, "--mode", "fast", "--array", "8x8", "--dataset", DATASET, "--count", "4",
         "--report", str(report_path))
    cli = json.loads(report_path.read_text())
    for key in ("cycles_per_inference", "latency_cycles", "makespan_cycles", "cycles_per_input_steady",
                "utilization", "accuracy", "per_inference", "energy_first_inference", "area"):
        assert result[key] == cli[key], key
    assert [l["array_cells"] for l in result["layers"] if "array_cells" in l] == \
           [l["array_cells"] for l in cli["layers"] if "array_cells" in l]


def test_cycle_mode_agrees_with_fast_mode(net):
    x, _ = ccsim.dataset(net, DATASET, count=2, first=10)
    fast = ccsim.run(net, x, mode="fast", array="8x16")
    cycle = ccsim.run(net, x, mode="cycle", array="8x16")
    assert cycle["golden_check"] == "pass"
    assert np.array_equal(fast["outputs"], cycle["outputs"])
    assert [l["cycles"] for l in fast["layers"]] == [l["cycles"] for l in cycle["layers"]]
    assert fast["per_inference"] == cycle["per_inference"]
    # A second cycle-mode run in the same process (a new SystemC simulation) gives the same.
    again = ccsim.run(net, x, mode="cycle", array="8x16")
    assert again["per_inference"] == cycle["per_inference"]
    # Bit-parallel cells without shadow registers: the same outputs, both modes agree, and a layer
    # takes fewer cycles than with bit-serial cells (one cycle per MAC instead of 8).
    pfast = ccsim.run(net, x, mode="fast", array="8x16", mac="parallel", weight_load="exposed")
    pcycle = ccsim.run(net, x, mode="cycle", array="8x16", mac="parallel", weight_load="exposed")
    assert pfast["array"]["mac"] == "parallel" and pfast["array"]["shadow_weights"] is False
    assert np.array_equal(pcycle["outputs"], cycle["outputs"])
    assert pfast["per_inference"] == pcycle["per_inference"]
    assert pfast["per_inference"]["cycles"] < fast["per_inference"]["cycles"]
    with pytest.raises(ValueError, match="MAC cell 'wide' must be serial or parallel"):
        ccsim.run(net, x, mac="wide")


def test_quantize_inverts_the_input_scale(net):
    x, _ = ccsim.dataset(net, DATASET, count=3)
    assert net.input_scale > 0
    assert np.array_equal(net.quantize(x.astype(np.float32) * net.input_scale), x)
    # Beyond the int8 range: saturated, as the golden model's input.
    big = net.quantize(np.full((1, 1, 28, 28), 1e6, np.float32))
    assert big.dtype == np.int8 and int(big.max()) == 127


def test_pack_equals_the_tool(tmp_path):
    model = os.path.join(SRC, "models/examples/fmnist-dense.json")
    out = tmp_path / "py.ccpack"
    # The dense network carries groups from training: another alpha is refused as by the tool...
    with pytest.raises(ValueError, match="carries column groups from training.*--regroup"):
        ccsim.pack(model, calib_dataset=DATASET, calib_count=32, alpha=4)
    # ... and taken with regroup.
    packed = ccsim.pack(model, calib_dataset=DATASET, calib_count=32, alpha=4, gamma=1.75, combine_all=True,
                        regroup=True, output=str(out))
    assert packed.file == str(out) and out.exists()
    # save() writes the same network, which loads back to the same layers.
    packed.save(str(tmp_path / "saved.ccpack"))
    assert packed.file == str(tmp_path / "saved.ccpack")
    assert ccsim.load(str(tmp_path / "saved.ccpack")).layers == packed.layers
    tool("pack", model, "-o", str(tmp_path / "cli.ccpack"), "--calib-dataset", DATASET, "--calib-count", "32",
         "--alpha", "4", "--gamma", "1.75", "--combine-all", "--regroup")
    cli = ccsim.load(str(tmp_path / "cli.ccpack"))
    strip = lambda layers: [{k: v for k, v in l.items() if k != "provenance"} for l in layers]
    assert strip(packed.layers) == strip(cli.layers)
    x, _ = ccsim.dataset(cli, DATASET, count=3)
    assert np.array_equal(packed.golden(x), cli.golden(x))
    # Calibrating on arrays: the same as the tool on the same tensor in a .pb file.
    from onnx import numpy_helper
    images = np.random.default_rng(7).random((8, 1, 28, 28), dtype=np.float32)
    (tmp_path / "calib.pb").write_bytes(numpy_helper.from_array(images).SerializeToString())
    tool("pack", model, "-o", str(tmp_path / "cli-arr.ccpack"), "--calib-input", str(tmp_path / "calib.pb"))
    from_array = ccsim.pack(model, calib_inputs=images)
    assert from_array.file == ""
    assert strip(from_array.layers) == strip(ccsim.load(str(tmp_path / "cli-arr.ccpack")).layers)
    # Narrower widths, as the tool's --activation-bits / --weight-bits; inputs beyond them refused.
    tool("pack", model, "-o", str(tmp_path / "cli-4.ccpack"), "--calib-input", str(tmp_path / "calib.pb"),
         "--activation-bits", "4", "--weight-bits", "5")
    narrow = ccsim.pack(model, calib_inputs=images, activation_bits=4, weight_bits=5)
    assert strip(narrow.layers) == strip(ccsim.load(str(tmp_path / "cli-4.ccpack")).layers)
    x4, _ = ccsim.dataset(narrow, DATASET, count=2)
    assert int(x4.min()) >= -8 and int(x4.max()) <= 7
    assert np.array_equal(ccsim.run(narrow, x4, data_bits=4)["outputs"], narrow.golden(x4))
    with pytest.raises(ValueError, match="outside the network's 4-bit activations"):
        narrow.golden(np.full((1, 1, 28, 28), 100, np.int8))


def test_explore_rows_equal_the_tool(tmp_path):
    sweep = tmp_path / "sweep.json"
    sweep.write_text(json.dumps({
        "network": os.path.join(SRC, "models/examples/fmnist-dense.json"),
        "calibration": {"dataset": DATASET, "count": 16},
        "axes": {"scheme": ["cc", "nm"], "array": ["8x8", "16x16"]}}))
    rows = ccsim.explore(str(sweep), threads=2)
    tool("explore", str(sweep), "-o", str(tmp_path / "r.csv"), "--quiet")
    with open(tmp_path / "r.csv") as f:
        cli = list(csv.DictReader(f))
    assert [r["point"] for r in rows] == [r["point"] for r in cli]
    for mine, theirs in zip(rows, cli):
        assert mine["cycles"] == float(theirs["cycles"])
        assert mine["energy_uJ"] == pytest.approx(float(theirs["energy_uJ"]), rel=1e-9)
        assert mine["scheme"] == theirs["scheme"] and mine["array"] == theirs["array"]


def test_bad_input_names_what_is_wrong(net, tmp_path):
    with pytest.raises(RuntimeError, match="nowhere.ccpack: cannot open"):
        ccsim.load(str(tmp_path / "nowhere.ccpack"))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 28, 28\).*takes \(N, 1, 28, 28\)"):
        net.golden(np.zeros((2, 3, 28, 28), np.int8))
    with pytest.raises(ValueError, match="mode 'slow'"):
        ccsim.run(net, np.zeros((1, 1, 28, 28), np.int8), mode="slow")
    with pytest.raises(ValueError, match="labels: 3 for 1 inputs"):
        ccsim.run(net, np.zeros((1, 1, 28, 28), np.int8), labels=[1, 2, 3])
    with pytest.raises(ValueError, match="exactly one calibration source"):
        ccsim.pack(os.path.join(SRC, "models/examples/fmnist-dense.json"))
    with pytest.raises(ValueError, match="RxC|array"):
        ccsim.run(net, np.zeros((1, 1, 28, 28), np.int8), array="16by16")


def test_wide_groups_widen_the_multiplexers_or_are_refused(tmp_path, capfd):
    # Packed columns wider than the 8-input default: run() builds the multiplexers as wide as the
    # widest group and says so, as `ccsim run` does; over 32 (the widest a cell takes) it refuses.
    for alpha in (16, 40):
        tool("pack", os.path.join(SRC, "tests/models/fmnist-resnet.onnx"), "-o", str(tmp_path / f"a{alpha}.ccpack"),
             "--alpha", str(alpha), "--gamma", "1000", "--combine-all", "--input-scale", "1/255", "--calib-count", "8",
             "--calib-dataset", DATASET, "--check-count", "0")
    x = np.zeros((1, 1, 28, 28), np.int8)
    wide = ccsim.load(str(tmp_path / "a16.ccpack"))
    capfd.readouterr()
    result = ccsim.run(wide, x, mode="fast", array="8x8")
    assert np.array_equal(result["outputs"], wide.golden(x))
    assert "multiplexers select among 16 inputs, not 8" in capfd.readouterr().err
    with pytest.raises(ValueError, match="combines 40 columns into one packed column.*at most 32"):
        ccsim.run(ccsim.load(str(tmp_path / "a40.ccpack")), x, mode="fast", array="8x8")
