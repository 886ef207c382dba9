#!/usr/bin/env python3
"""PyTorch's side of the `conv_*` rows of `hone bench kernels`.

The same layer shapes as the kernels suite (the convolutions of workloads W2 and W3),
timed the same way: forward + backward of the convolution with bias, the input's
gradient only where the layer is not the first, 2 untimed calls then the median of
single calls over at least 5 calls and `--min-seconds`; GFLOP/s counted as
2 · multiply-adds · passes (passes 3 with the input gradient, else 2), and forward-only
under `torch.no_grad()`. Prints JSON in the shape of `hone bench kernels --json`.

    python conv_kernels.py --out conv.json
"""

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

# name, input [N, C, H, W], weight [O, C, kH, kW], stride, padding, input needs gradient
SHAPES = [
    ("conv_W2_1", [64, 1, 28, 28], [32, 1, 3, 3], 1, 1, False),
    ("conv_W2_2", [64, 32, 14, 14], [64, 32, 3, 3], 1, 1, True),
    ("conv_W3_stem", [128, 3, 32, 32], [16, 3, 3, 3], 1, 1, False),
    ("conv_W3_stage1", [128, 16, 32, 32], [16, 16, 3, 3], 1, 1, True),
    ("conv_W3_stage2_down", [128, 16, 32, 32], [32, 16, 3, 3], 2, 1, True),
    ("conv_W3_stage2", [128, 32, 16, 16], [32, 32, 3, 3], 1, 1, True),
    ("conv_W3_stage3", [128, 64, 8, 8], [64, 64, 3, 3], 1, 1, True),
]


def median_seconds(body, min_seconds, warmup=2, min_runs=5):
    for _ in range(warmup):
        body()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="write the JSON here as well as to standard output")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)

    results = []
    for name, input_shape, weight_shape, stride, padding, input_grad in SHAPES:
        x = (torch.rand(input_shape, generator=generator) * 2 - 1).requires_grad_(input_grad)
        w = ((torch.rand(weight_shape, generator=generator) * 2 - 1) * 0.1).requires_grad_()
        bias = torch.zeros(weight_shape[0], requires_grad=True)

        def forward():
            return F.conv2d(x, w, bias, stride=stride, padding=padding)

        with torch.no_grad():
            out = forward()
        gradient = torch.ones_like(out)
        macs = out.numel() * weight_shape[1] * weight_shape[2] * weight_shape[3]
        passes = 3 if input_grad else 2

        def step():
            forward().backward(gradient)
            x.grad = w.grad = bias.grad = None

        def infer():
            with torch.no_grad():
                forward()

        both = median_seconds(step, args.min_seconds)
        forward_only = median_seconds(infer, args.min_seconds)
        results.append({"workload": name, "metric": "gflops", "value": 2 * macs * passes / both / 1e9})
        results.append({"workload": name, "metric": "forward_gflops", "value": 2 * macs / forward_only / 1e9})
        results.append({"workload": name, "metric": "forward_backward_ms", "value": both * 1e3})
    text = json.dumps({"suite": "kernels", "threads": args.threads, "torch": torch.__version__, "results": results})
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
