"""Writes torch_reference.safetensors: PyTorch forward values and gradients that
TorchReferenceTests compares Hone against (needs torch, numpy and safetensors).

Each case stores its parameters under "<case>.param.<PyTorch name>", its inputs, the
output, and the gradients of sum(output * output_weights) under "<case>.grad.<name>".
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import save_file

torch.manual_seed(0)
out = {}


def put(name, tensor):
    out[name] = tensor.detach().to(torch.float32).contiguous().numpy()


def record(case, module, inputs, run):
    """Runs `run(*inputs)`, backpropagates against fixed random weights, stores everything."""
    for name, p in module.state_dict().items():
        put(f"{case}.param.{name}", p)
    for name, x in inputs.items():
        put(f"{case}.input.{name}", x)
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v.is_floating_point() and k != "mask"}
    args = {k: leaves.get(k, v) for k, v in inputs.items()}
    y = run(**args)
    w = torch.rand(y.shape) * 2 - 1
    (y * w).sum().backward()
    put(f"{case}.output", y)
    put(f"{case}.output_weights", w)
    for name, x in leaves.items():
        put(f"{case}.grad.input.{name}", x.grad)
    for name, p in module.named_parameters():
        put(f"{case}.grad.{name}", p.grad)


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape) - 0.5)


# Post-norm encoder layer (ReLU) with a key-padding mask.
post = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=False)
randomize(post)
post_mask = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
record("post", post, {"x": torch.randn(2, 5, 8), "mask": post_mask.float()},
       lambda x, mask: post(x, src_key_padding_mask=mask.bool()))

# Pre-norm encoder layer (GELU), causal.
pre = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
randomize(pre)
causal = nn.Transformer.generate_square_subsequent_mask(4)
record("pre", pre, {"x": torch.randn(2, 4, 8)}, lambda x: pre(x, src_mask=causal, is_causal=True))

# Cross-attention with an additive mask.
attention = nn.MultiheadAttention(8, 2, batch_first=True)
randomize(attention)
additive = torch.zeros(3, 4)
additive[0, 2] = float("-inf")
additive[1, 0] = -1.5
additive[2, 3] = 0.75
record("cross", attention, {"query": torch.randn(2, 3, 8), "key": torch.randn(2, 4, 8), "value": torch.randn(2, 4, 8)},
       lambda query, key, value: attention(query, key, value, attn_mask=additive, need_weights=False)[0])

# BatchNorm2d in training mode (running statistics after one step are stored too).
norm = nn.BatchNorm2d(3)
randomize(norm)
before = {k: v.clone() for k, v in norm.state_dict().items()}
record("batchnorm", norm, {"x": torch.randn(4, 3, 2, 3) * 2 + 1}, lambda x: norm(x))
for name in ["running_mean", "running_var"]:
    put(f"batchnorm.param.{name}", before[name])
    put(f"batchnorm.after.{name}", norm.state_dict()[name])


# The residual block of the benchmark's ResNet-mini, stride 2 with projection, training mode.
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


block = BasicBlock(2, 4, 2)
randomize(block)
record("block", block, {"x": torch.randn(3, 2, 6, 6)}, lambda x: block(x))

# Cross-entropy with class weights and label smoothing.
logits = torch.randn(6, 5)
targets = torch.tensor([0, 4, 2, 2, 1, 3])
class_weights = torch.tensor([0.5, 2.0, 1.0, 3.0, 0.25])
leaf = logits.clone().requires_grad_(True)
loss = F.cross_entropy(leaf, targets, weight=class_weights, label_smoothing=0.2)
loss.backward()
put("crossentropy.input.logits", logits)
put("crossentropy.input.targets", targets.float())
put("crossentropy.input.class_weights", class_weights)
put("crossentropy.output", loss)
put("crossentropy.grad.input.logits", leaf.grad)

save_file(out, "torch_reference.safetensors", metadata={"torch": torch.__version__})
