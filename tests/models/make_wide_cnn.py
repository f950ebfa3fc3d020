#!/usr/bin/python3
"""Writes a small Fashion-MNIST CNN as ONNX, the way torch.onnx.export lays it out (NCHW, Conv
with group, Relu, MaxPool, AveragePool, Flatten, Gemm), with deterministic random weights.

Its shapes are those a user's model has and the bundled networks do not: 28x28x32 activations
(25 KB, beyond the old 16 KB tile buffers), a 3x3 first convolution, a fused shift (a one-hot
depthwise 3x3), a 5x5 convolution over 32 channels (800 filter columns, more packed columns than
the old group table held), a depthwise 3x3 convolution with real kernels, max and average
pooling, and a fully connected classifier. Used by test_cosim (co-simulation at every built
array size). Usage: make_wide_cnn.py OUT.onnx [--width C]  (C channels instead of 32)

With --pixel-blocks X.pb CALIB.pb it writes instead a network on 8 x 72 x 72 inputs whose layers
exceed the RTL tile's buffers (a 3x3 convolution and a 1x1 one after a fused shift with 72 x 72 =
5,184 output pixels, then a stride-2 3x3 convolution over 16 x 72 x 72 = 82,944 bytes), so they run
in pixel blocks, and random inputs for it: one (X.pb) and 4 for calibration (CALIB.pb).
--side S makes it S x S instead (an odd S: rows and channels that do not fill 8-byte words, so
the DMA's band segments start inside a word). Used by scripts/rtl-mutants.sh.

With --vector-zoo X.pb CALIB.pb it writes a network whose layers beside the array are the kinds
the bundled and the graph networks lack, for the RTL vector unit: on 8 x 13 x 13, a 3x3 average
pool with padding counted (count_include_pad), a shift no convolution follows (standalone), a
ceil_mode 2x2 max pool (13 -> 7), a ReLU after it (a clamp), a ceil_mode 2x2 average pool that does
not count the overhang (7 -> 4), a 1x1 convolution, a global average pool and a fully connected
layer. Used by test_cosim and scripts/rtl-mutants.sh.
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

args = argparse.ArgumentParser()
args.add_argument("output")
args.add_argument("--width", type=int, default=32)
args.add_argument("--pixel-blocks", nargs=2, metavar=("INPUT_PB", "CALIB_PB"))
args.add_argument("--vector-zoo", nargs=2, metavar=("INPUT_PB", "CALIB_PB"))
args.add_argument("--side", type=int, default=72, help="--pixel-blocks: the input's side")
args = args.parse_args()
W = args.width
rng = np.random.RandomState(7)
nodes, inits = [], []


def weight(name, shape, fan_in):
    inits.append(numpy_helper.from_array((rng.randn(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32), name))
    return name


def bias(name, n):
    inits.append(numpy_helper.from_array((rng.randn(n) * 0.05).astype(np.float32), name))
    return name


def conv(x, name, cin, cout, k, pad, group=1, relu=True, one_hot=False, with_bias=True, stride=1):
    w = f"{name}.weight"
    if one_hot:  # a shift: channel c moves by (dy, dx) in {-1, 0, 1}^2
        kernels = np.zeros((cout, 1, 3, 3), np.float32)
        for c in range(cout):
            kernels[c, 0, c % 3, (c // 3) % 3] = 1.0
        inits.append(numpy_helper.from_array(kernels, w))
    else:
        weight(w, (cout, cin // group, k, k), cin // group * k * k)
    inputs = [x, w] + ([bias(f"{name}.bias", cout)] if with_bias else [])
    y = f"/{name}/Conv_output_0"
    nodes.append(helper.make_node("Conv", inputs, [y], name=f"/{name}/Conv", kernel_shape=[k, k],
                                  pads=[pad] * 4, strides=[stride, stride], group=group, dilations=[1, 1]))
    if not relu:
        return y
    r = f"/{name}/Relu_output_0"
    nodes.append(helper.make_node("Relu", [y], [r], name=f"/{name}/Relu"))
    return r


def pool(x, name, op, k=2, stride=2, pad=0, **attributes):
    y = f"/{name}/{op}_output_0"
    nodes.append(helper.make_node(op, [x], [y], name=f"/{name}/{op}", kernel_shape=[k, k], strides=[stride, stride],
                                  pads=[pad] * 4, **attributes))
    return y


def write_inputs(paths, shape):
    for path, n, seed in ((paths[0], 1, 1), (paths[1], 4, 2)):
        pixels = np.random.RandomState(seed).rand(n, *shape).astype(np.float32)
        with open(path, "wb") as f:
            f.write(numpy_helper.from_array(pixels).SerializeToString())


if args.pixel_blocks:
    x = conv("input", "c1", 8, 8, 3, 1)                               # 8 x 72 x 72: 5,184 pixels
    x = conv(x, "shift1", 8, 8, 3, 1, group=8, relu=False, one_hot=True, with_bias=False)
    x = conv(x, "pw1", 8, 16, 1, 0)                                   # shift fused: bands one row wider
    x = conv(x, "down", 16, 8, 3, 1, relu=False, stride=2)           # reads 16 x 72 x 72 = 82,944 bytes
    nodes[-1].output[0] = "output"
    S = args.side
    shape_in, shape_out = [1, 8, S, S], [1, 8, (S - 1) // 2 + 1, (S - 1) // 2 + 1]
    write_inputs(args.pixel_blocks, shape_in[1:])
elif args.vector_zoo:
    x = conv("input", "c1", 8, 8, 3, 1, relu=False)                             # 8 x 13 x 13, signed
    x = pool(x, "avg3", "AveragePool", k=3, stride=1, pad=1, count_include_pad=1)
    x = conv(x, "shift1", 8, 8, 3, 1, group=8, relu=False, one_hot=True, with_bias=False)  # standalone
    x = pool(x, "max2", "MaxPool", ceil_mode=1)                                 # 8 x 7 x 7
    nodes.append(helper.make_node("Relu", [x], ["/relu/Relu_output_0"], name="/relu/Relu"))
    x = pool("/relu/Relu_output_0", "avg2", "AveragePool", ceil_mode=1, count_include_pad=0)  # 8 x 4 x 4
    x = conv(x, "pw", 8, 16, 1, 0)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["/gap/GlobalAveragePool_output_0"], name="/gap"))
    nodes.append(helper.make_node("Flatten", ["/gap/GlobalAveragePool_output_0"], ["/Flatten_output_0"], name="/Flatten",
                                  axis=1))
    nodes.append(helper.make_node("Gemm", ["/Flatten_output_0", weight("fc.weight", (10, 16), 16), bias("fc.bias", 10)],
                                  ["output"], name="/fc/Gemm", transB=1))
    shape_in, shape_out = [1, 8, 13, 13], [1, 10]
    write_inputs(args.vector_zoo, shape_in[1:])
else:
    x = conv("input", "c1", 1, W, 3, 1)                                   # W x 28 x 28
    x = conv(x, "shift1", W, W, 3, 1, group=W, relu=False, one_hot=True, with_bias=False)
    x = conv(x, "pw1", W, W, 1, 0)                                        # shift fused into the feeder
    x = pool(x, "pool1", "MaxPool")                                       # W x 14 x 14
    x = conv(x, "c5", W, W, 5, 2)                                         # 25 W filter columns
    x = conv(x, "dw", W, W, 3, 1, group=W)                                # depthwise
    x = pool(x, "pool2", "AveragePool")                                   # W x 7 x 7
    nodes.append(helper.make_node("Flatten", [x], ["/Flatten_output_0"], name="/Flatten", axis=1))
    nodes.append(helper.make_node("Gemm", ["/Flatten_output_0", weight("fc.weight", (10, W * 49), W * 49),
                                           bias("fc.bias", 10)], ["output"], name="/fc/Gemm", transB=1))
    shape_in, shape_out = [1, 1, 28, 28], [1, 10]

graph = helper.make_graph(nodes, "wide_cnn", [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape_in)],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, shape_out)], inits)
model = helper.make_model(graph, producer_name="pytorch", opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, args.output)
