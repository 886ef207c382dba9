import Dispatch
import Foundation

/// One batch: inputs stacked along a new first axis, and their labels.
public struct Batch {
    /// Inputs `[B, ...sampleShape]`, contiguous.
    public let inputs: Tensor
    /// Class indices, one per sample (empty for a regression dataset).
    public let labels: [Int]
    /// Regression targets `[B, K]` (nil for a classification dataset).
    public let targets: Tensor?
    /// The dataset indices of the samples, in batch order.
    public let indices: [Int]
}

/// Batches a dataset into contiguous tensors, shuffling with a seed that depends on
/// the epoch and preparing batches ahead of the training loop on a producer thread
/// (like `torch.utils.data.DataLoader` with workers and a `DistributedSampler`-style epoch).
///
/// Each iteration over the loader is one epoch. Iterating uses the current ``epoch``
/// and then advances it, so successive epochs are shuffled differently; ``setEpoch(_:)``
/// selects the epoch explicitly, which is how a resumed run reproduces its order.
/// Augmentation (``transform``) runs in the producer, on ``workerCount`` threads per
/// batch, with a generator derived from (seed, epoch, sample index): the batches are
/// identical whether they are prefetched or not and however many threads make them.
///
/// ```swift
/// let loader = try DataLoader(dataset: train, batchSize: 64, shuffle: true, seed: 0,
///                             transform: Compose([try RandomCrop(padding: 2), RandomHorizontalFlip()]))
/// for batch in loader { … batch.inputs, batch.labels … }
/// print("waited \(loader.waitSeconds) s for data")
/// ```
public final class DataLoader<Base: Dataset>: Sequence {
    /// The dataset batched.
    public let dataset: Base
    /// The number of samples per batch (the last one may be smaller unless ``dropsLast``).
    public let batchSize: Int
    /// Whether the order is shuffled each epoch.
    public let shuffles: Bool
    /// The seed for shuffling and augmentation.
    public let seed: UInt64
    /// Whether a final, incomplete batch is skipped.
    public let dropsLast: Bool
    /// The per-sample transform applied while batching, if any.
    public let transform: (any Transform)?
    /// How many prepared batches may wait in the queue; 0 prepares each batch on the
    /// consuming thread when it is requested.
    public let prefetchDepth: Int
    /// The number of threads that prepare the samples of one batch.
    public let workerCount: Int

    /// The epoch the next iteration uses.
    public private(set) var epoch = 0
    /// The part of every batch this loader yields: the batches are planned over the whole
    /// dataset (the same permutation in every process), and each process of a
    /// data-parallel training takes its own part of each.
    public var shard = DataShard.whole
    private let statisticsLock = NSLock()
    private var waitNanoseconds: UInt64 = 0

    /// A loader over `dataset`.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when `batchSize` or
    ///   `workerCount` is below 1, `prefetchDepth` is negative, or `transform` does not
    ///   suit the dataset's sample shape.
    public init(dataset: Base, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0, dropLast: Bool = false,
                transform: (any Transform)? = nil, prefetchDepth: Int = 2, workerCount: Int = 1) throws {
        guard batchSize >= 1 else {
            throw DataError.invalidParameter(name: "batchSize", detail: "must be at least 1, got \(batchSize)")
        }
        guard workerCount >= 1, prefetchDepth >= 0 else {
            throw DataError.invalidParameter(
                name: "DataLoader", detail: "workerCount must be >= 1 and prefetchDepth >= 0, got \(workerCount) and \(prefetchDepth)")
        }
        try transform?.validate(sampleShape: dataset.sampleShape)
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffles = shuffle
        self.seed = seed
        self.dropsLast = dropLast
        self.transform = transform
        self.prefetchDepth = prefetchDepth
        self.workerCount = workerCount
    }

    /// Makes the next iteration use `epoch` (its shuffle and its augmentation draws).
    public func setEpoch(_ epoch: Int) {
        self.epoch = epoch
    }

    /// The number of batches in one epoch.
    public var batchCount: Int {
        dropsLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// Seconds the consumer spent blocked waiting for a batch during the latest
    /// iteration (with no prefetching, the time spent preparing batches).
    public var waitSeconds: Double {
        statisticsLock.lock()
        defer { statisticsLock.unlock() }
        return Double(waitNanoseconds) / 1e9
    }

    /// The sample order of `epoch`: a seeded permutation when shuffling, else `0..<count`.
    public func order(forEpoch epoch: Int) -> [Int] {
        guard shuffles else { return Array(0..<dataset.count) }
        var generator = SeededGenerator.forSample(seed: seed, epoch: epoch, index: -1)
        return Splits.shuffled(Array(0..<dataset.count), using: &generator)
    }

    /// The batches' dataset indices for `epoch`, in order (this loader's ``shard`` of each).
    public func batchIndices(forEpoch epoch: Int) -> [[Int]] {
        let order = order(forEpoch: epoch)
        return (0..<batchCount).map { batch in
            let start = batch * batchSize
            let part = shard.positions(inBatchOf: Swift.min(batchSize, order.count - start))
            return Array(order[(start + part.lowerBound)..<(start + part.upperBound)])
        }
    }

    /// Builds the batch of `indices` for `epoch`: copies each input into one contiguous
    /// tensor and applies the transform, splitting samples over ``workerCount`` threads.
    public func makeBatch(indices: [Int], epoch: Int) -> Batch {
        let sampleShape = dataset.sampleShape
        let width = sampleShape.reduce(1, *)
        let inputs = Tensor(uninitializedShape: [indices.count] + sampleShape)
        let base = inputs.storage.pointer
        let chunkCount = Swift.min(workerCount, Swift.max(indices.count, 1))
        let perChunk = (indices.count + chunkCount - 1) / chunkCount
        func prepare(_ chunk: Int) {
            let scratch = self.transform == nil ? nil : TensorStorage(uninitializedCount: width)
            for position in (chunk * perChunk)..<Swift.min((chunk + 1) * perChunk, indices.count) {
                let values = UnsafeMutableBufferPointer(start: base + position * width, count: width)
                self.dataset.copyInput(at: indices[position], into: values)
                if let transform = self.transform, let scratch {
                    var generator = SeededGenerator.forSample(seed: self.seed, epoch: epoch, index: indices[position])
                    transform.apply(to: SampleBuffer(values: values, scratch: scratch.buffer, shape: sampleShape),
                                    using: &generator)
                }
            }
        }
        if chunkCount > 1 {
            DispatchQueue.concurrentPerform(iterations: chunkCount) { prepare($0) }
        } else {
            prepare(0)
        }
        return Batch(inputs: inputs, labels: [], targets: nil, indices: indices).withLabels(from: dataset)
    }

    /// Iterates over one epoch (the current ``epoch``), then advances the epoch.
    public func makeIterator() -> Iterator {
        let current = epoch
        epoch += 1
        statisticsLock.lock()
        waitNanoseconds = 0
        statisticsLock.unlock()
        return Iterator(loader: self, epoch: current)
    }

    /// An estimate for `Sequence` (the exact batch count).
    public var underestimatedCount: Int { batchCount }

    fileprivate func recordWait(since start: UInt64) {
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        statisticsLock.lock()
        waitNanoseconds += elapsed
        statisticsLock.unlock()
    }

    /// Yields the batches of one epoch, prefetched on a producer thread when ``prefetchDepth`` > 0.
    public struct Iterator: IteratorProtocol {
        private let loader: DataLoader
        private let epoch: Int
        private let plan: [[Int]]
        private var position = 0
        private let pipeline: PrefetchPipeline?

        init(loader: DataLoader, epoch: Int) {
            self.loader = loader
            self.epoch = epoch
            plan = loader.batchIndices(forEpoch: epoch)
            if loader.prefetchDepth > 0 {
                let queue = BoundedBatchQueue(capacity: loader.prefetchDepth)
                let plan = plan
                let thread = Thread {
                    for indices in plan {
                        guard queue.push(loader.makeBatch(indices: indices, epoch: epoch)) else { return }
                    }
                    queue.finish()
                }
                thread.name = "HoneData.DataLoader.producer"
                thread.start()
                pipeline = PrefetchPipeline(queue: queue)
            } else {
                pipeline = nil
            }
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> Batch? {
            guard position < plan.count else { return nil }
            let start = DispatchTime.now().uptimeNanoseconds
            defer { loader.recordWait(since: start) }
            let batch: Batch?
            if let pipeline {
                batch = pipeline.queue.pop()
            } else {
                batch = loader.makeBatch(indices: plan[position], epoch: epoch)
            }
            position += 1
            return batch
        }
    }
}

extension Batch {
    /// This batch with labels (or targets) read from `dataset` for its indices.
    fileprivate func withLabels<D: Dataset>(from dataset: D) -> Batch {
        guard let first = indices.first else { return self }
        switch dataset.label(at: first) {
        case .classIndex:
            let labels = indices.map { index -> Int in
                guard case .classIndex(let label) = dataset.label(at: index) else {
                    preconditionFailure("DataLoader: sample \(index) mixes a regression target into a classification dataset")
                }
                return label
            }
            return Batch(inputs: inputs, labels: labels, targets: nil, indices: indices)
        case .values(let firstValues):
            let width = firstValues.count
            let targets = Tensor(uninitializedShape: [indices.count, width])
            for (row, index) in indices.enumerated() {
                guard case .values(let values) = dataset.label(at: index), values.count == width else {
                    preconditionFailure("DataLoader: sample \(index) has a target unlike sample \(first)'s \(width) values")
                }
                (targets.storage.pointer + row * width).update(from: values, count: width)
            }
            return Batch(inputs: inputs, labels: [], targets: targets, indices: indices)
        }
    }
}

/// Cancels the producer when the consuming iterator goes away (e.g. `break` out of the loop).
private final class PrefetchPipeline {
    let queue: BoundedBatchQueue

    init(queue: BoundedBatchQueue) {
        self.queue = queue
    }

    deinit {
        queue.cancel()
    }
}

/// A first-in first-out queue of at most `capacity` batches between one producer and one consumer.
final class BoundedBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [Batch] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds a batch, waiting while the queue is full; false once the consumer has cancelled.
    func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// Marks the end of the epoch.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the producer at its next push.
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest batch, waiting for one if needed; nil once the producer has finished and the queue is empty.
    func pop() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count && !finished { condition.wait() }
        guard head < batches.count else { return nil }
        let batch = batches[head]
        head += 1
        if head > 64 {
            batches.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return batch
    }
}
