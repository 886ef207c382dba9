#!/bin/sh
# Reads the TensorBoard event files of a directory with TensorBoard's own reader and prints
# what it found as JSON: the first event's file_version, every scalar series and every
# histogram. The `tensorboard` package is installed from PyPI into a virtualenv outside
# the source tree (HONE_TENSORBOARD_VENV, default under the temp directory), once; any
# failure to set it up exits non-zero, so the calling test fails rather than skips.
set -eu
VENV="${HONE_TENSORBOARD_VENV:-${TMPDIR:-/tmp}/hone-tensorboard-venv}"
if ! "$VENV/bin/python" -c "import tensorboard" >/dev/null 2>&1; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check tensorboard >&2
fi
exec "$VENV/bin/python" - "$1" <<'PY'
import glob, json, os, sys
from tensorboard.backend.event_processing import event_accumulator, event_file_loader

directory = sys.argv[1]
files = sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*")))
if not files:
    sys.exit("no event files in " + directory)
first = next(iter(event_file_loader.EventFileLoader(files[0]).Load()))
accumulator = event_accumulator.EventAccumulator(
    directory, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0})
accumulator.Reload()
tags = accumulator.Tags()
result = {
    "file_version": first.file_version,
    "scalars": {tag: [[event.step, event.value] for event in accumulator.Scalars(tag)] for tag in tags["scalars"]},
    "histograms": {
        tag: [{
            "step": event.step,
            "min": event.histogram_value.min, "max": event.histogram_value.max, "num": event.histogram_value.num,
            "sum": event.histogram_value.sum, "sum_squares": event.histogram_value.sum_squares,
            "bucket_limit": list(event.histogram_value.bucket_limit), "bucket": list(event.histogram_value.bucket),
        } for event in accumulator.Histograms(tag)]
        for tag in tags["histograms"]
    },
}
print(json.dumps(result))
PY
