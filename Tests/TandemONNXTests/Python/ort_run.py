#!/usr/bin/env python3
"""Runs many ONNX models in onnxruntime in one process (the test peer of TandemONNXTests).

    ort_run.py MANIFEST

Each MANIFEST line is `model.onnx input.bin d0,d1,... output.bin`: the raw float32 input of
that shape is fed to the model's only input, its only output is written raw (float32) to
output.bin, and one line `output.bin d0,d1,...` (the output shape) is printed per case.
Models are checked with onnx.checker first; each distinct model gets one session.
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort

sessions = {}
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    model_path, input_path, shape, output_path = line.split()
    if model_path not in sessions:
        onnx.checker.check_model(onnx.load(model_path), full_check=True)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        sessions[model_path] = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    session = sessions[model_path]
    x = np.fromfile(input_path, dtype=np.float32).reshape([int(d) for d in shape.split(",")])
    y = session.run(None, {session.get_inputs()[0].name: x})[0].astype(np.float32)
    y.tofile(output_path)
    print(output_path, ",".join(str(d) for d in y.shape), flush=True)
