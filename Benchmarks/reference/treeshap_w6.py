#!/usr/bin/env python3
"""The reference side of the `W6/treeshap` rows of `hone bench explain`.

LightGBM's LGBMClassifier(n_estimators=100, num_leaves=31, learning_rate=0.1, n_jobs=2),
as explain_anchor.py fits it, on the W6 training split; then shap's TreeExplainer on every
row of the data set (training and test rows, 569), after a warm-up call on 5 rows, timed
the same way as the Hone side. Reads the W6 split as CSV (explain_anchor.py --write-data
DIR writes it; Hone's benchmark fixture Benchmarks/Fixtures/W6 holds the same files).
Prints JSON in the shape of `hone bench explain --json`.

    python treeshap_w6.py --data Benchmarks/Fixtures/W6 --out treeshap.json
"""

import argparse
import json
import os
import time

import numpy as np


def read(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder with w6-train.csv and w6-test.csv")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()

    import warnings

    import lightgbm as lgb
    import shap

    warnings.filterwarnings("ignore", message="LightGBM binary classifier")

    x_train, y_train = read(os.path.join(args.data, "w6-train.csv"))
    x_test, _ = read(os.path.join(args.data, "w6-test.csv"))
    x_all = np.vstack([x_train, x_test])
    gbm = lgb.LGBMClassifier(n_estimators=100, num_leaves=31, learning_rate=0.1, random_state=0, n_jobs=2, verbose=-1)
    gbm.fit(x_train, y_train)
    explainer = shap.TreeExplainer(gbm)
    explainer.shap_values(x_all[:5])  # warm-up
    start, cpu_start = time.perf_counter(), time.process_time()
    values = explainer.shap_values(x_all)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    values = np.asarray(values if not isinstance(values, list) else values[1])
    margin = gbm.predict(x_all, raw_score=True)
    expected = np.asarray(explainer.expected_value).reshape(-1)[-1]
    leaves = sum(tree["num_leaves"] for tree in gbm.booster_.dump_model()["tree_info"])
    results = [
        ("seconds", elapsed),
        ("seconds_per_row", elapsed / len(x_all)),
        ("cpu_seconds", cpu),
        ("rows", len(x_all)),
        ("leaves", leaves),
        ("microseconds_per_row_leaf", elapsed * 1e6 / (len(x_all) * leaves)),
        ("max_additivity_error", float(np.abs(expected + values.sum(axis=1) - margin).max())),
    ]
    report = {"suite": "explain", "threads": 2, "tool": f"shap {shap.__version__}, lightgbm {lgb.__version__}",
              "results": [{"workload": "W6/treeshap", "metric": m, "value": float(v)} for m, v in results]}
    text = json.dumps(report)
    print(text)
    if args.out:
        with open(args.out, "w") as file:
            file.write(text + "\n")


if __name__ == "__main__":
    main()
