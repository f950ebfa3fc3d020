#!/usr/bin/python3
"""Trains a small Fashion-MNIST CNN in PyTorch the way a user would (torchvision's ToTensor()
convention: input = pixel / 255, no normalization) and exports it with torch.onnx.export.

The result, tests/models/fmnist-cnn.onnx, is committed: it is a network nobody here shaped by
hand, so ccsim's import, preprocessing flags and packing are tested on what PyTorch writes
(Conv with bias, Relu, MaxPool, Flatten, Gemm with transB). Training it again needs Debian's
python3-torch (apt-get install python3-torch), which the tests themselves do not.

Usage: train_fmnist_cnn.py OUT.onnx [--dataset /usr/share/datasets/fashion-mnist] [--epochs 2]
"""
import argparse
import gzip
import struct

import numpy as np
import torch
from torch import nn

args = argparse.ArgumentParser()
args.add_argument("output")
args.add_argument("--dataset", default="/usr/share/datasets/fashion-mnist")
args.add_argument("--epochs", type=int, default=2)
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
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # ToTensor(): pixel / 255
    return x, torch.from_numpy(labels.astype(np.int64))


torch.manual_seed(3)
torch.set_num_threads(2)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 14 x 14
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 7 x 7
    nn.Conv2d(32, 32, 1), nn.ReLU(),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
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
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), args.output, input_names=["input"], output_names=["output"],
                  opset_version=13)
print(f"wrote {args.output}")
