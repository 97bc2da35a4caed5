"""DiffusionResNet as TorchScript, beside `tandem-bench onnx`'s TORCH case.

Builds the network of pytorch_throughput.py (eval mode, seeded weights), traces it to
TorchScript, saves it, writes one random input batch and PyTorch's output for it (raw
float32, NCHW), and measures PyTorch's in-process inference (median ms per forward under
torch.inference_mode, default threading) for each batch size. Prints one JSON line.

    python3 scripts/reference/torchscript_inference.py --folder DIR --batches 1 50
Exit status 3 means torch is missing.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    from pytorch_throughput import DiffusionResNet
except ImportError:
    print(json.dumps({"error": "torch is not importable"}))
    sys.exit(3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    torch.manual_seed(1)
    model = DiffusionResNet(args.depth).eval()
    example = torch.rand(1, 1, args.size, args.size)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    traced.save(os.path.join(args.folder, "diffusion.pt"))
    figures = {}
    with torch.inference_mode():
        for batch in args.batches:
            x = torch.rand(batch, 1, args.size, args.size)
            y = traced(x)
            x.numpy().tofile(os.path.join(args.folder, f"input{batch}.bin"))
            y.numpy().tofile(os.path.join(args.folder, f"output{batch}.bin"))
            for _ in range(3):
                traced(x)
            times = []
            for _ in range(args.repeats if batch == 1 else max(3, args.repeats // 5)):
                start = time.perf_counter()
                traced(x)
                times.append((time.perf_counter() - start) * 1000)
            figures[str(batch)] = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "median_ms": figures}))


if __name__ == "__main__":
    main()
