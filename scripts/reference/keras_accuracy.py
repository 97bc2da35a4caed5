"""The tutorial network's accuracy protocol in Keras, on the very data TandemNN trains on.

`tandem-bench train --cases accuracy --seed N --save-data DIR` writes the 1,600 augmented
training samples and the 100 fresh test simulations; this script builds DiffusionResNet
as Documentation/HeatDiffusion.md states it, trains it as the tutorial does (Adam, 0.01 * 0.9^floor(step/80),
MAE, batch 50, 40 epochs, shuffled) and prints one JSON line with the test MAE, so the
Swift and the Keras figures come from the same training and test sets.

Not part of the test suite (it needs TensorFlow, which the project does not install):

    python3 -m venv /tmp/keras && /tmp/keras/bin/pip install tensorflow-cpu
    /tmp/keras/bin/python scripts/reference/keras_accuracy.py DIR --seed N
"""

import argparse
import json
import os
import time

import numpy as np

# TensorFlow 2.21's oneDNN kernels crashed (SIGSEGV) training this model on our machines.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import keras  # noqa: E402
from keras import layers  # noqa: E402


def res_block(x, filters, stride, transpose):
    """ResBlock / ResBlockTranspose of Documentation/HeatDiffusion.md."""
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    a = conv(filters, 3, strides=stride, padding="same", activation="selu")(x)
    a = layers.BatchNormalization()(a)
    a = conv(filters, 3, strides=1, padding="same")(a)
    b = conv(filters, 1, strides=stride, padding="same")(x)
    return layers.BatchNormalization()(layers.Activation("selu")(layers.Add()([a, b])))


def diffusion_resnet(size, depth, channels=1):
    """DiffusionResNet(depth) of Documentation/HeatDiffusion.md, NHWC."""
    x = keras.Input((size, size, channels))
    skips = [layers.Conv2D(channels * 2**i, 3, padding="same", activation="selu") for i in range(depth)]
    r = [None, layers.SpatialDropout2D(0.4)(res_block(x, channels * 2, 2, False))]
    for i in range(2, depth + 1):
        r.append(res_block(r[i - 1], channels * 2**i, 2, False))
    z = res_block(r[depth], channels * 2 ** (depth - 1), 2, True)
    for i in range(1, depth):
        z = layers.Activation("selu")(layers.Add()([z, skips[depth - i](r[depth - i])]))
        z = res_block(z, channels * 2 ** (depth - i - 1), 2, True)
    z = layers.Activation("selu")(layers.Add()([skips[0](x), z]))
    out = layers.BatchNormalization()(layers.SpatialDropout2D(0.4)(z))
    return keras.Model(x, out)


def load(folder, name, size):
    return np.fromfile(os.path.join(folder, name + ".f32"), dtype="<f4").reshape(-1, size, size, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder written by tandem-bench train --save-data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    train_x, train_y = load(args.data, "train_inputs", args.size), load(args.data, "train_targets", args.size)
    test_x, test_y = load(args.data, "test_inputs", args.size), load(args.data, "test_targets", args.size)
    model = diffusion_resnet(args.size, args.depth)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=80, decay_rate=0.9, staircase=True)
    model.compile(optimizer=keras.optimizers.Adam(schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
                  loss="mean_absolute_error")
    start = time.time()
    history = model.fit(train_x, train_y, batch_size=args.batch, epochs=args.epochs, shuffle=True, verbose=0)
    seconds = time.time() - start
    prediction = model.predict(test_x, batch_size=args.batch, verbose=0)
    print(json.dumps({
        "bench": "keras-reference", "case": "accuracy", "seed": args.seed, "depth": args.depth,
        "parameters": model.count_params(),
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "samples": len(train_x), "epochs": args.epochs, "test_simulations": len(test_x),
        "final_train_loss": float(history.history["loss"][-1]),
        "test_mae": float(np.mean(np.abs(prediction - test_y))),
        "zeros_mae": float(np.mean(np.abs(test_y))),
        "identity_mae": float(np.mean(np.abs(test_y - test_x))),
        "train_s": seconds, "per_s": len(train_x) * args.epochs / seconds,
    }))


if __name__ == "__main__":
    main()
