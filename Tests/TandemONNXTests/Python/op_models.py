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
# One row (a batch of one through a dense layer) is computed as a matrix-vector product.
case("GemmOneRow", [n("Gemm", ["x", "w", "c"], ["y"], transB=1, alpha=0.7, beta=1.3)], [1, 6],
     initializers=[const("w", rand(5, 6)), const("c", rand(5))])
case("GemmOneRowNoBias", [n("Gemm", ["x", "w"], ["y"])], [1, 6], initializers=[const("w", rand(6, 5))])
case("GemmOneRowTransA", [n("Transpose", ["x"], ["t"], perm=[1, 0]), n("Gemm", ["t", "w", "c"], ["y"], transA=1, beta=0.5)],
     [1, 6], initializers=[const("w", rand(6, 5)), const("c", rand(1, 5))])
case("MatMulOneRow", [n("MatMul", ["x", "w"], ["y"])], [3, 1, 6], initializers=[const("w", rand(6, 4))])
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

# Operators PyTorch's and tf2onnx's exporters emit for MLPs, U-Nets and transformer blocks.
i64 = lambda *v: np.array(v, np.int64)
for op, attrs in [("Erf", {}), ("Neg", {}), ("Abs", {}), ("Floor", {}), ("Ceil", {}), ("Exp", {}), ("Softplus", {}),
                  ("Elu", {"alpha": 0.7}), ("HardSigmoid", {"alpha": 0.3, "beta": 0.4})]:
    case(op, [n(op, ["x"], ["y"], **attrs)], [3, 2, 5, 4])
case("Gelu", [n("Gelu", ["x"], ["y"])], [3, 4, 5], opset=20)
case("GeluTanh", [n("Gelu", ["x"], ["y"], approximate="tanh")], [3, 4, 5], opset=20)
case("SqrtLogReciprocal", [n("Abs", ["x"], ["a"]), n("Add", ["a", "c"], ["b"]), n("Sqrt", ["b"], ["s"]), n("Log", ["b"], ["l"]),
                           n("Reciprocal", ["b"], ["r"]), n("Add", ["s", "l"], ["t"]), n("Add", ["t", "r"], ["y"])], [3, 4, 5],
     initializers=[const("c", np.array(0.5, np.float32))])
case("Clip", [n("Clip", ["x", "lo", "hi"], ["y"])], [3, 4, 5],
     initializers=[const("lo", np.array(-0.3, np.float32)), const("hi", np.array(0.6, np.float32))])
case("ClipOpset10", [n("Clip", ["x"], ["y"], min=0.0, max=0.5)], [3, 4, 5], opset=10)
case("PowSquare", [n("Pow", ["x", "p"], ["y"])], [3, 4, 5], initializers=[const("p", np.array(2.0, np.float32))])
case("PowBroadcast", [n("Abs", ["x"], ["a"]), n("Pow", ["a", "p"], ["y"])], [3, 4, 5], initializers=[const("p", rand(5) + 1.5)])
case("MaxMin", [n("Max", ["x", "c"], ["m"]), n("Min", ["m", "d"], ["y"])], [3, 4, 5],
     initializers=[const("c", rand(4, 1)), const("d", rand(5))])
case("PRelu", [n("PRelu", ["x", "s"], ["y"])], [3, 4, 5, 2], initializers=[const("s", rand(4, 1, 1))])
case("WhereGreater", [n("Greater", ["x", "c"], ["g"]), n("Where", ["g", "x", "d"], ["y"])], [3, 4, 5],
     initializers=[const("c", rand(5)), const("d", rand(4, 1))])
case("WhereLessEqualCast", [n("LessOrEqual", ["x", "c"], ["le"]), n("Less", ["x", "c"], ["lt"]), n("Equal", ["x", "x"], ["eq"]),
                            n("Cast", ["le"], ["lef"], to=1), n("Cast", ["lt"], ["ltf"], to=1), n("Cast", ["eq"], ["eqf"], to=1),
                            n("Add", ["lef", "ltf"], ["s"]), n("Add", ["s", "eqf"], ["y"])], [3, 4, 5],
     initializers=[const("c", np.array(0.1, np.float32))])
case("CastFloatBool", [n("Cast", ["x"], ["b"], to=9), n("Cast", ["b"], ["f"], to=1), n("Cast", ["x"], ["g"], to=1),
                       n("Add", ["f", "g"], ["y"])], [3, 4, 5])
case("LayerNormalization", [n("LayerNormalization", ["x", "g", "b"], ["y"], epsilon=1e-5)], [3, 4, 8],
     initializers=[const("g", rand(8)), const("b", rand(8))])
case("LayerNormalizationAxis1", [n("LayerNormalization", ["x", "g"], ["y"], axis=1)], [3, 4, 5],
     initializers=[const("g", rand(4, 5))])
case("InstanceNormalization", [n("InstanceNormalization", ["x", "g", "b"], ["y"], epsilon=1e-4)], [2, 3, 4, 5],
     initializers=[const("g", rand(3)), const("b", rand(3))])
# LayerNorm as exporters decompose it before opset 17.
case("LayerNormDecomposed", [n("ReduceMean", ["x"], ["m"], axes=[-1]), n("Sub", ["x", "m"], ["d"]), n("Pow", ["d", "two"], ["p"]),
                             n("ReduceMean", ["p"], ["v"], axes=[-1]), n("Add", ["v", "eps"], ["ve"]), n("Sqrt", ["ve"], ["s"]),
                             n("Div", ["d", "s"], ["nrm"]), n("Mul", ["nrm", "g"], ["sc"]), n("Add", ["sc", "b"], ["y"])], [3, 4, 8],
     initializers=[const("two", np.array(2.0, np.float32)), const("eps", np.array(1e-5, np.float32)), const("g", rand(8)),
                   const("b", rand(8))], opset=13)
case("ReduceMeanOpset18", [n("ReduceMean", ["x", "a"], ["y"], keepdims=0)], [3, 4, 5, 2], initializers=[const("a", i64(1, -1))], opset=18)
case("ReduceSum", [n("ReduceSum", ["x", "a"], ["y"], keepdims=1)], [3, 4, 5], initializers=[const("a", i64(2))])
case("ReduceMaxAll", [n("ReduceMax", ["x"], ["y"], keepdims=0, axes=[1, 2])], [3, 4, 5])
case("ReduceMinL2", [n("ReduceMin", ["x"], ["a"], axes=[2]), n("ReduceL2", ["x"], ["b"], axes=[2]), n("Add", ["a", "b"], ["y"])], [3, 4, 5])
case("LogSoftmax", [n("LogSoftmax", ["x"], ["y"], axis=-1)], [3, 4, 5])
case("GlobalMaxPool", [n("GlobalMaxPool", ["x"], ["y"])], [2, 3, 5, 4])
# nn.Upsample(mode="bilinear"/"nearest") and F.interpolate(align_corners=True), as torch.onnx writes them.
case("ResizeLinear", [n("Resize", ["x", "", "s"], ["y"], mode="linear", coordinate_transformation_mode="half_pixel")], [2, 3, 5, 4],
     initializers=[const("s", np.array([1, 1, 2, 2], np.float32))])
case("ResizeLinearAlignCorners", [n("Resize", ["x", "", "s"], ["y"], mode="linear", coordinate_transformation_mode="align_corners")],
     [2, 3, 5, 4], initializers=[const("s", np.array([1, 1, 3, 2], np.float32))])
case("ResizeLinearPytorchHalfPixel", [n("Resize", ["x", "", "s"], ["y"], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")],
     [2, 3, 5, 1], initializers=[const("s", np.array([1, 1, 1.5, 2], np.float32))])
case("ResizeNearest", [n("Resize", ["x", "", "s"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
     [2, 3, 5, 4], initializers=[const("s", np.array([1, 1, 2, 3], np.float32))])
case("ResizeNearestHalfPixel", [n("Resize", ["x", "", "s"], ["y"], mode="nearest")], [2, 3, 6, 4],
     initializers=[const("s", np.array([1, 1, 0.5, 1.75], np.float32))])
case("ResizeOpset11Roi", [n("Resize", ["x", "roi", "s"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric",
                            nearest_mode="floor")], [2, 3, 5, 4],
     initializers=[const("roi", np.array([], np.float32)), const("s", np.array([1, 1, 2, 2], np.float32))], opset=11)
case("Upsample", [n("Upsample", ["x", "s"], ["y"], mode="nearest")], [2, 3, 5, 4],
     initializers=[const("s", np.array([1, 1, 2, 2], np.float32))], opset=9)
# F.interpolate(size=...) computes sizes from the input's shape.
case("ResizeSizesFromShape", [n("Shape", ["x"], ["sh"]), n("Slice", ["sh", "z", "two"], ["nc"]), n("Concat", ["nc", "hw"], ["sz"], axis=0),
                              n("Resize", ["x", "", "", "sz"], ["y"], mode="linear")], [2, 3, 5, 4],
     initializers=[const("z", i64(0)), const("two", i64(2)), const("hw", i64(7, 9))])
case("Expand", [n("Expand", ["x", "s"], ["y"])], [3, 1, 4], initializers=[const("s", i64(1, 5, 4))])
case("Tile", [n("Tile", ["x", "r"], ["y"])], [3, 2, 4], initializers=[const("r", i64(1, 3, 2))])
case("SplitConcat", [n("Split", ["x", "s"], ["a", "b", "c"], axis=-1), n("Concat", ["c", "a", "b"], ["y"], axis=-1)], [3, 4, 9],
     initializers=[const("s", i64(2, 3, 4))])
case("SplitEqual", [n("Split", ["x"], ["a", "b"], axis=1), n("Sub", ["a", "b"], ["y"])], [3, 4, 5])
case("Gather", [n("Gather", ["x", "i"], ["y"], axis=1)], [3, 4, 5], initializers=[const("i", i64(0, 3, -1, 1).reshape(2, 2))])
case("GatherScalar", [n("Gather", ["x", "i"], ["y"], axis=2)], [3, 4, 5], initializers=[const("i", np.array(-2, np.int64))])
case("MatMulBatchedBroadcast", [n("MatMul", ["x", "w"], ["m"]), n("MatMul", ["m", "v"], ["y"])], [2, 3, 4, 6],
     initializers=[const("w", rand(3, 6, 5)), const("v", rand(5))])
case("MatMulBothDynamic", [n("Transpose", ["x"], ["t"], perm=[0, 2, 1]), n("MatMul", ["x", "t"], ["y"])], [3, 4, 6])
# The shape arithmetic torch.onnx writes for x.reshape(x.shape[0], -1) and torch.ones_like / arange.
case("ReshapeFromShape", [n("Shape", ["x"], ["sh"]), n("Gather", ["sh", "zero"], ["b"], axis=0), n("Unsqueeze", ["b", "ax"], ["bu"]),
                          n("Concat", ["bu", "m1"], ["target"], axis=0), n("Reshape", ["x", "target"], ["y"])], [3, 2, 4, 5],
     initializers=[const("zero", np.array(0, np.int64)), const("ax", i64(0)), const("m1", i64(-1))])
case("ConstantOfShapeRange", [n("Shape", ["x"], ["sh"]), n("ConstantOfShape", ["sh"], ["ones"], value=const("one", np.array([1.5], np.float32))),
                              n("Shape", ["x"], ["sh2"], start=-1), n("Squeeze", ["sh2", "ax"], ["len"]),
                              n("Range", ["zero", "len", "one_i"], ["r"]), n("Cast", ["r"], ["rf"], to=1),
                              n("Mul", ["x", "ones"], ["m"]), n("Add", ["m", "rf"], ["y"])], [3, 4, 5],
     initializers=[const("ax", i64(0)), const("zero", np.array(0, np.int64)), const("one_i", np.array(1, np.int64))], opset=17)
# A causal mask as torch.onnx writes torch.tril(torch.ones(T, T)) == 0 and masked_fill.
case("CausalMaskAttention", [n("Shape", ["x"], ["sh"]), n("Gather", ["sh", "one"], ["t"], axis=0), n("Unsqueeze", ["t", "ax"], ["tu"]),
                             n("Concat", ["tu", "tu"], ["tt"], axis=0), n("ConstantOfShape", ["tt"], ["ones"], value=const("o", np.array([1.0], np.float32))),
                             n("Trilu", ["ones", "k"], ["tri"], upper=0), n("Equal", ["tri", "zf"], ["mask"]),
                             n("Transpose", ["x"], ["xt"], perm=[0, 2, 1]), n("MatMul", ["x", "xt"], ["s"]), n("Div", ["s", "scale"], ["sd"]),
                             n("Where", ["mask", "ninf", "sd"], ["masked"]), n("Softmax", ["masked"], ["p"], axis=-1),
                             n("MatMul", ["p", "x"], ["y"])], [2, 5, 8],
     initializers=[const("one", np.array(1, np.int64)), const("ax", i64(0)), const("k", np.array(0, np.int64)),
                   const("zf", np.array(0.0, np.float32)), const("scale", np.array(np.sqrt(8), np.float32)),
                   const("ninf", np.array(-np.inf, np.float32))])
case("SliceToEnd", [n("Slice", ["x", "s", "e", "a"], ["y"])], [3, 4, 5],
     initializers=[const("s", i64(1)), const("e", i64(np.iinfo(np.int64).max)), const("a", i64(2))])
# What tf2onnx writes for a small Keras CNN on NHWC input: Transposes around Conv, Keras
# Flatten as Shape → Cast(int32) → Slice → Concat → Cast(int64) → Reshape, GlobalAveragePooling2D
# as ReduceMean over H and W, Dense as MatMul + Add.
case("Tf2onnxKerasCNN", [n("Transpose", ["x"], ["xc"], perm=[0, 3, 1, 2]), n("Conv", ["xc", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
                         n("Relu", ["c"], ["r"]), n("Transpose", ["r"], ["rh"], perm=[0, 2, 3, 1]),
                         n("ReduceMean", ["rh"], ["gap"], axes=[1, 2], keepdims=0),
                         n("Shape", ["rh"], ["sh"]), n("Cast", ["sh"], ["sh32"], to=TensorProto.INT32),
                         n("Slice", ["sh32", "s0", "s1"], ["bsz"]), n("Concat", ["bsz", "m1"], ["fs32"], axis=0),
                         n("Cast", ["fs32"], ["fs"], to=TensorProto.INT64), n("Reshape", ["rh", "fs"], ["flat"]),
                         n("MatMul", ["flat", "d1"], ["h"]), n("Add", ["h", "e1"], ["ha"]), n("Identity", ["ha"], ["hi"]),
                         n("MatMul", ["gap", "d2"], ["g"]), n("Add", ["hi", "g"], ["z"]), n("Softmax", ["z"], ["y"], axis=-1)],
     [2, 6, 6, 3], opset=13,
     initializers=[const("w", rand(4, 3, 3, 3)), const("b", rand(4)), const("s0", np.array([0], np.int32)),
                   const("s1", np.array([1], np.int32)), const("m1", np.array([-1], np.int32)), const("d1", rand(144, 5)),
                   const("e1", rand(5)), const("d2", rand(4, 5))])
case("LogicRuntime", [n("GreaterOrEqual", ["x", "c"], ["ge"]), n("Less", ["x", "d"], ["lt"]), n("And", ["ge", "lt"], ["a"]),
                      n("Or", ["ge", "lt"], ["o"]), n("Not", ["a"], ["na"]), n("Where", ["na", "x", "c"], ["w"]),
                      n("Where", ["o", "w", "d"], ["y"])], [3, 4, 5],
     initializers=[const("c", np.array(-0.2, np.float32)), const("d", rand(5))])
case("ReduceProdSumSquare", [n("ReduceProd", ["x"], ["p"], axes=[1], keepdims=1), n("ReduceSumSquare", ["x"], ["s"], axes=[1], keepdims=1),
                             n("Add", ["p", "s"], ["y"])], [3, 4, 5])
# Size, Mod and Xor folded while planning: y = x * (Size(x) mod 7) + (xor of two masks).
case("SizeModXorFolded", [n("Size", ["x"], ["sz"]), n("Mod", ["sz", "seven"], ["m"]), n("Cast", ["m"], ["mf"], to=1),
                          n("Xor", ["b1", "b2"], ["xo"]), n("Cast", ["xo"], ["xf"], to=1), n("Mul", ["x", "mf"], ["t"]),
                          n("Add", ["t", "xf"], ["y"])], [3, 4, 5],
     initializers=[const("seven", np.array(7, np.int64)), const("b1", np.array([True, False, True, False, True])),
                   const("b2", np.array([True, True, False, False, True]))])
# Opset 9 as older torch.onnx exports write it: Slice bounds and Upsample scales as attributes.
case("SliceOpset9ToEnd", [n("Slice", ["x"], ["y"], starts=[1, -3], ends=[np.iinfo(np.int64).max, np.iinfo(np.int64).max], axes=[1, 2])],
     [3, 4, 5], opset=9)
case("UpsampleOpset7", [n("Upsample", ["x"], ["y"], mode="linear", scales=[1.0, 1.0, 2.0, 1.5])], [2, 3, 4, 4], opset=7)
