import Foundation

extension Tensor {
    /// max(x, 0) elementwise.
    public func relu() -> Tensor {
        // Explicit SIMD loops rather than `map`/`zipMap`: a closure handed through the
        // parallel chunking is called once per element and its branch mispredicts.
        // The backward keeps only the output's values alive (y > 0 exactly where x > 0),
        // through a detached view: the output itself would form a reference cycle.
        let out = Tensor(uninitializedShape: shape)
        let source = storage.pointer, target = out.storage.pointer
        Parallel.forEachChunk(count) { range in
            reluSelect(range, test: source, pass: source, into: target)
        }
        let y = out.detached()
        return Tensor.record("relu", output: out, inputs: [self]) { g in
            let grad = Tensor(uninitializedShape: y.shape)
            let upstream = g.storage.pointer, output = y.storage.pointer, result = grad.storage.pointer
            Parallel.forEachChunk(y.count) { range in
                reluSelect(range, test: output, pass: upstream, into: result)
            }
            return [grad]
        }
    }

    /// x for x > 0, `slope`·x otherwise.
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        unary("leakyRelu", { $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }

    /// 1 / (1 + e⁻ˣ), computed without overflow for large |x|.
    public func sigmoid() -> Tensor {
        unary(
            "sigmoid", cost: 10,
            { x in
                if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
                let e = Foundation.exp(x)
                return e / (1 + e)
            }, derivative: { _, y in y * (1 - y) })
    }

    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor {
        unary("tanh", cost: 10, { Foundation.tanh($0) }, derivative: { _, y in 1 - y * y })
    }

    /// Gaussian error linear unit, exact form x·Φ(x) (PyTorch's default), Hendrycks & Gimpel 2016.
    public func gelu() -> Tensor {
        unary(
            "gelu", cost: 20, { x in 0.5 * x * (1 + Foundation.erf(x * 0.70710678118654752)) },
            derivative: { x, _ in
                let cdf = 0.5 * (1 + Foundation.erf(x * 0.70710678118654752))
                let pdf = Foundation.exp(-0.5 * x * x) * 0.39894228040143268
                return cdf + x * pdf
            })
    }

    /// eˣ / Σeˣ along `axis`, shifted by the maximum so ±1e4 inputs stay finite.
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "softmax")
        let out = softmaxKernel(axis: axis, logarithm: false)
        let y = out.detached()  // not `out`: see `unary`'s note on reference cycles
        return Tensor.record("softmax", output: out, inputs: [self]) { g in
            // dx = y · (g − Σ g·y)
            let dot = (g * y).sum(axes: [axis], keepDims: true)
            return [y * (g - dot)]
        }
    }

    /// log(softmax(x)) along `axis`, computed as (x − max) − log Σ e^(x − max).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "logSoftmax")
        let out = softmaxKernel(axis: axis, logarithm: true)
        let logY = out.detached()
        return Tensor.record("logSoftmax", output: out, inputs: [self]) { g in
            // dx = g − softmax · Σ g
            let total = g.sum(axes: [axis], keepDims: true)
            return [g - logY.map { Foundation.exp($0) } * total]
        }
    }

    private func softmaxKernel(axis: Int, logarithm: Bool) -> Tensor {
        let (outer, length, inner) = Shape.split(shape, at: axis)
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(outer * inner, costPerItem: length * 8) { range in
            for line in range {
                let o = line / inner, i = line % inner
                let base = o * length * inner + i
                var peak = -Float.infinity
                for k in 0..<length { peak = Swift.max(peak, src[base + k * inner]) }
                var total: Float = 0
                for k in 0..<length {
                    let e = Foundation.exp(src[base + k * inner] - peak)
                    dst[base + k * inner] = e
                    total += e
                }
                if logarithm {
                    // (x − peak) − log Σ keeps full precision where peak is large.
                    let logTotal = Foundation.log(total)
                    for k in 0..<length { dst[base + k * inner] = (src[base + k * inner] - peak) - logTotal }
                } else {
                    let scale = 1 / total
                    for k in 0..<length { dst[base + k * inner] *= scale }
                }
            }
        }
        return out
    }
}

/// `target[i] = test[i] > 0 ? pass[i] : 0` over `range`, eight lanes at a time (NaN tests give 0).
@inline(__always)
private func reluSelect(
    _ range: Range<Int>, test: UnsafePointer<Float>, pass: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>
) {
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
        let tested = UnsafeRawPointer(test + i).loadUnaligned(as: SIMD8<Float>.self)
        let passed = UnsafeRawPointer(pass + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(target + i).storeBytes(of: passed.replacing(with: 0, where: .!(tested .> 0)), as: SIMD8<Float>.self)
        i += 8
    }
    while i < range.upperBound {
        target[i] = test[i] > 0 ? pass[i] : 0
        i += 1
    }
}

/// max(x, 0) over `range` of `values`, in place (NaN giving 0, as ``Tensor/relu()``).
func reluInPlace(_ values: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    reluSelect(range, test: values, pass: values, into: values)
}
