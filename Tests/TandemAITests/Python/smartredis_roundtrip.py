"""Wire compatibility of TandemAI with the real SmartRedis Python client (0.6.1).

Usage: python smartredis_roundtrip.py PORT
Every check raises on failure; the last line printed is `OK <summary>`.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
from smartredis import Client, Dataset

port = int(sys.argv[1])
client = Client(False, f"127.0.0.1:{port}")  # (cluster, address)

DTYPES = [np.float64, np.float32, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16]
SHAPES = [(1,), (7,), (3, 4), (2, 3, 5), (1, 64, 64, 1)]
rng = np.random.default_rng(7)


def sample(dtype, shape):
    if np.issubdtype(dtype, np.floating):
        data = rng.standard_normal(shape).astype(dtype)
        flat = data.reshape(-1)
        specials = [np.inf, -np.inf, -0.0, np.nan, np.finfo(dtype).max, np.finfo(dtype).tiny]
        flat[: min(len(specials), flat.size)] = specials[: flat.size]
        return data
    info = np.iinfo(dtype)
    data = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    data.reshape(-1)[0] = info.min
    data.reshape(-1)[-1] = info.max
    return data


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


tensors = 0
for dtype in DTYPES:
    for shape in SHAPES:
        name = f"t_{np.dtype(dtype).name}_{'x'.join(map(str, shape))}"
        data = sample(dtype, shape)
        client.put_tensor(name, data)
        assert client.tensor_exists(name), name
        assert same(client.get_tensor(name), data), f"get_tensor {name}"
        client.copy_tensor(name, name + "_copy")
        assert same(client.get_tensor(name + "_copy"), data), f"copy_tensor {name}"
        client.rename_tensor(name + "_copy", name + "_renamed")
        assert not client.tensor_exists(name + "_copy"), f"rename left {name}_copy"
        assert same(client.get_tensor(name + "_renamed"), data), f"rename_tensor {name}"
        client.delete_tensor(name + "_renamed")
        assert not client.tensor_exists(name + "_renamed"), f"delete_tensor {name}"
        tensors += 1

# Overwriting a tensor with another dtype and shape.
client.put_tensor("over", np.arange(6, dtype=np.float32).reshape(2, 3))
client.put_tensor("over", np.array([-1, 2], dtype=np.int64))
assert same(client.get_tensor("over"), np.array([-1, 2], dtype=np.int64))

# Datasets: tensors and metadata of every kind.
ds = Dataset("sim_data_0")
u_init = sample(np.float32, (1, 64, 64, 1))
ids = sample(np.int64, (5,))
ds.add_tensor("u_init", u_init)
ds.add_tensor("ids", ids)
ds.add_meta_scalar("step", 42)
ds.add_meta_scalar("step", -7)
ds.add_meta_scalar("dt", np.float32(0.5))
ds.add_meta_scalar("t", 1.25)
ds.add_meta_scalar("i32", np.int32(-2))
ds.add_meta_scalar("u32", np.uint32(3))
ds.add_meta_scalar("u64", np.uint64(2**63 + 5))
ds.add_meta_string("name", "run-7")
ds.add_meta_string("name", "")
client.put_dataset(ds)
assert client.dataset_exists("sim_data_0")
back = client.get_dataset("sim_data_0")
assert same(back.get_tensor("u_init"), u_init)
assert same(back.get_tensor("ids"), ids)
assert list(back.get_meta_scalars("step")) == [42, -7]
assert list(back.get_meta_scalars("dt")) == [0.5]
assert list(back.get_meta_scalars("t")) == [1.25]
assert list(back.get_meta_scalars("i32")) == [-2]
assert list(back.get_meta_scalars("u32")) == [3]
assert list(back.get_meta_scalars("u64")) == [2**63 + 5]
assert list(back.get_meta_strings("name")) == ["run-7", ""]
client.copy_dataset("sim_data_0", "sim_data_copy")
assert same(client.get_dataset("sim_data_copy").get_tensor("u_init"), u_init)
client.delete_dataset("sim_data_copy")
assert not client.dataset_exists("sim_data_copy")

# Models: a real (tiny) ONNX model, stored whole and in chunks.
graph = helper.make_graph(
    [helper.make_node("Add", ["x", "y"], ["z"])],
    "add",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4])],
)
blob = helper.make_model(graph, producer_name="tandem-test").SerializeToString()
onnx.checker.check_model(onnx.load_from_string(blob))
client.set_model("model", blob, "ONNX", device="CPU", tag="v1", batch_size=8, min_batch_size=2, min_batch_timeout=5)
assert client.model_exists("model")
assert client.get_model("model") == blob
info = client.get_ai_info([f"127.0.0.1:{port}"], "model")[0]
assert info["key"] == "model" and info["backend"] == "ONNX" and info["tag"] == "v1", info

client.set_model_chunk_size(16)  # the model now goes in many BLOB chunks
client.set_model("chunked", blob, "ONNX", device="GPU:0")
client.set_model_chunk_size(535822336)  # SmartRedis mis-joins multi-chunk replies; read whole
assert client.get_model("chunked") == blob

# The model runs in the database: z = x + y.
client.put_tensor("x", np.ones((1, 4), dtype=np.float32))
client.put_tensor("y", np.full((1, 4), 2.5, dtype=np.float32))
client.run_model("model", ["x", "y"], ["z"])
assert np.array_equal(client.get_tensor("z"), np.full((1, 4), 3.5, dtype=np.float32)), client.get_tensor("z")

client.delete_model("model")
client.delete_model("chunked")
assert not client.model_exists("model")
assert not client.model_exists("chunked")
print(f"OK tensors={tensors} dtypes={len(DTYPES)} shapes={len(SHAPES)}")
