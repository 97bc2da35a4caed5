#!/usr/bin/env python3
"""The real SmartRedis 0.6.1 Python client, as a peer for TandemClient's interoperability
tests (Tests/TandemClientTests/InteroperabilityTests.swift).

    smartredis_peer.py write [--tensors]   store the peer's data set, print its manifest
    smartredis_peer.py read  [--tensors]   fetch the data set TandemClient stored, print it

Both print one JSON object (the "manifest") describing every value bit for bit (hex of the
raw little-endian bytes), so the Swift side compares exactly. The client is built from the
environment (SSDB, SR_DB_TYPE=Standalone, SSKEYIN, SSKEYOUT), as SmartSim programs do.
Without --tensors only metadata-only datasets are used (a plain redis-server suffices).
"""
import argparse
import json
import sys

import numpy as np
from smartredis import Client, Dataset

DTYPES = {
    "DOUBLE": np.float64, "FLOAT": np.float32, "INT8": np.int8, "INT16": np.int16,
    "INT32": np.int32, "INT64": np.int64, "UINT8": np.uint8, "UINT16": np.uint16,
}
TENSOR_NAMES = {np.dtype(v): k for k, v in DTYPES.items()}
META_NAMES = {np.dtype(np.float64): "DOUBLE", np.dtype(np.float32): "FLOAT", np.dtype(np.int32): "INT32",
              np.dtype(np.int64): "INT64", np.dtype(np.uint32): "UINT32", np.dtype(np.uint64): "UINT64"}
SHAPES = [[3], [2, 3], [2, 3, 4], [1, 4, 4, 1]]


def pattern(dtype, shape, seed):
    """Arbitrary bit patterns (NaN payloads, denormals, extremes included) of a dtype."""
    count = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = bytes(((i * 131 + seed * 17 + 7) & 0xFF) for i in range(count))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def describe_tensor(array):
    return {"dtype": TENSOR_NAMES[array.dtype], "shape": list(array.shape),
            "hex": np.ascontiguousarray(array).tobytes().hex()}


def describe_dataset(ds):
    names = ds.get_tensor_names()
    out = {"name": ds.get_name(), "tensor_names": names,
           "tensors": {t: describe_tensor(ds.get_tensor(t)) for t in names}, "meta": {}}
    for field in ds.get_metadata_field_names():
        if ds.get_metadata_field_type(field) is str:
            out["meta"][field] = {"type": "STRING",
                                  "strings": [s.encode("utf-8").hex() for s in ds.get_meta_strings(field)]}
        else:
            values = ds.get_meta_scalars(field)
            out["meta"][field] = {"type": META_NAMES[values.dtype], "hex": values.tobytes().hex()}
    return out


def full_dataset(name, tensors, seed):
    """A dataset with metadata of every type (several values each) and, with tensors, one
    tensor of every dtype."""
    ds = Dataset(name)
    ds.add_meta_scalar("f64", 1.5)
    ds.add_meta_scalar("f64", np.float64(-0.0))
    ds.add_meta_scalar("f64", float(seed))
    ds.add_meta_scalar("f32", np.float32(0.5))
    ds.add_meta_scalar("f32", np.float32(3.4028235e38))
    ds.add_meta_scalar("i32", np.int32(-2))
    ds.add_meta_scalar("i32", np.int32(2**31 - 1))
    ds.add_meta_scalar("i64", 42)
    ds.add_meta_scalar("i64", -(2**63))
    ds.add_meta_scalar("u32", np.uint32(3))
    ds.add_meta_scalar("u32", np.uint32(2**32 - 1))
    ds.add_meta_scalar("u64", np.uint64(2**63 + 5))
    ds.add_meta_string("strings", "hello")
    ds.add_meta_string("strings", "")
    ds.add_meta_string("strings", "grüße, 温度 ✓")
    ds.add_meta_string("name", f"run-{seed}")
    if tensors:
        for i, (wire, dtype) in enumerate(DTYPES.items()):
            ds.add_tensor(f"t_{wire.lower()}", pattern(dtype, SHAPES[i % len(SHAPES)], seed + i))
    return ds


def write(client, tensors):
    manifest = {"tensors": {}, "datasets": {}, "lists": {}}
    if tensors:
        for i, (wire, dtype) in enumerate(DTYPES.items()):
            array = pattern(dtype, SHAPES[i % len(SHAPES)], i)
            client.put_tensor(f"t_{wire.lower()}", array)
            manifest["tensors"][f"t_{wire.lower()}"] = describe_tensor(array)
        tf32 = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.float32)
        client.put_tensor("tf32", tf32)
        manifest["tensors"]["tf32"] = describe_tensor(tf32)
    for name, seed in (("full", 1), ("cfg", 2)):
        ds = full_dataset(name, tensors, seed)
        client.put_dataset(ds)
        manifest["datasets"][name] = describe_dataset(ds)
    entries = []
    for i in range(3):
        ds = Dataset(f"agg_{i}")
        ds.add_meta_scalar("index", i)
        if tensors:
            ds.add_tensor("samples", pattern(np.float32, [2, 4, 4, 1], 10 + i))
        client.put_dataset(ds)
        client.append_to_list("list", ds)
        entries.append(describe_dataset(ds))
    manifest["lists"]["list"] = entries
    return manifest


def read(client, tensors):
    manifest = {"tensors": {}, "datasets": {}, "lists": {}}
    if tensors:
        for wire in DTYPES:
            manifest["tensors"][f"t_{wire.lower()}"] = describe_tensor(client.get_tensor(f"t_{wire.lower()}"))
        manifest["tensors"]["tf32"] = describe_tensor(client.get_tensor("tf32"))
    for name in ("full", "cfg"):
        if not client.dataset_exists(name):
            raise SystemExit(f"dataset {name} is not reported complete")
        manifest["datasets"][name] = describe_dataset(client.get_dataset(name))
    manifest["lists"]["list"] = [describe_dataset(ds) for ds in client.get_datasets_from_list("list")]
    manifest["list_length"] = client.get_list_length("list")
    manifest["list_range_1_-1"] = [ds.get_name() for ds in client.get_dataset_list_range("list", 1, -1)]
    return manifest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["write", "read"])
    parser.add_argument("--tensors", action="store_true")
    args = parser.parse_args()
    client = Client(None)
    manifest = write(client, args.tensors) if args.action == "write" else read(client, args.tensors)
    json.dump(manifest, sys.stdout)


if __name__ == "__main__":
    main()
