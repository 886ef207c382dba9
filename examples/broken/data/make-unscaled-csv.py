"""Writes the data of unscaled-inputs.json: Fashion-MNIST images from Debian's
dataset-fashion-mnist, shrunk to 14x14 by averaging 2x2 blocks and kept in raw pixel
units (0-255, as many CSV exports of image data are), one row per image with its label.

    python3 make-unscaled-csv.py /usr/share/datasets/fashion-mnist

Train: the first 3,000 training images; test: the first 1,000 test images.
"""
import gzip
import struct
import sys


def read_idx(path):
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    dimensions = data[3]
    shape = struct.unpack(">" + "I" * dimensions, data[4:4 + 4 * dimensions])
    return shape, data[4 + 4 * dimensions:]


def write_csv(images_path, labels_path, count, output):
    (total, rows, columns), pixels = read_idx(images_path)
    _, labels = read_idx(labels_path)
    side = rows // 2
    header = ",".join(f"p{index}" for index in range(side * side)) + ",label\n"
    with gzip.GzipFile(output, "wb", mtime=0) as handle:
        handle.write(header.encode())
        for image in range(min(count, total)):
            base = image * rows * columns
            values = []
            for row in range(side):
                for column in range(side):
                    block = [pixels[base + (2 * row + dr) * columns + 2 * column + dc] for dr in (0, 1) for dc in (0, 1)]
                    values.append(str(round(sum(block) / 4)))
            handle.write((",".join(values) + f",{labels[image]}\n").encode())


directory = sys.argv[1]
write_csv(f"{directory}/train-images-idx3-ubyte.gz", f"{directory}/train-labels-idx1-ubyte.gz", 3000, "fashion-mnist-14px-train.csv.gz")
write_csv(f"{directory}/t10k-images-idx3-ubyte.gz", f"{directory}/t10k-labels-idx1-ubyte.gz", 1000, "fashion-mnist-14px-test.csv.gz")
