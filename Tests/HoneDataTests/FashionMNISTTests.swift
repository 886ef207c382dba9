import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

@Suite struct FashionMNISTTests {
    @Test func installedFilesLoadWithTheirDocumentedCounts() throws {
        // `make test` installs Debian's dataset-fashion-mnist; without it this fails rather than skips.
        try #require(FashionMNIST.isAvailable(split: .train) && FashionMNIST.isAvailable(split: .test),
                     "the dataset-fashion-mnist files are not installed in \(FashionMNIST.defaultDirectory.path)")
        let train = try FashionMNIST.load(split: .train)
        let test = try FashionMNIST.load(split: .test)
        #expect(train.count == 60000 && test.count == 10000)
        #expect(train.inputs.shape == [60000, 1, 28, 28])
        #expect(train.labels!.allSatisfy { (0..<10).contains($0) })
        // Both splits are balanced: 6,000 and 1,000 images per class.
        #expect(Set(0..<10).allSatisfy { label in train.labels!.filter { $0 == label }.count == 6000 })
        #expect(Set(0..<10).allSatisfy { label in test.labels!.filter { $0 == label }.count == 1000 })
        let pixels = test.inputs.scalars
        #expect(pixels.min()! == 0 && pixels.max()! == 1)
        // The data set's published pixel mean (0.2860) is computed on the training set.
        let mean = train.inputs.mean().item
        #expect(abs(mean - 0.2860) < 0.001)
    }

    @Test func environmentVariableOverridesTheDebianDirectory() {
        #expect(FashionMNIST.defaultDirectory(environment: [:]) == FashionMNIST.debianDirectory)
        #expect(FashionMNIST.defaultDirectory(environment: ["HONE_FASHION_MNIST_DIR": "data/fmnist"]).path.hasSuffix("data/fmnist"))
        #expect(FashionMNIST.defaultDirectory(environment: ["HONE_FASHION_MNIST_DIR": ""]) == FashionMNIST.debianDirectory)
    }

    @Test func directoryOverrideReadsGeneratedFilesAndChecksShapes() throws {
        let directory = try TemporaryDirectory()
        let pixels = (0..<(3 * 784)).map { UInt8($0 % 256) }
        try IDXArray(unsignedBytes: pixels, dimensions: [3, 28, 28]).write(to: directory.file("t10k-images-idx3-ubyte.gz"))
        try IDXArray(unsignedBytes: [9, 0, 4], dimensions: [3]).write(to: directory.file("t10k-labels-idx1-ubyte"))
        #expect(FashionMNIST.isAvailable(split: .test, directory: directory.url))
        #expect(!FashionMNIST.isAvailable(split: .train, directory: directory.url))
        let test = try FashionMNIST.load(split: .test, directory: directory.url)
        #expect(test.labels == [9, 0, 4])
        #expect(test.inputs[1, 0, 0, 0] == Float(784 % 256) / 255)

        try IDXArray(unsignedBytes: [9, 0], dimensions: [2]).write(to: directory.file("t10k-labels-idx1-ubyte"))
        let mismatch = expectDataError { _ = try FashionMNIST.load(split: .test, directory: directory.url) }
        #expect(mismatch?.description.contains("2 labels for 3 images") == true)

        try IDXArray(unsignedBytes: [1, 2, 3, 4], dimensions: [1, 2, 2]).write(to: directory.file("train-images-idx3-ubyte.gz"))
        try IDXArray(unsignedBytes: [1], dimensions: [1]).write(to: directory.file("train-labels-idx1-ubyte.gz"))
        let wrongShape = expectDataError { _ = try FashionMNIST.load(split: .train, directory: directory.url) }
        guard case .invalidHeader(let file, _) = wrongShape else { Issue.record("wrong error"); return }
        #expect(file.hasSuffix("train-images-idx3-ubyte.gz"))
    }
}

@Suite struct ReaderRobustnessTests {
    /// Random byte strings and truncations of valid files: every reader must answer with
    /// a `DataError` (or a valid result), never crash.
    @Test func readersRejectRandomAndTruncatedInputWithTypedErrors() throws {
        var generator = SeededGenerator(seed: 1234)
        let idx = try IDXArray(unsignedBytes: (0..<200).map { UInt8($0) }, dimensions: [2, 10, 10]).encoded
        let gzipped = try Gzip.compress(idx)
        let csv = Array("a,b,c\n1,\"x,y\",3\n4,5,6\n".utf8)
        var inputs = [[UInt8]]()
        for length in 0..<60 {
            inputs.append((0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        for cut in stride(from: 0, to: idx.count, by: 7) { inputs.append(Array(idx.prefix(cut))) }
        for cut in stride(from: 0, to: gzipped.count, by: 3) { inputs.append(Array(gzipped.prefix(cut))) }
        for cut in 0..<csv.count { inputs.append(Array(csv.prefix(cut))) }
        for _ in 0..<60 {
            var mutated = idx
            mutated[generator.nextInt(below: 12)] = UInt8(truncatingIfNeeded: generator.next())
            inputs.append(mutated)
        }

        var typedErrors = 0
        for (number, bytes) in inputs.enumerated() {
            let name = "input-\(number)"
            let readers: [() throws -> Void] = [
                { _ = try IDXArray(bytes: bytes, file: name) },
                { _ = try IDXArray(bytes: try Gzip.decompress(bytes, file: name), file: name) },
                { _ = try CSVDataset(bytes: bytes, name: name, options: CSVOptions(missingValuePolicy: .imputeMean)) },
                { _ = try CIFAR10.decode([(name, bytes)]) },
            ]
            for read in readers {
                do { try read() } catch is DataError { typedErrors += 1 }
            }
        }
        // Nearly every input is invalid for nearly every reader; any other error propagates and fails the test.
        #expect(typedErrors > inputs.count * 3)
    }
}
