"""DiffusionResNet defined in PyTorch exactly as TandemNN computes it, exported to ONNX.

The network takes and returns NHWC tensors [N, H, W, C] (as TandemNN and Keras do), with
every padding fixed for the given grid: Keras' "same" convolutions pad with F.pad (the
extra row and column at the end for stride 2 on even sizes), transposed convolutions run
unpadded and are cropped onto the encoder level they meet. Weights are drawn from
`--seed`, batch-normalisation statistics too (defaults would make it the identity). The
model is exported with the TorchScript exporter (`dynamo=False`, opset 17, dynamic batch).

With `--batch B` it also writes a random input `input.bin` and PyTorch's output for it
`output.bin` (raw float32, NHWC) next to the model. Prints one JSON line. Exit status 3
means torch is missing.

    python3 scripts/reference/torch_onnx_export.py --out model.onnx --depth 4 --size 64 --batch 3
"""

import argparse
import json
import os
import sys

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"error": "torch is not importable"}))
    sys.exit(3)


def same_geometry(k, stride, big):
    """Keras' "same" grid: the small size and the leading padding."""
    small = (big + stride - 1) // stride
    total = max((small - 1) * stride + k - big, 0)
    return small, total // 2, total - total // 2


class SameConv(nn.Module):
    """Conv2D with "same" padding on a `size × size` input."""

    def __init__(self, cin, cout, k, stride, size):
        super().__init__()
        self.out_size, begin, end = same_geometry(k, stride, size)
        self.pads = (begin, end, begin, end)
        self.conv = nn.Conv2d(cin, cout, k, stride=stride)

    def forward(self, x):
        return self.conv(F.pad(x, self.pads))


class SameConvT(nn.Module):
    """Conv2DTranspose onto the `size × size` grid of the level it meets: the adjoint of the
    "same" convolution, so the full output is cropped from that convolution's leading padding."""

    def __init__(self, cin, cout, k, stride, size):
        super().__init__()
        small, begin, _ = same_geometry(k, stride, size)
        full = stride * (small - 1) + k
        extra = max(begin + size - full, 0)   # columns past the full output (bias only)
        self.begin, self.size = begin, size
        self.conv = nn.ConvTranspose2d(cin, cout, k, stride=stride, output_padding=extra)

    def forward(self, x):
        y = self.conv(x)
        return y[:, :, self.begin:self.begin + self.size, self.begin:self.begin + self.size]


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride, transpose, size):
        super().__init__()
        conv = SameConvT if transpose else SameConv
        # A transposed block maps onto `size`; a plain one reads it.
        inner = size if transpose else same_geometry(3, stride, size)[0]
        self.conv1 = conv(cin, cout, 3, stride, size)
        self.conv2 = conv(cout, cout, 3, 1, inner)
        self.shortcut = conv(cin, cout, 1, stride, size)
        self.bn1, self.bn2 = nn.BatchNorm2d(cout, eps=1e-3), nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x):
        a = self.conv2(self.bn1(F.selu(self.conv1(x))))
        return self.bn2(F.selu(a + self.shortcut(x)))


class DiffusionResNet(nn.Module):
    def __init__(self, depth, size, channels=1):
        super().__init__()
        self.depth = depth
        sizes = [size]
        for _ in range(depth):
            sizes.append(same_geometry(3, 2, sizes[-1])[0])
        self.encoders = nn.ModuleList(ResBlock(channels << (i - 1), channels << i, 2, False, sizes[i - 1])
                                      for i in range(1, depth + 1))
        self.skips = nn.ModuleList(SameConv(channels << i, channels << i, 3, 1, sizes[i]) for i in range(depth))
        self.decoders = nn.ModuleList(ResBlock(channels << (depth - i + 1), channels << (depth - i), 2, True, sizes[depth - i])
                                      for i in range(1, depth + 1))
        self.out_bn = nn.BatchNorm2d(channels, eps=1e-3)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        levels = [x]
        for i in range(self.depth):
            levels.append(self.encoders[i](levels[i]))
        z = self.decoders[0](levels[self.depth])
        for i in range(1, self.depth):
            level = self.depth - i
            z = self.decoders[i](F.selu(z + F.selu(self.skips[level](levels[level]))))
        z = F.selu(F.selu(self.skips[0](x)) + z)
        return self.out_bn(z).permute(0, 2, 3, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = DiffusionResNet(args.depth, args.size, args.channels)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)
                module.running_mean.uniform_(-0.3, 0.3)
                module.running_var.uniform_(0.5, 2)
            elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                module.bias.uniform_(-0.3, 0.3)
    model.eval()
    example = torch.rand(2, args.size, args.size, args.channels)
    torch.onnx.export(model, (example,), args.out, dynamo=False, opset_version=args.opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    if args.batch > 0:
        folder = os.path.dirname(os.path.abspath(args.out))
        x = torch.rand(args.batch, args.size, args.size, args.channels)
        with torch.inference_mode():
            y = model(x)
        x.numpy().tofile(os.path.join(folder, "input.bin"))
        y.numpy().tofile(os.path.join(folder, "output.bin"))
    print(json.dumps({"torch": torch.__version__, "depth": args.depth, "size": args.size}))


if __name__ == "__main__":
    main()
