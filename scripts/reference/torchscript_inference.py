"""DiffusionResNet as TorchScript, beside `tandem-bench onnx`'s TORCH case.

Builds the network of pytorch_throughput.py (eval mode, seeded weights), traces it to
TorchScript, saves it, writes one random input batch and PyTorch's output for it (raw
float32, NCHW) for each batch size, and measures PyTorch's in-process inference of the
saved file (loaded back with torch.jit.load, as a server would) under
torch.inference_mode: `--threads`/`--interop-threads` set torch's thread counts (0 keeps
torch's default, as the database does when INTRA_OP_PARALLELISM / INTER_OP_PARALLELISM are
not given).

Without `--serve` it measures each batch size `--repeats` times after `--warmup` runs and
prints one JSON line. With `--serve` it prints one JSON line once ready (torch's version and
thread counts), then answers each line `<batch> <count>` read from standard input with
one JSON list: the milliseconds of `count` runs on that batch's input (the first request
of a batch size runs `--warmup` unmeasured runs first). This lets the benchmark
alternate PyTorch's runs with the database's, so that a machine whose load changes
during the run weighs on both sides alike.

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


def timed(model, x, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--interop-threads", type=int, default=0)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.interop_threads > 0:
        torch.set_num_interop_threads(args.interop_threads)
    torch.manual_seed(1)
    model = DiffusionResNet(args.depth).eval()
    example = torch.rand(1, 1, args.size, args.size)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    path = os.path.join(args.folder, "diffusion.pt")
    traced.save(path)
    # The bytes the database gets, loaded the way it loads them.
    loaded = torch.jit.load(path, map_location="cpu").eval()
    inputs, warmed = {}, set()
    with torch.inference_mode():
        for batch in args.batches:
            x = torch.rand(batch, 1, args.size, args.size)
            y = loaded(x)
            x.numpy().tofile(os.path.join(args.folder, f"input{batch}.bin"))
            y.numpy().tofile(os.path.join(args.folder, f"output{batch}.bin"))
            inputs[batch] = x
        described = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                     "interop_threads": torch.get_num_interop_threads()}

        def run(batch, count):
            if batch not in warmed:
                timed(loaded, inputs[batch], args.warmup)
                warmed.add(batch)
            return timed(loaded, inputs[batch], count)

        if args.serve:
            print(json.dumps(described), flush=True)
            for line in sys.stdin:
                batch, count = (int(word) for word in line.split())
                print(json.dumps(run(batch, count)), flush=True)
            return
        figures = {}
        for batch in args.batches:
            figures[str(batch)] = statistics.median(run(batch, args.repeats if batch == 1 else max(3, args.repeats // 5)))
    print(json.dumps(dict(described, median_ms=figures)))


if __name__ == "__main__":
    main()
