import HoneCore

/// The `memory` suite: a small network trained for many steps must hold its memory flat,
/// because the tape frees each step's graph once `backward()` has run.
public enum MemoryBenchmarks {
    /// Trains a 784-128-10 MLP on a fixed batch with plain SGD for `steps` steps and reports
    /// resident memory and tensor bytes alive at step 100 and at the end.
    public static func run(steps: Int = 10_000) -> [BenchResult] {
        var generator = SeededGenerator(seed: 0)
        let w1 = (Tensor.normal([128, 784], using: &generator) * 0.05).requiringGrad()
        let b1 = Tensor.zeros([128]).requiringGrad()
        let w2 = (Tensor.normal([10, 128], using: &generator) * 0.05).requiringGrad()
        let b2 = Tensor.zeros([10]).requiringGrad()
        let parameters = [w1, b1, w2, b2]
        let x = Tensor.uniform([32, 784], using: &generator)
        let labels = (0..<32).map { $0 % 10 }
        var results: [BenchResult] = []
        var lossValue: Float = 0
        for step in 1...steps {
            let hidden = linear(x, weight: w1, bias: b1).relu()
            let logits = linear(hidden, weight: w2, bias: b2)
            let loss = -logits.logSoftmax(axis: 1).gather(axis: 1, indices: labels).mean()
            loss.backward()
            lossValue = loss.item
            for p in parameters {
                guard let g = p.grad else { continue }
                p.withUnsafeMutableBufferPointer { w in
                    g.withUnsafeBufferPointer { d in for i in 0..<w.count { w[i] -= 0.01 * d[i] } }
                }
                p.grad = nil
            }
            if step == 100 || step == steps {
                results.append(BenchResult(workload: "mlp_steps", metric: "rss_mb_at_\(step)", value: Double(Timing.residentBytes()) / 1_048_576))
                results.append(BenchResult(workload: "mlp_steps", metric: "tensor_mb_at_\(step)", value: Double(TensorStorage.liveBytes) / 1_048_576))
            }
        }
        results.append(BenchResult(workload: "mlp_steps", metric: "final_loss", value: Double(lossValue)))
        return results
    }
}
