#!/usr/bin/python3
"""Trains two small branching Fashion-MNIST networks in PyTorch the way a user would (input =
pixel / 255, torchvision's ToTensor() convention) and exports them with torch.onnx.export:

  --arch resnet  a ResNet-style shift network: shift + pointwise residual blocks (identity and
                 a strided projection shortcut), max pooling with ceil_mode, a ZeroPad2d the next
                 convolution absorbs and one in front of a max pool that it cannot, an
                 Inception-style Concat of two branches, global average pooling, a classifier;
  --arch mbv2    MobileNetV2-style inverted residual blocks (1x1 expand, ReLU6, depthwise 3x3,
                 linear 1x1 projection, identity Add) and a strided block without one.

Each run writes OUT.onnx and OUT.expected.json: PyTorch's float outputs for the first 64 test
images and its float accuracy on the 10,000, which the tests hold ccsim's import, float reference
and int8 model to. Both files are committed; training again needs Debian's python3-torch
(apt-get install python3-torch), which the tests themselves do not.

--width W multiplies the ResNet's channels (16 and 32 at 1; fmnist-resnet-w2.onnx has W = 2, for
the retraining table of models/examples/TRAINING.md).

Usage: train_fmnist_graph.py OUT.onnx --arch resnet|mbv2 [--width 1] [--dataset DIR] [--epochs 2]
"""
import argparse
import gzip
import json
import struct

import numpy as np
import torch
from torch import nn

args = argparse.ArgumentParser()
args.add_argument("output")
args.add_argument("--arch", choices=["resnet", "mbv2"], required=True)
args.add_argument("--dataset", default="/usr/share/datasets/fashion-mnist")
args.add_argument("--epochs", type=int, default=2)
args.add_argument("--width", type=int, default=1)
args = args.parse_args()


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def split(name):
    images = idx(f"{args.dataset}/{name}-images-idx3-ubyte.gz")
    labels = idx(f"{args.dataset}/{name}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


class Shift(nn.Module):
    """Moves channel c by one of the nine (dy, dx) in {-1, 0, 1}^2: a depthwise 3x3 convolution
    with fixed one-hot kernels, which is how shift networks export to ONNX."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        kernels = torch.zeros(channels, 1, 3, 3)
        for c in range(channels):
            kernels[c, 0, (c // 3) % 3, c % 3] = 1.0
        self.conv.weight = nn.Parameter(kernels, requires_grad=False)

    def forward(self, x):
        return self.conv(x)


def conv_bn(cin, cout, k=1, stride=1, padding=0, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=False), nn.BatchNorm2d(cout))


class ShiftBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.main = nn.Sequential(Shift(cin), conv_bn(cin, cout, stride=stride), nn.ReLU(),
                                  Shift(cout), conv_bn(cout, cout))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else conv_bn(cin, cout, stride=stride)

    def forward(self, x):
        return torch.relu(self.main(x) + self.shortcut(x))


class Inception(nn.Module):
    def __init__(self, cin, half):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(cin, half, 1), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(cin, half, 3, padding=1), nn.ReLU())

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], dim=1)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(conv_bn(cin, hidden), nn.ReLU6(),
                                  conv_bn(hidden, hidden, 3, stride, 1, groups=hidden), nn.ReLU6(),
                                  conv_bn(hidden, cout))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def resnet(w=1):
    a, b = 16 * w, 32 * w
    return nn.Sequential(
        conv_bn(1, a, 3, padding=1), nn.ReLU(),                   # a x 28 x 28
        nn.MaxPool2d(3, 2, ceil_mode=True),                       # a x 14 x 14 (13.5 -> 14)
        ShiftBlock(a, a),
        ShiftBlock(a, b, stride=2),                               # b x 7 x 7, projection shortcut
        nn.ZeroPad2d(1), nn.Conv2d(b, b, 3), nn.ReLU(),           # the pad becomes the conv's
        Inception(b, b // 2),                                     # Concat: b x 7 x 7
        nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2),              # a Pad layer: b x 8 x 8 -> 4 x 4
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(b, 10))


def mbv2():
    return nn.Sequential(
        conv_bn(1, 16, 3, padding=1), nn.ReLU6(), nn.MaxPool2d(2),  # 16 x 14 x 14
        InvertedResidual(16, 16, 1, 4),
        InvertedResidual(16, 24, 2, 4),                             # 24 x 7 x 7, no residual
        InvertedResidual(24, 24, 1, 4),
        conv_bn(24, 64), nn.ReLU6(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


torch.manual_seed(5)
torch.set_num_threads(2)
model = resnet(args.width) if args.arch == "resnet" else mbv2()
train_x, train_y = split("train")
test_x, test_y = split("t10k")
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(args.epochs):
    model.train()
    order = torch.randperm(len(train_x))
    for first in range(0, len(order), 128):
        batch = order[first:first + 128]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(train_x[batch]), train_y[batch])
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"epoch {epoch + 1}: test accuracy {100 * accuracy:.2f} %")

model.eval()
with torch.no_grad():
    outputs = model(test_x[:64])
    accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), args.output, input_names=["input"], output_names=["output"],
                  opset_version=13)
expected = args.output[:-len(".onnx")] + ".expected.json" if args.output.endswith(".onnx") else args.output + ".expected.json"
with open(expected, "w") as f:
    json.dump({"preprocess_scale": "1/255", "test_images": 64, "float_accuracy": accuracy,
               "outputs": [[round(float(v), 6) for v in row] for row in outputs]}, f)
print(f"wrote {args.output} and {expected} (float accuracy {100 * accuracy:.2f} %)")
