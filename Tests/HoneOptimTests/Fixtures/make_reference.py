"""Writes ../ReferenceValues.swift: PyTorch's optimizer trajectories and learning-rate
sequences that the Swift tests compare against. The tests themselves never run Python.

Run with numpy and torch installed:  python make_reference.py
"""
import math
import pathlib

import torch

STEPS = 5
INITIAL_WEIGHT = [[0.5, -1.2, 0.8], [1.5, -0.3, 0.0]]
INITIAL_BIAS = [0.2, -0.7, 1.1]
TARGET_WEIGHT = [[1.0, 0.5, -0.5], [0.0, 2.0, 1.0]]
TARGET_BIAS = [-1.0, 0.5, 0.3]
SCALE_WEIGHT = [[1.0, 2.0, 0.5], [3.0, 1.5, 0.25]]


def loss_of(weight, bias):
    """The fixed problem; mirrored in OptimizerReferenceTests.swift."""
    target_weight = torch.tensor(TARGET_WEIGHT)
    target_bias = torch.tensor(TARGET_BIAS)
    scale = torch.tensor(SCALE_WEIGHT)
    return (
        (scale * (weight - target_weight) ** 2).sum()
        + 0.1 * (weight**4).sum()
        + ((bias - target_bias) ** 2).sum()
        + 0.3 * (weight * bias).sum()
    )


OPTIMIZER_CASES = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_weight_decay": lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1),
    "sgd_momentum_weight_decay": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.1),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "sgd_nesterov_weight_decay": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    "sgd_groups": lambda p: torch.optim.SGD(
        [{"params": [p[0]], "lr": 0.01, "weight_decay": 0.2}, {"params": [p[1]]}], lr=0.1, momentum=0.5
    ),
    "adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "adam_weight_decay": lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.5), amsgrad=True),
    "adam_amsgrad_weight_decay": lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.5), amsgrad=True, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1),
    "adamw_weight_decay": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.5),
    "adamw_amsgrad": lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.8, 0.5), weight_decay=0.5, amsgrad=True),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "rmsprop_weight_decay": lambda p: torch.optim.RMSprop(p, lr=0.01, weight_decay=0.1),
    "rmsprop_centered": lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True),
    "rmsprop_momentum": lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9),
    "rmsprop_centered_momentum_weight_decay": lambda p: torch.optim.RMSprop(
        p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1
    ),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "adagrad_weight_decay": lambda p: torch.optim.Adagrad(p, lr=0.1, weight_decay=0.1),
    "adagrad_decay_accumulator": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5),
}


def trajectory(make):
    weight = torch.tensor(INITIAL_WEIGHT, requires_grad=True)
    bias = torch.tensor(INITIAL_BIAS, requires_grad=True)
    optimizer = make([weight, bias])
    rows = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss_of(weight, bias).backward()
        optimizer.step()
        rows.append(weight.detach().flatten().tolist() + bias.detach().tolist())
    return rows


def learning_rates(make_scheduler, steps, metrics=None, key="lr"):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=0.1, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    values = [] if metrics is not None else [optimizer.param_groups[0][key]]
    for index in range(steps if metrics is None else len(metrics)):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[index])
        values.append(optimizer.param_groups[0][key])
    return values


PLATEAU_METRICS_MIN = [1.0, 0.9, 0.91, 0.9, 0.95, 0.89999, 0.8, 0.85, 0.86, 0.87, 0.88, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
PLATEAU_METRICS_MAX = [0.5, 0.6, 0.6, 0.65, 0.66, 0.655, 0.7, 0.69, 0.71, 0.70, 0.69, 0.68, 0.67]

SCHEDULE_CASES = {
    "step": lambda: learning_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 12),
    "multi_step": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 12
    ),
    "exponential": lambda: learning_rates(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 12),
    "cosine": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 25
    ),
    "warm_restarts": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01), 25
    ),
    "warm_restarts_constant_period": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.0), 13
    ),
    "linear_warmup": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4), 8
    ),
    "one_cycle": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), 19
    ),
    "one_cycle_momentum": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), 19, key="momentum"
    ),
    "one_cycle_linear": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20, anneal_strategy="linear"), 19
    ),
    "one_cycle_three_phase": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.1, total_steps=20, three_phase=True, pct_start=0.25
        ),
        19,
    ),
    "plateau_min": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.02
        ),
        0,
        metrics=PLATEAU_METRICS_MIN,
    ),
    "plateau_max_absolute": lambda: learning_rates(
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, mode="max", factor=0.2, patience=1, threshold=0.02, threshold_mode="abs"
        ),
        0,
        metrics=PLATEAU_METRICS_MAX,
    ),
}


def swift_floats(values):
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def main():
    lines = [
        "// Generated by Fixtures/make_reference.py with PyTorch " + torch.__version__.split("+")[0] + "; do not edit.",
        "",
        "/// PyTorch's results on the fixed problems of the reference tests.",
        "enum Reference {",
        "    /// Parameters (weight [2, 3] then bias [3], flattened) after each of the first steps.",
        "    static let trajectories: [String: [[Float]]] = [",
    ]
    for name, make in OPTIMIZER_CASES.items():
        rows = trajectory(make)
        lines.append(f'        "{name}": [')
        lines.extend(f"            {swift_floats(row)}," for row in rows)
        lines.append("        ],")
    lines.append("    ]")
    lines.append("")
    lines.append("    /// Learning rates (or momentum) at steps 0, 1, … (after each metric, for plateaus).")
    lines.append("    static let schedules: [String: [Float]] = [")
    for name, run in SCHEDULE_CASES.items():
        lines.append(f'        "{name}": {swift_floats(run())},')
    lines.append("    ]")
    lines.append("")
    lines.append(f"    static let plateauMetricsMin: [Float] = {swift_floats(PLATEAU_METRICS_MIN)}")
    lines.append(f"    static let plateauMetricsMax: [Float] = {swift_floats(PLATEAU_METRICS_MAX)}")
    lines.append("}")
    output = pathlib.Path(__file__).resolve().parent.parent / "ReferenceValues.swift"
    output.write_text("\n".join(lines) + "\n")
    amsgrad, adam = trajectory(OPTIMIZER_CASES["adam_amsgrad"]), trajectory(
        lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.5))
    )
    assert not math.isclose(amsgrad[-1][0], adam[-1][0], rel_tol=1e-6), "AMSGrad never engaged"


if __name__ == "__main__":
    main()
