"""Makes the TorchScript models and scripts the TORCH tests use, with real PyTorch, and
writes them with inputs and PyTorch's own outputs (raw little-endian bytes) into a folder.

    python torch_models.py <folder>

Files: cnn.pt (a small CNN, float32 [4,1,16,16] -> [4,10]), multi.pt (two int64/float64
inputs, three outputs of different dtypes), script.py (several functions, one of which
raises), and for each case <case>.in<k>.bin / <case>.out<k>.bin plus manifest.txt lines
`<case> in|out <k> <DTYPE> <dims...>`.
"""
import os
import sys

import torch

DTYPES = {torch.float32: "FLOAT", torch.float64: "DOUBLE", torch.int64: "INT64", torch.int32: "INT32",
          torch.uint8: "UINT8", torch.bool: "BOOL", torch.int8: "INT8", torch.int16: "INT16"}


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return torch.softmax(self.fc(x.flatten(1)), dim=1)


class Multi(torch.nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor):
        return a * 2, b.sum(dim=1) + 0.5, (a > 3)


SCRIPT = '''
def bar(a, b):
    return a + b

def scale(tensors: List[Tensor], keys: List[str], args: List[str]):
    factor = float(args[0])
    return tensors[0] * factor, tensors[1] - tensors[0]

def normalize(x):
    return (x - x.mean()) / x.std()

def fails(tensors: List[Tensor], keys: List[str], args: List[str]):
    if tensors[0].sum() > 0:
        raise ValueError("the sum is positive")
    return tensors[0]
'''


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(7)
    manifest = []

    def save(case, kind, tensors):
        for k, t in enumerate(tensors):
            t = t.contiguous()
            with open(os.path.join(folder, f"{case}.{kind}{k}.bin"), "wb") as f:
                f.write(t.numpy().tobytes())
            manifest.append(" ".join([case, kind, str(k), DTYPES[t.dtype]] + [str(d) for d in t.shape]))

    cnn = torch.jit.script(CNN().eval())
    cnn.save(os.path.join(folder, "cnn.pt"))
    x = torch.rand(4, 1, 16, 16)
    with torch.no_grad():
        save("cnn", "in", [x])
        save("cnn", "out", [cnn(x)])

    multi = torch.jit.script(Multi())
    multi.save(os.path.join(folder, "multi.pt"))
    a = torch.arange(6, dtype=torch.int64).reshape(2, 3)
    b = torch.rand(2, 5, dtype=torch.float64)
    save("multi", "in", [a, b])
    save("multi", "out", list(multi(a, b)))

    with open(os.path.join(folder, "script.py"), "w") as f:
        f.write(SCRIPT)
    cu = torch.jit.CompilationUnit(SCRIPT)
    p = torch.rand(3, 4)
    q = torch.rand(3, 4)
    save("bar", "in", [p, q])
    save("bar", "out", [cu.bar(p, q)])
    save("scale", "in", [p, q])
    save("scale", "out", list(cu.scale([p, q], [], ["2.5"])))
    save("normalize", "in", [q])
    save("normalize", "out", [cu.normalize(q)])

    with open(os.path.join(folder, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print("OK", len(manifest))


if __name__ == "__main__":
    main()
