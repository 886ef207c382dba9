"""Writes the safetensors fixtures read by SafetensorsTests (needs numpy and safetensors).

sequential.safetensors: the state dict of Sequential(Linear(3, 2), BatchNorm1d(2)) as
PyTorch names it, with num_batches_tracked stored as I64 the way PyTorch saves it.
dtypes.safetensors: one tensor per element type the reader converts.
Values follow simple formulas so the Swift test can recompute them.
"""
import numpy as np
from safetensors.numpy import save_file

weight = (np.arange(6, dtype=np.float32).reshape(2, 3) * 0.1 - 0.25).astype(np.float32)
state = {
    "0.weight": weight,
    "0.bias": np.array([0.5, -1.5], dtype=np.float32),
    "1.weight": np.array([2.0, 3.0], dtype=np.float32),
    "1.bias": np.array([-0.125, 0.25], dtype=np.float32),
    "1.running_mean": np.array([0.75, -0.5], dtype=np.float32),
    "1.running_var": np.array([1.5, 4.0], dtype=np.float32),
    "1.num_batches_tracked": np.array(7, dtype=np.int64),
}
save_file(state, "sequential.safetensors", metadata={"format": "pt"})

dtypes = {
    "f64": np.array([1.0 / 3.0, -2.5e10], dtype=np.float64),
    "f16": np.array([1.0, -2.0, 0.333251953125, 6.0e-8, 65504.0, np.inf], dtype=np.float16),
    "i64": np.array([[-3, 4], [5, -6]], dtype=np.int64),
    "i32": np.array([2147483647, -7], dtype=np.int32),
    "u8": np.array([0, 255, 17], dtype=np.uint8),
    "i8": np.array([-128, 127], dtype=np.int8),
}
save_file(dtypes, "dtypes.safetensors")
