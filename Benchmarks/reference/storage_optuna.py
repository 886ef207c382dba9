"""Optuna's side of `hone bench storage`: per-trial cost of a study in Optuna's RDB storage.

Runs a sequential study of Random-sampler trials on Branin in memory and in the PostgreSQL
database at --url (SQLAlchemy form, e.g. postgresql+psycopg2://hone@127.0.0.1:5432/db; the
password comes from PGPASSWORD or PGPASSFILE through libpq), and prints one JSON object
with the metric names `hone bench storage --json` uses: ms per trial overall, over trials
100-200 and over the last 100.

    python storage_optuna.py --url postgresql+psycopg2://hone@127.0.0.1:5432/db --trials 2000
"""
import argparse
import json
import math
import time
import uuid

import optuna


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def per_trial(storage, trials):
    """Wall ms per trial overall, over trials 100-200, and over the last 100."""
    study = optuna.create_study(study_name="overhead-" + uuid.uuid4().hex[:8], storage=storage,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    stamps = []
    start = time.perf_counter()
    study.optimize(branin, n_trials=trials, callbacks=[lambda s, t: stamps.append(time.perf_counter())])
    total = time.perf_counter() - start

    def window(a, b):
        return (stamps[b] - stamps[a]) / (b - a) * 1e3

    return total / trials * 1e3, window(99, 199), window(trials - 101, trials - 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a PostgreSQL database")
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    memory, _, _ = per_trial(None, args.trials)
    storage = optuna.storages.RDBStorage(args.url)
    database, after100, last = per_trial(storage, args.trials)
    workload = f"postgresql_{args.trials}"
    results = [
        {"workload": workload, "metric": "inmemory_ms_per_trial", "value": memory},
        {"workload": workload, "metric": "postgresql_ms_per_trial", "value": database},
        {"workload": workload, "metric": "postgresql_extra_ms_per_trial", "value": database - memory},
        {"workload": workload, "metric": "postgresql_ms_per_trial_100_200", "value": after100},
        {"workload": workload, "metric": "postgresql_ms_per_trial_last100", "value": last},
    ]
    report = json.dumps({"suite": "storage", "tool": f"optuna {optuna.__version__}", "results": results})
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
