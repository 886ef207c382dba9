/// The matrix product of the last two axes, batched over the leading ones (NumPy's
/// `matmul` rules: leading axes broadcast). Runs on ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` (oneDNN on Linux).
///
/// A 2-D right operand is applied to every row of the left one in a single GEMM, the
/// common case of a layer applied to a batch.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: operands need at least 2 axes, got \(a.shape) and \(b.shape)")
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
    let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
    precondition(k == k2, "matmul: inner sizes differ: \(a.shape) × \(b.shape)")
    if b.rank == 2 {
        let rows = a.count / Swift.max(k, 1)
        let out = Tensor(uninitializedShape: Array(a.shape.dropLast()) + [n])
        sgemm(transposeA: false, transposeB: false, m: rows, n: n, k: k,
              a: a.storage.pointer, b: b.storage.pointer, c: out.storage.pointer)
        return Tensor.record("matmul", output: out, inputs: [a, b]) { g in
            var da: Tensor?, db: Tensor?
            if a.requiresGrad {
                let grad = Tensor(uninitializedShape: a.shape)
                sgemm(transposeA: false, transposeB: true, m: rows, n: k, k: n,
                      a: g.storage.pointer, b: b.storage.pointer, c: grad.storage.pointer)
                da = grad
            }
            if b.requiresGrad {
                let grad = Tensor(uninitializedShape: b.shape)
                sgemm(transposeA: true, transposeB: false, m: k, n: n, k: rows,
                      a: a.storage.pointer, b: g.storage.pointer, c: grad.storage.pointer)
                db = grad
            }
            return [da, db]
        }
    }
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    if batchA != batchB {
        let batch = Shape.broadcast(batchA, batchB, op: "matmul (batch axes)")
        return matmul(a.expanded(to: batch + [m, k]), b.expanded(to: batch + [k, n]))
    }
    let batches = Shape.count(batchA)
    let out = Tensor(uninitializedShape: batchA + [m, n])
    let pa = a.storage.pointer, pb = b.storage.pointer, pc = out.storage.pointer
    forEachMatrix(batches, flops: m * n * k) { i in
        sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k,
              a: pa + i * m * k, b: pb + i * k * n, c: pc + i * m * n)
    }
    return Tensor.record("batched matmul", output: out, inputs: [a, b]) { g in
        let pg = g.storage.pointer
        var da: Tensor?, db: Tensor?
        if a.requiresGrad {
            let grad = Tensor(uninitializedShape: a.shape)
            let pd = grad.storage.pointer
            forEachMatrix(batches, flops: m * n * k) { i in
                sgemm(transposeA: false, transposeB: true, m: m, n: k, k: n,
                      a: pg + i * m * n, b: pb + i * k * n, c: pd + i * m * k)
            }
            da = grad
        }
        if b.requiresGrad {
            let grad = Tensor(uninitializedShape: b.shape)
            let pd = grad.storage.pointer
            forEachMatrix(batches, flops: m * n * k) { i in
                sgemm(transposeA: true, transposeB: false, m: k, n: n, k: m,
                      a: pa + i * m * k, b: pg + i * m * n, c: pd + i * k * n)
            }
            db = grad
        }
        return [da, db]
    }
}

/// x·Wᵀ + b over the last axis of `x`, PyTorch's `linear` with `weight` shaped
/// `[outFeatures, inFeatures]`: one GEMM forward, two backward, no transposed copies.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures) features (weight \(weight.shape))")
    if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) should be [\(outFeatures)]") }
    let rows = x.count / Swift.max(inFeatures, 1)
    let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    linearForward(x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, into: out.storage.pointer,
                  rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, mayUsePrimitive: !Tensor.recordsGraph(inputs))
    return Tensor.record("linear", output: out, inputs: inputs) { g in
        var grads: [Tensor?] = [nil, nil, nil]
        if x.requiresGrad {
            let dx = Tensor(uninitializedShape: x.shape)
            sgemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                  a: g.storage.pointer, b: weight.storage.pointer, c: dx.storage.pointer)
            grads[0] = dx
        }
        if weight.requiresGrad {
            let dw = Tensor(uninitializedShape: weight.shape)
            sgemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                  a: g.storage.pointer, b: x.storage.pointer, c: dw.storage.pointer)
            grads[1] = dw
        }
        if let bias, bias.requiresGrad {
            grads[2] = g.reshaped([rows, outFeatures]).sum(axes: [0])
        }
        return Array(grads.prefix(inputs.count))
    }
}

/// ``linear(_:weight:bias:)`` followed by ReLU when `relu` is set, for inference: on
/// oneDNN's matmul primitive the ReLU is a post-op applied as each output tile is
/// written, saving a pass over the output and a tensor. Nothing is recorded for
/// autograd, so it must run where no gradient is wanted (``withNoGrad(_:)``).
public func linearInference(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
    precondition(!GradMode.isEnabled || !(x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false)),
                 "linearInference records no gradient: call it under withNoGrad")
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures) features (weight \(weight.shape))")
    if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) should be [\(outFeatures)]") }
    let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
    linearForward(x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, into: out.storage.pointer,
                  rows: x.count / Swift.max(inFeatures, 1), inFeatures: inFeatures, outFeatures: outFeatures,
                  mayUsePrimitive: true, relu: relu)
    return out
}

/// x·Wᵀ + b for `rows` rows into `out`, then max(·, 0) when `relu` is set: oneDNN's
/// matmul primitive with the bias (and ReLU) in its epilogue where it has one and
/// `mayUsePrimitive` allows, else the bias rows copied into `out`, one GEMM accumulating
/// onto them and a ReLU pass.
///
/// Only passes that record no graph (inference) take the primitive: W1's training step
/// (an MLP on 784 features) showed no gain from it (step medians 1.27 ms before, 1.46 ms
/// with it, three alternations on a noisy 2-core AMD EPYC), where W4's inference step
/// was 11% faster.
func linearForward(
    _ x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
    into out: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int, mayUsePrimitive: Bool,
    relu: Bool = false
) {
    #if !canImport(Accelerate)
        if mayUsePrimitive, DNNLLinear.run(x: x, weight: weight, bias: bias, out: out, rows: rows, inFeatures: inFeatures,
                          outFeatures: outFeatures, relu: relu) { return }
    #endif
    defer {
        if relu { Parallel.forEachChunk(rows * outFeatures) { range in reluInPlace(out, range) } }
    }
    if let bias {
        // Split across cores like the GEMM after it: on one thread this copy was the largest
        // serial step of Transformer inference (a fresh [tokens, 3·width] buffer per layer).
        Parallel.forEachChunk(rows, costPerItem: 2 * outFeatures) { range in
            for r in range { (out + r * outFeatures).update(from: bias, count: outFeatures) }
        }
    }
    sgemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
          a: x, b: weight, beta: bias == nil ? 0 : 1, c: out)
}

/// Runs one GEMM per matrix of a batch; small matrices (where BLAS itself stays on one
/// thread) are spread across cores instead.
private func forEachMatrix(_ count: Int, flops: Int, _ body: (Int) -> Void) {
    if flops < 1 << 18 && count > 1 {
        Parallel.forEachChunk(count, costPerItem: flops / 8) { range in
            for i in range { body(i) }
        }
    } else {
        for i in 0..<count { body(i) }
    }
}
