#!/usr/bin/env python3
"""The PyTorch twin of `examples/fashion-mnist-best.json`, for time-to-accuracy.

Same recipe as the Hone config, written out by hand:
- data: the 60,000 Fashion-MNIST training images, nothing held out; per-channel
  standardization fitted on the training images (Hone's `"scaling": "standardize"`);
- augmentation on the raw [0, 1] pixels, before standardization, in Hone's order:
  random crop with 2 pixels of zero padding, horizontal flip (p 0.5), random erasing
  (p 0.25, area 0.02-0.33, aspect 0.3-3.3, value 0);
- model: conv 3x3 1->32 (no bias) + BN + ReLU, max pool 2, a basic residual block
  32->64 (1x1 projection shortcut with BN), a basic residual block 64->128 with stride 2,
  a basic residual block 128->128 (identity shortcut), a basic residual block 128->256 with
  stride 2 (7x7 -> 4x4), global average pooling, linear 256->10;
- SGD (momentum 0.9, Nesterov, weight decay 5e-4), one-cycle to 0.1 stepped per batch
  (PyTorch's defaults: 30% rising, div 25, final div 1e4, momentum 0.85-0.95), batch 128,
  shuffled every epoch, the last partial batch kept, cross-entropy with label smoothing 0.1;
- after every epoch the test accuracy (10,000 images, eval mode), measured outside the
  timed training pass, as Hone's `"validate_on_test": true` does.

Augmentation is done on whole batches with tensor operations in the training process (the
fastest way for PyTorch here: no worker processes to feed). Prints one line per epoch and
writes JSON: per-epoch training seconds and test accuracy, the cumulative training seconds
at which the test accuracy first reached each `--targets` value, and the final accuracy.

    python fashion_mnist_best.py --data-dir DIR [--epochs 40] [--stop-at 0.93] --out twin.json
"""

import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split):
    images = load_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = load_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1).contiguous(), torch.from_numpy(labels)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        BasicBlock(32, 64, 1),
        BasicBlock(64, 128, 2),
        BasicBlock(128, 128, 1),
        BasicBlock(128, 256, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(256, 10),
    )


ERASE_PROBABILITY = 0.25


def augment(x, gen):
    """Crop (pad 2), flip and erase a batch of raw images [B, 1, 28, 28] in one go."""
    b, _, h, w = x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    tops = torch.randint(0, 5, (b,), generator=gen)
    lefts = torch.randint(0, 5, (b,), generator=gen)
    rows = (tops[:, None] + torch.arange(h)[None, :])  # B x H
    cols = (lefts[:, None] + torch.arange(w)[None, :])  # B x W
    out = padded[torch.arange(b)[:, None, None], 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)
    flip = torch.rand(b, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    # Random erasing, torchvision's rule: up to 10 tries for a rectangle that fits.
    erase = (torch.rand(b, generator=gen) < ERASE_PROBABILITY).nonzero().flatten().tolist()
    for i in erase:
        for _ in range(10):
            area = h * w * (0.02 + (0.33 - 0.02) * torch.rand(1, generator=gen).item())
            log_ratio = np.log(0.3) + (np.log(3.3) - np.log(0.3)) * torch.rand(1, generator=gen).item()
            ratio = float(np.exp(log_ratio))
            eh, ew = int(round((area * ratio) ** 0.5)), int(round((area / ratio) ** 0.5))
            if not (1 <= eh < h and 1 <= ew < w):
                continue
            top = int(torch.randint(0, h - eh + 1, (1,), generator=gen))
            left = int(torch.randint(0, w - ew + 1, (1,), generator=gen))
            out[i, :, top:top + eh, left:left + ew] = 0
            break
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True, help="directory with the Fashion-MNIST IDX .gz files")
    p.add_argument("--epochs", type=int, default=40, help="length of the one-cycle schedule")
    p.add_argument("--stop-at", type=float, default=None,
                   help="stop once the test accuracy reaches this value (the schedule keeps its full length)")
    p.add_argument("--targets", default="0.93,0.945", help="accuracies whose time-to-accuracy is reported")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="JSON file for the results")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    xtr, ytr = load(args.data_dir, "train")
    xte, yte = load(args.data_dir, "t10k")
    mean, std = xtr.mean().item(), xtr.std(unbiased=False).item()
    xte_scaled = (xte - mean) / std

    model = make_model()
    batch = 128
    steps = (len(xtr) + batch - 1) // batch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=args.epochs * steps)
    targets = [float(t) for t in args.targets.split(",")]
    reached = {}
    epochs, trained = [], 0.0

    def test_accuracy():
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xte_scaled), 1000):
                correct += (model(xte_scaled[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
        return correct / len(xte_scaled)

    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        start = time.perf_counter()
        loss_sum = 0.0
        for i in range(0, len(xtr), batch):
            index = order[i:i + batch]
            inputs = (augment(xtr[index], gen) - mean) / std
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(inputs), ytr[index], label_smoothing=0.1)
            loss.backward()
            opt.step()
            schedule.step()
            loss_sum += loss.item() * len(index)
        seconds = time.perf_counter() - start
        trained += seconds
        accuracy = test_accuracy()
        for target in targets:
            if accuracy >= target and target not in reached:
                reached[target] = trained
        epochs.append({"epoch": epoch, "seconds": seconds, "train_loss": loss_sum / len(xtr), "test_accuracy": accuracy})
        print(f"epoch {epoch}: loss {loss_sum / len(xtr):.4f} test accuracy {accuracy:.4f} {seconds:.1f}s "
              f"(trained {trained:.1f}s)", flush=True)
        if args.stop_at is not None and accuracy >= args.stop_at:
            break

    result = {
        "recipe": "examples/fashion-mnist-best.json (PyTorch twin)", "torch": torch.__version__, "threads": args.threads,
        "epochs": epochs, "training_seconds": trained, "final_test_accuracy": epochs[-1]["test_accuracy"],
        "seconds_to_accuracy": {str(t): reached.get(t) for t in targets},
    }
    print(json.dumps(result["seconds_to_accuracy"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
