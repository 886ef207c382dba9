import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

@Suite struct DataLoaderTests {
    /// 23 samples of shape [1, 4, 4]; sample i holds the values i * 100 + 0..<16, label i % 5.
    let dataset: TensorDataset = {
        let scalars = (0..<23).flatMap { i in (0..<16).map { Float(i * 100 + $0) } }
        return TensorDataset(inputs: Tensor(shape: [23, 1, 4, 4], scalars: scalars), labels: (0..<23).map { $0 % 5 })
    }()

    @Test func everySampleAppearsOncePerEpochWithItsLabel() throws {
        let loader = try DataLoader(dataset: dataset, batchSize: 5, shuffle: true, seed: 3)
        var seen = [Int]()
        for batch in loader {
            #expect(batch.inputs.shape == [batch.indices.count, 1, 4, 4])
            for (position, index) in batch.indices.enumerated() {
                #expect(batch.inputs[position, 0, 0, 1] == Float(index * 100 + 1))
                #expect(batch.labels[position] == index % 5)
            }
            seen += batch.indices
        }
        #expect(seen.count == 23)
        #expect(seen.sorted() == Array(0..<23))
        #expect(loader.batchCount == 5)
    }

    @Test func shuffleDiffersBetweenEpochsAndRepeatsWithTheSeed() throws {
        let loader = try DataLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 10, prefetchDepth: 0)
        let first = loader.flatMap(\.indices)
        let second = loader.flatMap(\.indices)
        #expect(first != second)
        #expect(loader.epoch == 2)
        loader.setEpoch(0)
        #expect(loader.flatMap(\.indices) == first)
        let resumed = try DataLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 10)
        resumed.setEpoch(1)
        #expect(resumed.flatMap(\.indices) == second)
        let otherSeed = try DataLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 11)
        #expect(otherSeed.flatMap(\.indices) != first)
        let ordered = try DataLoader(dataset: dataset, batchSize: 4)
        #expect(ordered.flatMap(\.indices) == Array(0..<23))
    }

    @Test func dropLastSkipsTheIncompleteBatch() throws {
        let keep = try DataLoader(dataset: dataset, batchSize: 5)
        #expect(keep.map(\.indices.count) == [5, 5, 5, 5, 3])
        let drop = try DataLoader(dataset: dataset, batchSize: 5, dropLast: true)
        #expect(drop.map(\.indices.count) == [5, 5, 5, 5])
        #expect(drop.batchCount == 4)
        #expect(throws: DataError.self) { try DataLoader(dataset: dataset, batchSize: 0) }
    }

    @Test func prefetchingAndWorkerCountDoNotChangeAugmentedBatches() throws {
        let augment = Compose([RandomHorizontalFlip(), try RandomCrop(padding: 1), try GaussianNoise(standardDeviation: 0.1)])
        func epochs(prefetchDepth: Int, workerCount: Int) throws -> [[Float]] {
            let loader = try DataLoader(dataset: dataset, batchSize: 6, shuffle: true, seed: 5, transform: augment,
                                        prefetchDepth: prefetchDepth, workerCount: workerCount)
            return (0..<2).flatMap { _ in loader.map(\.inputs.scalars) }
        }
        let reference = try epochs(prefetchDepth: 0, workerCount: 1)
        #expect(try epochs(prefetchDepth: 2, workerCount: 1) == reference)
        #expect(try epochs(prefetchDepth: 1, workerCount: 3) == reference)
        // The augmentation did change the inputs, and differently in the second epoch.
        let plain = try DataLoader(dataset: dataset, batchSize: 6, shuffle: true, seed: 5, prefetchDepth: 0)
        #expect(plain.map(\.inputs.scalars) != Array(reference.prefix(4)))
        #expect(Array(reference.prefix(4)) != Array(reference.suffix(4)))
    }

    @Test func breakingOutOfAPrefetchingLoopStopsTheProducer() throws {
        let loader = try DataLoader(dataset: dataset, batchSize: 2, prefetchDepth: 1)
        for _ in 0..<50 {
            var taken = 0
            for _ in loader {
                taken += 1
                if taken == 2 { break }
            }
            #expect(taken == 2)
        }
        #expect(loader.map(\.indices.count).reduce(0, +) == 23)
    }

    @Test func producerRunsAheadByAtMostTheQueueDepth() throws {
        let counting = CountingDataset(base: dataset)
        let loader = try DataLoader(dataset: counting, batchSize: 2, prefetchDepth: 2)
        var iterator = loader.makeIterator()
        #expect(iterator.next()?.indices == [0, 1])
        // Without further requests the producer fills the queue (2 batches) and builds
        // one more that waits to be queued: 4 batches of 2 samples in all.
        let deadline = Date().addingTimeInterval(10)
        while counting.copies < 8 && Date() < deadline { usleep(1000) }
        #expect(counting.copies == 8)
        usleep(50_000)
        #expect(counting.copies == 8)
        #expect(iterator.next()?.indices == [2, 3])
    }

    @Test func regressionTargetsAreBatchedAsATensor() throws {
        let data = TensorDataset(inputs: Tensor(shape: [4, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7]),
                                 targets: Tensor(shape: [4, 2], scalars: [10, 11, 12, 13, 14, 15, 16, 17]))
        let batches = Array(try DataLoader(dataset: data, batchSize: 3))
        #expect(batches[0].targets?.shape == [3, 2])
        #expect(batches[0].targets?.scalars == [10, 11, 12, 13, 14, 15])
        #expect(batches[1].targets?.scalars == [16, 17])
        #expect(batches[1].labels.isEmpty)
    }

    @Test func waitTimeIsMeasuredPerEpoch() throws {
        let slow = try RandomRotation(maximumDegrees: 10)
        let loader = try DataLoader(dataset: dataset, batchSize: 4, transform: slow, prefetchDepth: 0)
        for _ in loader {}
        // Without prefetching the consumer waits for every batch to be built.
        #expect(loader.waitSeconds > 0)
    }
}

@Suite struct ScalingTests {
    @Test func standardizerFittedOnTrainingSplitOnlyIsReusedForValidation() throws {
        // Channel 0 of training samples holds 1…4 (mean 2.5), channel 1 is constant 7.
        var scalars = [Float]()
        for i in 0..<6 { scalars += [Float(i % 4 + 1), Float(i % 4 + 1), 7, 7] }
        let data = TensorDataset(inputs: Tensor(shape: [6, 2, 1, 2], scalars: scalars), labels: Array(repeating: 0, count: 6))
        let train = try data.subset([0, 1, 2, 3])
        let scaler = try Standardizer.fit(train)
        expectClose(scaler.mean, [2.5, 7])
        expectClose(scaler.standardDeviation, [Float(1.25).squareRoot(), 0])
        let full = try Standardizer.fit(data)
        #expect(full.mean[0] != scaler.mean[0])  // samples 4 and 5 would shift the mean

        let validation = try data.subset([4, 5])
        let loader = try DataLoader(dataset: validation, batchSize: 2, transform: scaler)
        let batch = Array(loader)[0]
        let root = Float(1.25).squareRoot()
        // A constant channel maps to 0 instead of dividing by zero.
        expectClose(batch.inputs.scalars, [(1 - 2.5) / root, (1 - 2.5) / root, 0, 0, (2 - 2.5) / root, (2 - 2.5) / root, 0, 0])
        expectClose(scaler(validation.base.inputs.slice(axis: 0, 4..<6)).scalars, batch.inputs.scalars)

        let decoded = try JSONDecoder().decode(Standardizer.self, from: JSONEncoder().encode(scaler))
        #expect(decoded == scaler)
        // Statistics of two channels cannot scale three-channel images.
        let rgb = TensorDataset(inputs: Tensor.zeros([2, 3, 2, 2]), labels: [0, 1])
        let error = expectDataError { _ = try DataLoader(dataset: rgb, batchSize: 1, transform: Compose([decoded])) }
        #expect(error?.description.contains("fitted on 2 channels") == true)
    }

    @Test func perFeatureStatisticsOnTabularRowsMatchADirectComputation() throws {
        var generator = SeededGenerator(seed: 2)
        let rows = (0..<50).map { _ in [Float(generator.nextGaussian()) * 3 + 1000, Float(generator.nextDouble()) * 0.01] }
        let data = TensorDataset(inputs: Tensor(rows), targets: Tensor(shape: [50], scalars: Array(repeating: 0, count: 50)))
        let scaler = try Standardizer.fit(data)
        for feature in 0..<2 {
            let column = rows.map { Double($0[feature]) }
            let mean = column.reduce(0, +) / 50
            let deviation = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 50).squareRoot()
            #expect(abs(Double(scaler.mean[feature]) - mean) <= 1e-4 * max(1, abs(mean)))
            #expect(abs(Double(scaler.standardDeviation[feature]) - deviation) <= 1e-3 * deviation)
        }
        let standardized = scaler(Tensor(rows))
        let columnMeans = standardized.mean(axes: [0]).scalars
        expectClose(columnMeans, [0, 0], tolerance: 1e-3)
    }

    @Test func minMaxMapsTheTrainingRangeToTheUnitInterval() throws {
        let data = TensorDataset(inputs: Tensor([[2, 5], [4, 5], [6, 5]]), labels: [0, 0, 0])
        let normalizer = try MinMaxNormalizer.fit(try data.subset([0, 1]))
        #expect(normalizer.minimum == [2, 5] && normalizer.maximum == [4, 5])
        expectClose(normalizer(Tensor([[2, 5], [3, 9], [6, 5]])).scalars, [0, 0, 0.5, 0, 2, 0])
        #expect(try JSONDecoder().decode(MinMaxNormalizer.self, from: JSONEncoder().encode(normalizer)) == normalizer)
        #expect(throws: DataError.self) { try MinMaxNormalizer.fit(try data.subset([])) }
    }
}

@Suite struct TabularLoadingTests {
    @Test func csvTableBatchesThroughATypeErasedDatasetWithFittedScaling() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("x,kind,y\n1,a,0\n3,b,1\n5,a,0\n7,b,1\n100,a,1\n", as: "t.csv")
        let table = try CSVDataset(contentsOf: url, options: CSVOptions(targetColumn: "y", categoricalColumns: ["kind"]))
        let train = AnyDataset(try table.subset([0, 1, 2, 3]))
        let scaler = try Standardizer.fit(train)
        // x over the training rows is 1, 3, 5, 7 (the outlier 100 is held out); kind=a is 1, 0, 1, 0.
        expectClose(scaler.mean, [4, 0.5, 0.5])
        expectClose(scaler.standardDeviation, [Float(5).squareRoot(), 0.5, 0.5])
        let loader = try DataLoader(dataset: AnyDataset(table), batchSize: 5, transform: scaler)
        let batch = Array(loader)[0]
        #expect(batch.inputs.shape == [5, 3])
        #expect(batch.labels == [0, 1, 0, 1, 1])
        expectClose(Array(batch.inputs.scalars.suffix(3)), [96 / Float(5).squareRoot(), 1, -1])
    }

    @Test func extremeZoomReadsFillInsteadOfOverflowing() throws {
        let zoomed = try RandomScale(factors: 1e-30...1e-30, fill: 4).applied(to: Tensor.ones([1, 5, 5]), seed: 0)
        // The centre pixel samples the centre itself; everything else is far outside.
        #expect(zoomed[0, 2, 2] == 1)
        #expect(zoomed[0, 0, 0] == 4)
    }
}

/// Counts the inputs copied out of a dataset, from any thread.
final class CountingDataset: Dataset, @unchecked Sendable {
    let base: TensorDataset
    private let lock = NSLock()
    private var copied = 0

    init(base: TensorDataset) { self.base = base }

    var copies: Int { lock.withLock { copied } }
    var count: Int { base.count }
    var sampleShape: [Int] { base.sampleShape }
    func label(at index: Int) -> Label { base.label(at: index) }
    func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        lock.withLock { copied += 1 }
        base.copyInput(at: index, into: destination)
    }
}
