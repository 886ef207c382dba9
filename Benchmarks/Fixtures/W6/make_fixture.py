#!/usr/bin/env python3
"""Writes the W6 fixture Hone's explain benchmark reads, from the reference side's output.

    python explain_anchor.py --write-data DIR            # DIR/w6-train.csv, DIR/w6-test.csv
    python explain_anchor.py --out DIR/explain.json      # the reference run, with its `reproduce` block
    python make_fixture.py DIR/explain.json DIR          # -> w6-model.json, w6-train.csv, w6-test.csv here

w6-model.json holds the exported MLP (scaler, weights, biases), shap's k-means background,
the 20 explained rows, shap's KernelSHAP values for them at nsamples = 2*30 + 2048
(l1_reg=False, np.random.seed(0)), for the first rows shap's values at a large nsamples
as a closer estimate of the true Shapley values (30 features: no exact enumeration), and
an exact case (10 varying features against one background row) where both sides are exact.
"""
import json
import os
import shutil
import sys

import numpy as np
import shap
from shap.utils._legacy import DenseData


def main():
    anchor_json, data_dir = sys.argv[1], sys.argv[2]
    precise_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    precise_samples = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    here = os.path.dirname(os.path.abspath(__file__))
    ref = json.load(open(anchor_json))
    rep = ref["reproduce"]
    run = ref["kernel_shap"]["runs"]["l1_reg_False"]

    mean, scale = np.array(rep["scaler_mean"]), np.array(rep["scaler_scale"])
    coefs = [np.array(c) for c in rep["mlp_coefs"]]
    biases = [np.array(b) for b in rep["mlp_intercepts"]]

    def f(rows):
        h = np.maximum((rows - mean) / scale @ coefs[0] + biases[0], 0)
        return 1 / (1 + np.exp(-(h @ coefs[1] + biases[1])[:, 0]))

    rows = np.array(rep["explained_rows_all"])
    assert np.allclose(f(rows), run["all_rows_fx"], atol=1e-12), "the exported MLP does not reproduce the reference outputs"
    background = np.array(rep["background_data"])
    weighted = DenseData(background, rep["feature_names"], None, np.array(rep["background_weights"]))
    np.random.seed(0)
    explainer = shap.KernelExplainer(f, weighted)
    assert abs(explainer.expected_value - run["expected_value"]) < 1e-12, "the background does not reproduce E[f]"
    precise = np.asarray(explainer.shap_values(rows[:precise_rows], nsamples=precise_samples, l1_reg=False, silent=True))

    # An exact case: one background row, and explained rows that differ from it in the first
    # 10 features only, so both sides enumerate all 2^10 - 2 coalitions (exact Shapley values).
    exact_background = background[:1]
    exact_rows = np.repeat(exact_background, len(rows), axis=0)
    exact_rows[:, :10] = rows[:, :10]
    np.random.seed(0)
    exact_explainer = shap.KernelExplainer(f, exact_background)
    exact = np.asarray(exact_explainer.shap_values(exact_rows, nsamples=ref["kernel_shap"]["nsamples"], l1_reg=False, silent=True))

    fixture = {
        "note": "produced by make_fixture.py from explain_anchor.py's output; f(x) = sigmoid(relu(((x - mean) / scale) W1 + b1) W2 + b2)",
        "feature_names": rep["feature_names"],
        "scaler_mean": rep["scaler_mean"], "scaler_scale": rep["scaler_scale"],
        "coefs": rep["mlp_coefs"], "intercepts": rep["mlp_intercepts"],
        "background_data": rep["background_data"], "background_weights": rep["background_weights"],
        "explained_rows": rep["explained_rows_all"],
        "shap_nsamples": ref["kernel_shap"]["nsamples"],
        "shap_expected_value": run["expected_value"],
        "shap_values": run["all_rows_shap_values"], "shap_fx": run["all_rows_fx"],
        "shap_precise_nsamples": precise_samples, "shap_precise_values": precise.tolist(),
        "exact_background": exact_background.tolist(), "exact_rows": exact_rows.tolist(), "exact_shap_values": exact.tolist(),
    }
    with open(os.path.join(here, "w6-model.json"), "w") as out:
        json.dump(fixture, out)
    for name in ("w6-train.csv", "w6-test.csv"):
        shutil.copyfile(os.path.join(data_dir, name), os.path.join(here, name))
    print("wrote w6-model.json, w6-train.csv, w6-test.csv")


if __name__ == "__main__":
    main()
