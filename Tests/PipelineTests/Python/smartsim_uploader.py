"""A producer written against the SmartRedis Python client with SmartSim's ML conventions
(smartsim.ml.TrainingDataUploader): an info dataset, then batches appended to a list.

Usage: SSDB=... SSKEYOUT=py_sim python smartsim_uploader.py SIZE BATCHES PER_BATCH
Each sample is filled with its global index, the target with index + 0.5."""
import sys
import numpy as np
from smartredis import Client, Dataset

size, batches, per_batch = (int(a) for a in sys.argv[1:4])
client = Client(cluster=False)
client.use_list_ensemble_prefix(True)
info = Dataset("training_data_info")
info.add_meta_string("sample_name", "samples")
info.add_meta_string("target_name", "targets")
client.put_dataset(info)
for b in range(batches):
    ids = np.arange(b * per_batch, (b + 1) * per_batch, dtype=np.float32)
    samples = np.broadcast_to(ids[:, None, None, None], (per_batch, size, size, 1)).astype(np.float32)
    ds = Dataset(f"training_samples_{b}")
    ds.add_tensor("samples", samples)
    ds.add_tensor("targets", samples + 0.5)
    client.put_dataset(ds)
    client.append_to_list("training_data", ds)
print("uploaded", batches)
