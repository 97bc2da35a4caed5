"""A consumer written against the SmartRedis Python client with SmartSim's conventions:
reads one simulation dataset and the training list of the producer named by SSKEYIN.

Usage: SSDB=... SSKEYIN=fd_simulation_0 python smartsim_reader.py SIM_INDEX
Prints: u_init shape and sum, u_steady sum, list length, first batch's sample shape and
target sum."""
import sys
import numpy as np
from smartredis import Client

client = Client(cluster=False)
client.use_list_ensemble_prefix(True)
ds = client.get_dataset(f"sim_data_{sys.argv[1]}")
u_init, u_steady = ds.get_tensor("u_init"), ds.get_tensor("u_steady")
n = client.get_list_length("training_data")
first = client.get_dataset_list_range("training_data", 0, 0)[0]
samples, targets = first.get_tensor("samples"), first.get_tensor("targets")
print(list(u_init.shape), repr(float(u_init.sum(dtype=np.float64))), repr(float(u_steady.sum(dtype=np.float64))),
      n, list(samples.shape), repr(float(targets.sum(dtype=np.float64))))
