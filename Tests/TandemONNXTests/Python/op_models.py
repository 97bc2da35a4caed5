#!/usr/bin/env python3
"""Writes one small ONNX model per supported operator (built with the `onnx` package), a
random input for each and onnxruntime's output: the references of TandemONNXTests.

    op_models.py DIRECTORY

For each case NAME it writes NAME.onnx, NAME.in (float32 raw) and NAME.out (float32 raw)
and prints `NAME in_shape out_shape` (shapes as d0,d1,...).
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
directory = sys.argv[1]
F = TensorProto.FLOAT


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def rand(*shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def build(name, nodes, in_shape, out_shape, initializers, opset):
    x = helper.make_tensor_value_info("x", F, ["N"] + list(in_shape[1:]))
    y = helper.make_tensor_value_info("y", F, out_shape)
    graph = helper.make_graph(nodes, name, [x], [y], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def case(name, nodes, in_shape, initializers=(), opset=17):
    data = rand(*in_shape)
    # onnxruntime runs the model without a declared output shape; the checked model states it.
    probe = build(name, nodes, in_shape, None, initializers, opset)
    out = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": data})[0]
    model = build(name, nodes, in_shape, ["N"] + list(out.shape[1:]), initializers, opset)
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(directory, name)
    with open(path + ".onnx", "wb") as f:
        f.write(model.SerializeToString())
    data.tofile(path + ".in")
    out.astype(np.float32).tofile(path + ".out")
    print(name, ",".join(map(str, in_shape)), ",".join(map(str, out.shape)), flush=True)


n = helper.make_node
for op, attrs in [("Relu", {}), ("LeakyRelu", {"alpha": 0.2}), ("Sigmoid", {}), ("Tanh", {}),
                  ("Selu", {"alpha": 1.5, "gamma": 1.1}), ("Identity", {}), ("Dropout", {})]:
    case(op, [n(op, ["x"], ["y"], **attrs)], [3, 2, 5, 4])
case("Reshape", [n("Reshape", ["x", "s"], ["y"])], [3, 2, 4, 5], initializers=[const("s", np.array([0, -1, 5], np.int64))])
case("Flatten", [n("Flatten", ["x"], ["y"], axis=2)], [3, 2, 4, 5])
case("Squeeze", [n("Squeeze", ["x", "a"], ["y"])], [3, 1, 4, 5], initializers=[const("a", np.array([1], np.int64))])
case("Unsqueeze", [n("Unsqueeze", ["x", "a"], ["y"])], [3, 4, 5], initializers=[const("a", np.array([1, -1], np.int64))])
case("Transpose", [n("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])], [2, 3, 4, 5])
case("Gemm", [n("Gemm", ["x", "w", "c"], ["y"], transB=1, alpha=0.7, beta=1.3)], [4, 6],
     initializers=[const("w", rand(5, 6)), const("c", rand(5))])
case("MatMul", [n("MatMul", ["x", "w"], ["y"])], [2, 3, 6], initializers=[const("w", rand(6, 4))])
case("Concat", [n("Concat", ["x", "x", "c"], ["y"], axis=1)], [1, 2, 3, 4], initializers=[const("c", rand(1, 1, 3, 4))])
case("MaxPool", [n("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)], [2, 3, 9, 8])
case("AveragePool", [n("AveragePool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 1])], [2, 3, 7, 6])
case("AveragePoolIncludePad", [n("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                 count_include_pad=1)], [2, 3, 7, 6])
case("GlobalAveragePool", [n("GlobalAveragePool", ["x"], ["y"])], [2, 3, 7, 6])
case("Softmax", [n("Softmax", ["x"], ["y"], axis=1)], [3, 5, 2])
case("SoftmaxOpset11", [n("Softmax", ["x"], ["y"], axis=1)], [3, 2, 4], opset=11)
case("Slice", [n("Slice", ["x", "s", "e", "a", "t"], ["y"])], [2, 3, 10, 9],
     initializers=[const("s", np.array([1, 0, 8], np.int64)), const("e", np.array([-1, 100, 1], np.int64)),
                   const("a", np.array([2, 1, 3], np.int64)), const("t", np.array([1, 2, -3], np.int64))])
for mode in ["constant", "reflect", "edge"]:
    case("Pad" + mode, [n("Pad", ["x", "p", "v"], ["y"], mode=mode)], [2, 3, 5, 4],
         initializers=[const("p", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64)), const("v", np.array(0.5, np.float32))])
case("ConstantAdd", [n("Constant", [], ["c"], value=const("cv", rand(3, 1, 1))), n("Add", ["x", "c"], ["y"])], [2, 3, 4, 5])
case("SubMulDiv", [n("Sub", ["x", "a"], ["s"]), n("Mul", ["s", "b"], ["m"]), n("Div", ["m", "c"], ["y"])], [2, 3, 4, 5],
     initializers=[const("a", rand(5)), const("b", rand(4, 1)), const("c", np.array([2.0], np.float32))])
case("BatchNormalization", [n("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], epsilon=1e-3)], [2, 3, 4, 5],
     initializers=[const("g", rand(3)), const("b", rand(3)), const("m", rand(3)), const("v", rng.uniform(0.5, 2, 3).astype(np.float32))])
case("ConvGroupedDilated", [n("Conv", ["x", "w", "b"], ["y"], group=2, dilations=[2, 1], pads=[2, 1, 0, 1], strides=[1, 2])],
     [2, 4, 9, 8], initializers=[const("w", rand(6, 2, 3, 3)), const("b", rand(6))])
case("ConvSameUpper", [n("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2])], [2, 3, 8, 8],
     initializers=[const("w", rand(5, 3, 3, 3))])
case("ConvSymmetric", [n("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1], strides=[2, 2])], [2, 3, 8, 8],
     initializers=[const("w", rand(4, 3, 3, 3)), const("b", rand(4))])
case("ConvTranspose", [n("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 1, 0, 0], output_padding=[1, 1])],
     [2, 3, 5, 4], initializers=[const("w", rand(3, 4, 3, 3)), const("b", rand(4))])
case("ConvTransposeGrouped", [n("ConvTranspose", ["x", "w"], ["y"], strides=[2, 1], group=2, dilations=[1, 2])],
     [2, 4, 3, 4], initializers=[const("w", rand(4, 3, 3, 2))])
# What torch.onnx emits for ConvTranspose2d(stride 2, padding 1, output_padding 1) and a crop.
case("ConvTransposeSlice", [n("ConvTranspose", ["x", "w", "b"], ["t"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
                            n("Slice", ["t", "s", "e", "a"], ["y"])], [2, 2, 6, 6],
     initializers=[const("w", rand(2, 3, 3, 3)), const("b", rand(3)), const("s", np.array([0, 0], np.int64)),
                   const("e", np.array([11, 11], np.int64)), const("a", np.array([2, 3], np.int64))])
# A small PyTorch-style classifier, NCHW with 3 channels.
case("SmallCNN", [n("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]), n("Relu", ["c1"], ["r1"]),
                  n("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
                  n("Flatten", ["p1"], ["f"]), n("Gemm", ["f", "w2", "b2"], ["g"], transB=1),
                  n("Softmax", ["g"], ["y"], axis=1)], [5, 3, 8, 8],
     initializers=[const("w1", rand(4, 3, 3, 3)), const("b1", rand(4)), const("w2", rand(10, 64)), const("b2", rand(10))])
