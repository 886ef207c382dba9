# Matérn 5/2 kernel values and a two-point Gaussian-process posterior, computed from the
# textbook formulas with Python's standard library only, pinned in GPTests.swift.
import math


def matern52(r):
    return (1 + math.sqrt(5) * r + 5.0 / 3.0 * r * r) * math.exp(-math.sqrt(5) * r)


for d2 in [0.0, 0.01, 0.0625, 0.16, 0.25, 1.0, 4.5]:
    print(f"matern52(d2={d2}) = {matern52(math.sqrt(d2)):.17g}")

xs, ys, noise = [0.0, 0.5], [1.0, -1.0], 0.01
K = [[matern52(abs(a - b)) + (noise if i == j else 0.0) for j, b in enumerate(xs)] for i, a in enumerate(xs)]
det = K[0][0] * K[1][1] - K[0][1] * K[1][0]
inverse = [[K[1][1] / det, -K[0][1] / det], [-K[1][0] / det, K[0][0] / det]]
alpha = [sum(inverse[i][j] * ys[j] for j in range(2)) for i in range(2)]
for query in [0.25, 0.1]:
    k = [matern52(abs(query - x)) for x in xs]
    mean = sum(k[i] * alpha[i] for i in range(2))
    variance = 1.0 - sum(k[i] * inverse[i][j] * k[j] for i in range(2) for j in range(2))
    print(f"posterior({query}): mean = {mean:.17g}, variance = {variance:.17g}")
