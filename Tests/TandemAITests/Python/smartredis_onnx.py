#!/usr/bin/env python3
"""SmartRedis stores an exported TandemNN model, runs it in the database on a tensor it put,
and writes the result: the end-to-end peer of ONNXModelTests.

    smartredis_onnx.py PORT MODEL.onnx INPUT.bin N,H,W,C OUTPUT.bin
"""
import os
import sys

import numpy as np
from smartredis import Client

port, model_path, input_path, shape, output_path = sys.argv[1:6]
os.environ["SSDB"] = f"127.0.0.1:{port}"
client = Client(cluster=False)
client.set_model_from_file("surrogate", model_path, "ONNX", device="CPU")
x = np.fromfile(input_path, dtype=np.float32).reshape([int(d) for d in shape.split(",")])
client.put_tensor("u_init", x)
client.run_model("surrogate", inputs=["u_init"], outputs=["u_pred"])
y = client.get_tensor("u_pred")
assert y.dtype == np.float32 and y.shape == x.shape, (y.dtype, y.shape)
y.tofile(output_path)
print("OK", y.shape)
