#!/usr/bin/env python3
"""SmartRedis 0.6.1's TORCH usage, unchanged, against a database with TandemAI and its TORCH
backend: set_model(..., "TORCH"), set_function, set_script, run_script, get_script,
delete_script; every output compared with PyTorch run in this process (to 1e-5), and an
exception raised in a script coming back as an error with its text.

    smartredis_torch.py PORT
"""
import io
import os
import sys

import numpy as np
import torch
from smartredis import Client
from smartredis.error import RedisReplyError


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.fc = torch.nn.Linear(6 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


class TwoOutputs(torch.nn.Module):
    def forward(self, x):
        return x.max(dim=1).values, x.argmax(dim=1)


def double_and_shift(x, y):
    return 2 * x + y


def raises(x):
    if x.sum() > 0:
        raise ValueError("positive input refused")
    return x


SCRIPT = """
def pre(x):
    return (x - x.mean()) / (x.std() + 1e-6)

def post(x, y):
    return torch.cat([x, y], dim=0), x * y
"""


def to_bytes(module):
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(module), buffer)
    return buffer.getvalue()


def close(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    assert np.allclose(a, b, atol=1e-5, rtol=0), np.abs(a - b).max()


def main():
    os.environ["SSDB"] = f"127.0.0.1:{sys.argv[1]}"
    client = Client(cluster=False)
    torch.manual_seed(3)

    cnn = CNN().eval()
    client.set_model("cnn", to_bytes(cnn), "TORCH", device="CPU")
    x = torch.rand(7, 3, 8, 8)
    client.put_tensor("x", x.numpy())
    client.run_model("cnn", inputs=["x"], outputs=["y"])
    with torch.no_grad():
        close(client.get_tensor("y"), cnn(x).numpy())
    assert client.model_exists("cnn")

    two = TwoOutputs()
    client.set_model("two", to_bytes(two), "TORCH", device="CPU")
    client.run_model("two", inputs=["x"], outputs=["values", "indices"])
    values, indices = two(x)
    close(client.get_tensor("values"), values.numpy())
    close(client.get_tensor("indices"), indices.numpy())

    client.set_function("fn", double_and_shift)
    a, b = np.random.rand(4, 5).astype(np.float32), np.random.rand(4, 5).astype(np.float32)
    client.put_tensor("a", a)
    client.put_tensor("b", b)
    client.run_script("fn", "double_and_shift", ["a", "b"], ["c"])
    close(client.get_tensor("c"), double_and_shift(torch.from_numpy(a), torch.from_numpy(b)).numpy())

    client.set_script("scr", SCRIPT)
    assert client.get_script("scr") == SCRIPT
    cu = torch.jit.CompilationUnit(SCRIPT)
    client.run_script("scr", "pre", ["a"], ["a_pre"])
    close(client.get_tensor("a_pre"), cu.pre(torch.from_numpy(a)).numpy())
    client.run_script("scr", "post", ["a", "b"], ["joined", "product"])
    joined, product = cu.post(torch.from_numpy(a), torch.from_numpy(b))
    close(client.get_tensor("joined"), joined.numpy())
    close(client.get_tensor("product"), product.numpy())

    client.set_function("raiser", raises)
    client.put_tensor("neg", -np.ones(3, dtype=np.float64))
    client.run_script("raiser", "raises", ["neg"], ["same"])
    close(client.get_tensor("same"), -np.ones(3, dtype=np.float64))
    try:
        client.run_script("raiser", "raises", ["a"], ["never"])
        raise AssertionError("the raising function did not fail")
    except RedisReplyError as error:
        assert "positive input refused" in str(error), str(error)
    assert not client.tensor_exists("never")

    client.delete_script("fn")
    try:
        client.get_script("fn")
        raise AssertionError("the deleted script is still there")
    except RedisReplyError as error:
        assert "script key is empty" in str(error), str(error)
    client.delete_model("two")
    print("OK torch")


if __name__ == "__main__":
    main()
