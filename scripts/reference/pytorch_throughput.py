"""PyTorch's training throughput for DiffusionResNet, beside `tandem-bench train`.

Builds DiffusionResNet as TandemNN and the Keras reference define it (residual encoder and
decoder with SELU, batch normalisation, spatial dropout 0.4 and skip convolutions), trains
it on random batches with Adam on the mean absolute error, on CPU with `--threads`
threads, and prints one JSON line: samples per second (median of the measured repeats).

`tandem-bench train` runs it with the Python at TANDEM_PYTHON when that Python can import
torch; the project does not install torch. Exit status 3 means torch is missing.

    python3 scripts/reference/pytorch_throughput.py --depth 4 --size 64 --batch 50 --threads 2
"""

import argparse
import json
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"error": "torch is not importable"}))
    sys.exit(3)


class SameConv(nn.Module):
    """Keras' Conv2D with "same" padding: for stride 2 on even sizes the extra row and column go at the end."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.k, self.stride = k, stride
        self.conv = nn.Conv2d(cin, cout, k, stride=stride)

    def forward(self, x):
        h = x.shape[-1]
        out = (h + self.stride - 1) // self.stride
        total = max((out - 1) * self.stride + self.k - h, 0)
        return self.conv(F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2)))


class SameConvT(nn.Module):
    """Keras' Conv2DTranspose with "same" padding: output = input · stride."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        pad = (k - 1) // 2
        self.conv = nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=pad, output_padding=stride - 1 - (k - 1 - 2 * pad))

    def forward(self, x):
        return self.conv(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride, transpose):
        super().__init__()
        conv = SameConvT if transpose else SameConv
        self.conv1, self.conv2 = conv(cin, cout, 3, stride), conv(cout, cout, 3, 1)
        self.shortcut = conv(cin, cout, 1, stride)
        self.bn1, self.bn2 = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)

    def forward(self, x):
        a = self.conv2(self.bn1(F.selu(self.conv1(x))))
        return self.bn2(F.selu(a + self.shortcut(x)))


class DiffusionResNet(nn.Module):
    def __init__(self, depth, channels=1):
        super().__init__()
        self.depth = depth
        self.encoders = nn.ModuleList(ResBlock(channels << (i - 1), channels << i, 2, False) for i in range(1, depth + 1))
        self.skips = nn.ModuleList(SameConv(channels << i, channels << i, 3, 1) for i in range(depth))
        self.decoders = nn.ModuleList(ResBlock(channels << (depth - i + 1), channels << (depth - i), 2, True) for i in range(1, depth + 1))
        self.drop_in, self.drop_out = nn.Dropout2d(0.4), nn.Dropout2d(0.4)
        self.out_bn = nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)

    def forward(self, x):
        levels = [x, self.drop_in(self.encoders[0](x))]
        for i in range(1, self.depth):
            levels.append(self.encoders[i](levels[i]))
        z = self.decoders[0](levels[self.depth])
        for i in range(1, self.depth):
            level = self.depth - i
            z = self.decoders[i](F.selu(z + F.selu(self.skips[level](levels[level]))))
        z = F.selu(F.selu(self.skips[0](x)) + z)
        return self.out_bn(self.drop_out(z))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    model = DiffusionResNet(args.depth)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-7)
    x = torch.rand(args.batch, 1, args.size, args.size)
    y = torch.rand(args.batch, 1, args.size, args.size)
    model.train()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.l1_loss(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "depth": args.depth, "size": args.size,
                      "batch": args.batch, "median_ms": median * 1000, "per_s": args.batch / median}))


if __name__ == "__main__":
    main()
