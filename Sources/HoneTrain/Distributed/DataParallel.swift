import HoneCore
import HoneData
import HoneNN

/// Data parallelism over a ``Communicator`` (Horovod's and PyTorch DDP's scheme): every
/// rank holds the whole model, trains on its share of each global batch, and the ranks
/// sum their gradients before every optimizer step, so all of them take the same step.
///
/// Each rank's gradient is of its mean loss over `n` samples; multiplied by `n`, summed,
/// and divided by the global count, it is the gradient of the mean loss over the whole
/// batch, the one a single process computes (a share may even be empty). Gradients travel
/// in buckets of about ``bucketBytes``, so a large model is not copied whole at once and a
/// small one costs one all-reduce per step.
///
/// BatchNorm normalizes each rank's share with that share's statistics (as DDP does without
/// `SyncBatchNorm`); the running statistics are averaged over the ranks after every epoch,
/// so validation and checkpoints see one set.
public final class DataParallel {
    /// The ranks training together.
    public let communicator: any Communicator
    /// The size of one all-reduce of gradients, in bytes (4 MiB by default).
    public let bucketBytes: Int
    private var bucket: [Float] = []

    /// Data parallelism over `communicator`, all-reducing `bucketBytes` at a time.
    public init(communicator: any Communicator, bucketBytes: Int = 4 << 20) {
        precondition(bucketBytes >= 12, "DataParallel: bucketBytes must hold at least three floats, got \(bucketBytes)")
        self.communicator = communicator
        self.bucketBytes = bucketBytes
    }

    /// This rank's part of every batch.
    public var shard: DataShard { DataShard(index: communicator.rank, count: communicator.size) }

    /// Copies rank 0's parameters and buffers to every rank, so all start from the same weights.
    public func broadcastWeights(of model: Module) {
        for (_, tensor) in model.namedParameters() + model.namedBuffers() {
            tensor.withUnsafeMutableBufferPointer { communicator.broadcast($0, from: 0) }
        }
    }

    /// Replaces the gradient of each of `parameters` by the sample-weighted mean of the
    /// ranks' gradients, where this rank's came from `localSamples` samples. A parameter
    /// without a gradient on a rank (one whose share was empty) adds nothing there, and one
    /// without a gradient on every rank keeps none, as in one process. Every rank passes
    /// the same parameters in the same order.
    ///
    /// - Parameter localLoss: this rank's mean loss, averaged over the ranks in the same
    ///   all-reduce, so the hooks see the loss of the whole batch.
    /// - Returns: the mean loss over the whole batch.
    @discardableResult
    public func averageGradients(_ parameters: [Tensor], localSamples: Int, localLoss: Double = 0) -> Double {
        let capacity = max(bucketBytes / MemoryLayout<Float>.stride, 3)
        // The first slots carry the sample count and the loss sum, so the total arrives with
        // the first bucket; each parameter's values follow a slot counting the ranks that had
        // a gradient.
        var pending: [Tensor] = []
        var used = 2
        var total: Float = 0, lossSum: Float = 0
        var isFirst = true
        func flush() {
            bucket.withUnsafeMutableBufferPointer { buffer in
                if isFirst {
                    buffer[0] = Float(localSamples)
                    buffer[1] = localSamples > 0 ? Float(localLoss) * Float(localSamples) : 0
                }
                communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: buffer[0..<used]))
                if isFirst { (total, lossSum) = (buffer[0], buffer[1]) }
                var offset = isFirst ? 2 : 0
                let scale: Float = total > 0 ? 1 / total : 0
                for parameter in pending {
                    let contributors = buffer[offset]
                    offset += 1
                    if contributors > 0 {
                        let gradient = Tensor(uninitializedShape: parameter.shape)
                        gradient.withUnsafeMutableBufferPointer { out in
                            for index in 0..<out.count { out[index] = buffer[offset + index] * scale }
                        }
                        parameter.grad = gradient
                    } else {
                        parameter.grad = nil
                    }
                    offset += parameter.count
                }
            }
            pending.removeAll(keepingCapacity: true)
            used = 0
            isFirst = false
        }
        if bucket.count < capacity { bucket = [Float](repeating: 0, count: capacity) }
        let weight = Float(localSamples)
        for parameter in parameters {
            let slots = parameter.count + 1
            // A parameter larger than a bucket travels alone, in a bucket of its own size.
            if used > 0 && used + slots > capacity { flush() }
            if used + slots > bucket.count { bucket += [Float](repeating: 0, count: used + slots - bucket.count) }
            let start = used
            bucket.withUnsafeMutableBufferPointer { buffer in
                if let gradient = parameter.grad, localSamples > 0 {
                    buffer[start] = 1
                    gradient.withUnsafeBufferPointer { values in
                        for index in 0..<values.count { buffer[start + 1 + index] = values[index] * weight }
                    }
                } else {
                    buffer[start] = 0
                    for index in 1..<slots { buffer[start + index] = 0 }
                }
            }
            used += slots
            pending.append(parameter)
        }
        if used > 0 || isFirst { flush() }
        return total > 0 ? Double(lossSum / total) : 0
    }

    /// Replaces every buffer of `model` (BatchNorm's running mean and variance) by its mean over the ranks.
    public func averageBuffers(of model: Module) {
        let size = Float(communicator.size)
        for (_, tensor) in model.namedBuffers() {
            tensor.withUnsafeMutableBufferPointer { values in
                communicator.allReduceSum(values)
                for index in 0..<values.count { values[index] /= size }
            }
        }
    }

    /// The element-wise sums of `values` over the ranks.
    public func sum(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        return result
    }
}
