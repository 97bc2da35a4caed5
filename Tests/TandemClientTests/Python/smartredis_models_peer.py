#!/usr/bin/env python3
"""The real SmartRedis 0.6.1 Python client storing and running models, as a peer for
TandemClient's cluster tests (Tests/TandemClientTests/ClusterInteroperabilityTests.swift).

    smartredis_models_peer.py set-model NAME PATH        store an ONNX model file
    smartredis_models_peer.py run NAME INPUT OUTPUT V... put V... as float32 [1, n] under INPUT,
                                                         run NAME, print OUTPUT as JSON
    smartredis_models_peer.py get-model NAME             print the model's bytes as hex
    smartredis_models_peer.py exists NAME                print whether the model exists

The client is built from the environment (SSDB, SR_DB_TYPE), as SmartSim programs do.
"""
import json
import sys

import numpy as np
from smartredis import Client


def main():
    client = Client(None)
    action, name = sys.argv[1], sys.argv[2]
    if action == "set-model":
        client.set_model_from_file(name, sys.argv[3], "ONNX", "CPU")
        print(json.dumps({"stored": name}))
    elif action == "run":
        source, target = sys.argv[3], sys.argv[4]
        values = np.array([[float(v) for v in sys.argv[5:]]], dtype=np.float32)
        client.put_tensor(source, values)
        client.run_model(name, [source], [target])
        print(json.dumps({"output": client.get_tensor(target).ravel().tolist()}))
    elif action == "get-model":
        print(json.dumps({"hex": bytes(client.get_model(name)).hex()}))
    elif action == "exists":
        print(json.dumps({"exists": bool(client.model_exists(name))}))
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main()
