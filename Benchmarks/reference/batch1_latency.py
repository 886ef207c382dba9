#!/usr/bin/env python3
"""PyTorch's single-sample inference latency for workloads W2, W3 and W4.

The reference side of the `infer_latency_p50_ms` / `infer_latency_p99_ms` metrics of
`hone bench train`: the same models as the reference workload script (imported from it,
so the architectures cannot drift), in eval mode under `torch.inference_mode()`, one
sample per call, seed 0. Like Hone's suite it runs max(warmup, 10) untimed calls, then
times `--calls` single calls one by one and reports the nearest-rank 50th and 99th
percentiles in milliseconds, as JSON in the shape of `hone bench train --json`.

    python batch1_latency.py --workloads-script PATH/torch_workloads.py --out latency.json
"""

import argparse
import importlib.util
import json
import math
import time

import torch


def load_reference(path):
    """The reference workload script as a module (its models and make_workload)."""
    spec = importlib.util.spec_from_file_location("torch_workloads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def percentile(sorted_times, p):
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(p * len(sorted_times)))
    return sorted_times[min(len(sorted_times), rank) - 1]


def latency(reference, name, calls, warmup):
    """(p50, p99) seconds of single-sample forward calls of workload `name`."""
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model, _, inputs, _, _, _ = reference.make_workload(name, generator)
    model.eval()
    sample = inputs[:1].clone()
    times = []
    with torch.inference_mode():
        for _ in range(max(warmup, 10)):
            model(sample)
        for _ in range(calls):
            start = time.perf_counter()
            model(sample)
            times.append(time.perf_counter() - start)
    times.sort()
    return percentile(times, 0.5), percentile(times, 0.99)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads-script", required=True, help="path of the reference torch_workloads.py")
    parser.add_argument("--workloads", default="w2,w3,w4", help="comma-separated subset of w2,w3,w4")
    parser.add_argument("--calls", type=int, default=300, help="timed single-sample calls per workload")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first (10 at least)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="write the JSON here as well as to standard output")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    reference = load_reference(args.workloads_script)
    results = []
    for name in args.workloads.split(","):
        p50, p99 = latency(reference, name.strip().lower(), args.calls, args.warmup)
        workload = name.strip().upper()
        results.append({"workload": workload, "metric": "infer_latency_p50_ms", "value": p50 * 1e3})
        results.append({"workload": workload, "metric": "infer_latency_p99_ms", "value": p99 * 1e3})
    report = {"suite": "train", "threads": args.threads, "torch": torch.__version__, "results": results}
    text = json.dumps(report)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
