"""DiffusionResNet built in Keras and exported to ONNX by tf2onnx, the third producer the fast path recognizes.

The network is keras_accuracy.py's builder (Documentation/HeatDiffusion.md's
DiffusionResNet, NHWC), imported rather than copied. Its weights are drawn from `--seed`
with NumPy, layer by layer in the model's order: kernels uniform in ±sqrt(6 / (fan_in +
fan_out)) (Glorot), biases in ±0.3, batch normalisation's gamma in [0.5, 1.5], beta and
moving mean in ±0.3, moving variance in [0.5, 2] (the defaults would make every
normalisation the identity, which tf2onnx folds away). The model is traced as a
`tf.function` with a dynamic batch (input name `input`) and converted with
`tf2onnx.convert.from_function` at `--opset`; the file written is tf2onnx's output
unchanged. With `--batch B` it also writes a random input (uniform in [0, 1), from
`--seed` + 1) and Keras' output for it next to the model, raw float32 NHWC, as
`NAME.input.bin` and `NAME.output.bin` for `--out NAME.onnx`. Prints one JSON line.

The size must be a multiple of 2^depth: Keras' transposed convolutions double the grid,
and the skip connections must meet encoder levels of the same size.

The ONNX fixtures in Tests/TandemONNXTests/Fixtures (keras-tf2onnx-*.onnx) are this
script's output; regenerate them with the commands in that folder's README.md.

tf2onnx writes negative `ConvTranspose` pads for Keras' 1×1 stride-2 transposed
convolutions: onnxruntime 1.26 runs the model, onnxruntime 1.32 refuses it (the
tests give it the same computation with `output_padding`).

Not part of the test suite (it needs TensorFlow, which the project does not install).
Tested with tensorflow-cpu 2.21.0 (Keras 3.15), tf2onnx 1.17.0, onnx 1.23 (the newest on
PyPI, installed unpinned), and with tensorflow-cpu 2.15.1 (Keras 2.15), tf2onnx 1.16.1 and
numpy<2, whose output has another form (Tests/TandemONNXTests/Fixtures/README.md):

    python3 -m venv /tmp/tf2onnx && /tmp/tf2onnx/bin/pip install tensorflow-cpu tf2onnx onnx numpy
    /tmp/tf2onnx/bin/python scripts/reference/keras_tf2onnx_export.py --out model.onnx --depth 4 --size 64
"""

import argparse
import json
import os
import sys

import numpy as np

# keras_accuracy sets TF_ENABLE_ONEDNN_OPTS=0 (oneDNN crashed TensorFlow 2.21 on this model) before importing Keras.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_accuracy import diffusion_resnet  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402


def seeded_weights(model, seed):
    """Sets every layer's weights from `seed` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = (w.shape for w in weights)
            layer.set_weights([rng.uniform(0.5, 1.5, gamma), rng.uniform(-0.3, 0.3, beta),
                               rng.uniform(-0.3, 0.3, mean), rng.uniform(0.5, 2, variance)])
        else:   # Conv2D [k, k, in, out] and Conv2DTranspose [k, k, out, in], then the bias
            kernel, bias = weights
            k = kernel.shape[0]
            limit = np.sqrt(6 / (k * k * (kernel.shape[2] + kernel.shape[3])))
            layer.set_weights([rng.uniform(-limit, limit, kernel.shape), rng.uniform(-0.3, 0.3, bias.shape)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--batch", type=int, default=0)
    args = parser.parse_args()
    if args.depth < 1 or args.size % 2**args.depth != 0:
        parser.error(f"--size {args.size} is not a multiple of 2^{args.depth}")

    model = diffusion_resnet(args.size, args.depth, args.channels)
    seeded_weights(model, args.seed)
    spec = (tf.TensorSpec((None, args.size, args.size, args.channels), tf.float32, name="input"),)

    @tf.function(input_signature=spec)
    def infer(x):
        return model(x, training=False)

    tf2onnx.convert.from_function(infer, input_signature=spec, opset=args.opset, output_path=args.out)
    if args.batch > 0:
        stem = os.path.splitext(args.out)[0]
        x = np.random.default_rng(args.seed + 1).random((args.batch, args.size, args.size, args.channels), dtype=np.float32)
        y = infer(tf.constant(x)).numpy().astype(np.float32)
        x.tofile(stem + ".input.bin")
        y.tofile(stem + ".output.bin")
    print(json.dumps({"tensorflow": tf.__version__, "keras": keras.__version__, "tf2onnx": tf2onnx.__version__,
                      "depth": args.depth, "size": args.size, "channels": args.channels, "seed": args.seed,
                      "opset": args.opset, "bytes": os.path.getsize(args.out)}))


if __name__ == "__main__":
    main()
