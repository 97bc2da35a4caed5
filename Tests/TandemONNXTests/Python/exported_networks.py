#!/usr/bin/env python3
"""Exports small PyTorch networks with torch.onnx (TorchScript exporter, dynamic batch) and
runs them in onnxruntime: the references of the exported-network tests (TandemONNXTests and
TandemAITests).

    exported_networks.py DIRECTORY

For each network NAME (an MLP, a small U-Net, a hand-written transformer block and
nn.TransformerEncoderLayer; at several opsets) it writes NAME.onnx and, for each batch size B, NAME.B.in (float32 raw) and
NAME.B.out (onnxruntime's output, float32 raw), and prints one line per run:
`NAME B in_shape out_shape` (shapes as d0,d1,...). The op types of each export go to stderr.
"""
import collections
import io
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
directory = sys.argv[1]
torch.manual_seed(0)
rng = np.random.default_rng(11)


class MLP(nn.Module):
    """Flatten, Linear (Gemm), GELU (Erf or Gelu), ReLU, Softmax."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(48, 32), nn.GELU(), nn.Linear(32, 16), nn.ReLU(),
                                 nn.Linear(16, 5), nn.Softmax(dim=-1))

    def forward(self, x):
        return self.net(x)


class UNet(nn.Module):
    """Conv, BatchNorm, pooling, bilinear and nearest Upsample, ConvTranspose, Concat skips."""

    def __init__(self):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(2, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.e2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.bottom = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(16, 16, 3, padding=1), nn.LeakyReLU(0.1))
        self.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.d2 = nn.Sequential(nn.Conv2d(32, 16, 3, padding=1), nn.ReLU())
        self.up2 = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.d1 = nn.Sequential(nn.Conv2d(16, 8, 3, padding=1), nn.Sigmoid())
        self.up3 = nn.Upsample(scale_factor=2, mode="nearest")
        self.out = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        c = self.bottom(b)
        d = self.d2(torch.cat([self.up1(c), b], 1))
        e = self.d1(torch.cat([self.up2(d), a], 1))
        return self.out(nn.functional.max_pool2d(self.up3(e), 2))


class Block(nn.Module):
    """A pre-norm transformer encoder block: LayerNorm, causal multi-head attention (shapes
    computed from the input's, a tril mask with masked_fill), GELU MLP, residuals."""

    def __init__(self, d=16, heads=4):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, d))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (d // self.heads) ** 0.5
        mask = torch.tril(torch.ones(t, t)) == 0
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.ff(self.ln2(x))


class Encoder(nn.Module):
    """PyTorch's own nn.TransformerEncoderLayer (batch_first, GELU). `is_causal` is passed
    as a bool: left to its default, the TorchScript exporter fails inside
    multi_head_attention_forward."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True)

    def forward(self, x):
        return self.layer(x, src_mask=None, is_causal=False)


networks = [
    # name, module, input shape after the batch, opsets
    ("mlp", MLP(), [3, 4, 4], [13, 20]),
    ("unet", UNet(), [2, 16, 16], [11, 17]),
    ("block", Block(), [6, 16], [14, 17, 20]),
    ("encoder", Encoder(), [7, 16], [14, 17]),
]
for name, module, shape, opsets in networks:
    module.eval()
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    for opset in opsets:
        label = f"{name}{opset}"
        buffer = io.BytesIO()
        torch.onnx.export(module, (torch.randn(2, *shape),), buffer, dynamo=False, opset_version=opset,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
        model = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(model, full_check=True)
        ops = collections.Counter(node.op_type for node in model.graph.node)
        print(label, dict(sorted(ops.items())), file=sys.stderr)
        path = os.path.join(directory, label)
        with open(path + ".onnx", "wb") as f:
            f.write(buffer.getvalue())
        session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
        for batch in [1, 3, 5]:
            x = rng.uniform(-1, 1, size=[batch] + shape).astype(np.float32)
            y = session.run(None, {"x": x})[0].astype(np.float32)
            with torch.no_grad():
                expected = module(torch.from_numpy(x)).numpy()
            assert np.abs(expected - y).max() < 1e-4, (label, np.abs(expected - y).max())
            x.tofile(f"{path}.{batch}.in")
            y.tofile(f"{path}.{batch}.out")
            print(label, batch, ",".join(map(str, x.shape)), ",".join(map(str, y.shape)), flush=True)
