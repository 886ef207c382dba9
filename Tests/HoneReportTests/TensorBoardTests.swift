import Foundation
import HoneTestSupport
import HoneCore
import HoneData
import HoneNN
import HoneOptim
import HoneTrain
import Testing

@testable import HoneReport

@Suite struct TensorBoardTests {
    @Test func crc32cMatchesTheISCSITestVectors() {
        // RFC 3720, appendix B.4, and the common check value of "123456789".
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // Masking rotates right by 15 bits and adds 0xA282EAD8: the empty input's CRC is 0;
        // 0xE3069283 rotates to 0x0001C60D | 0x25060000 = 0x2507C60D, plus the constant.
        #expect(CRC32C.masked([UInt8]()) == 0xA282_EAD8)
        #expect(CRC32C.masked(Array("123456789".utf8)) == 0xC78A_B0E5)
    }

    @Test func eventFileFramesEachRecordWithItsLengthAndChecksums() throws {
        let directory = try TemporaryDirectory()
        let writer = try EventWriter(directory: directory.url, wallTime: 1_700_000_000)
        try writer.scalar("loss", 0.5, step: 3, wallTime: 1_700_000_001)
        try writer.flush()
        #expect(writer.url.lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))
        var bytes = [UInt8](try Data(contentsOf: writer.url))
        var records: [[UInt8]] = []
        while !bytes.isEmpty {
            let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let lengthCRC = bytes[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(lengthCRC == CRC32C.masked(bytes[0..<8]))
            let data = Array(bytes[12..<(12 + length)])
            let dataCRC = bytes[(12 + length)..<(16 + length)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(dataCRC == CRC32C.masked(data))
            records.append(data)
            bytes.removeFirst(16 + length)
        }
        #expect(records.count == 2)
        // Event{wall_time = 1.7e9 (field 1, fixed64), file_version = "brain.Event:2" (field 3)}.
        var version: [UInt8] = [0x09]
        withUnsafeBytes(of: Double(1_700_000_000).bitPattern.littleEndian) { version += $0 }
        version += [0x1A, 13] + Array("brain.Event:2".utf8)
        #expect(records[0] == version)
        // step 3 is field 2 as a varint: 0x10 0x03; the summary (field 5) holds one value
        // {tag "loss" (0x0A 4 …), simple_value 0.5 (0x15, fixed32 0x3F000000)}.
        var scalar: [UInt8] = [0x09]
        withUnsafeBytes(of: Double(1_700_000_001).bitPattern.littleEndian) { scalar += $0 }
        scalar += [0x10, 0x03, 0x2A, 13, 0x0A, 11, 0x0A, 4] + Array("loss".utf8) + [0x15, 0x00, 0x00, 0x00, 0x3F]
        #expect(records[1] == scalar)
    }

    @Test func tensorBoardReadsBackTheScalarsAndHistogramsHoneWrote() throws {
        let directory = try TemporaryDirectory()
        let monitor = StatisticsMonitor(url: directory.file("monitors.jsonl"), settings: {
            var settings = MonitorSettings()
            settings.stepInterval = 2
            settings.sampleInterval = 3
            settings.histogramBins = 7
            return settings
        }())
        var generator = SeededGenerator(seed: 5)
        let inputs = Tensor.normal([48, 4], using: &generator)
        let labels = (0..<48).map { $0 % 2 }
        let loader = try DataLoader(dataset: TensorDataset(inputs: inputs, labels: labels), batchSize: 8, shuffle: true, seed: 1)
        let model = Sequential([Linear(4, 6, seed: 1), ReLU(), Linear(6, 2, seed: 2)])
        let trainer = Trainer(
            model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.1),
            callbacks: [monitor, monitor.afterClipping, TensorBoardCallback(directory: directory.file("tb"))])
        try trainer.fit(training: loader, validation: loader, epochs: 2)

        let read = try readWithTensorBoard(directory.file("tb"))
        #expect(read.fileVersion == "brain.Event:2")
        let steps = monitor.records.compactMap { record -> StepRecord? in if case .step(let step) = record { step } else { nil } }
        #expect(steps.count == 6)
        #expect(read.scalars["train/loss"]?.map { $0.step } == steps.map(\.step))
        #expect(read.scalars["train/loss"]?.map { $0.value } == steps.map { Float($0.loss) })
        #expect(read.scalars["gradients/global_norm"]?.map { $0.value } == steps.map { Float($0.gradientNorm) })
        #expect(read.scalars["epoch/val_accuracy"]?.map { $0.step } == [1, 2])
        #expect(read.scalars["epoch/train_loss"]?.map { $0.value } == trainer.history.map { Float($0.trainLoss) })
        let samples = monitor.records.compactMap { record -> SampleRecord? in if case .sample(let sample) = record { sample } else { nil } }
        #expect(samples.count >= 4)
        let activations = try #require(read.histograms["activations/1"])
        #expect(activations.map(\.step) == samples.map(\.step))
        for (histogram, sample) in zip(activations, samples) {
            let expected = try #require(sample.layers.first { $0.name == "1" }).histogram
            #expect(histogram.bucket == expected.counts.map(Double.init))
            #expect(histogram.bucketLimit == expected.upperEdges)
            #expect(histogram.num == Double(expected.count) && histogram.min == expected.min && histogram.max == expected.max)
            #expect(histogram.sum == expected.sum && histogram.sumSquares == expected.sumOfSquares)
        }
        let gradients = try #require(read.histograms["gradients/0.weight"])
        #expect(gradients.map(\.bucket) == samples.map { $0.parameters[0].gradientHistogram.counts.map(Double.init) })
        #expect(read.scalars["dead_fraction/1"]?.count == samples.count)
    }
}

/// What TensorBoard's reader returned.
struct TensorBoardRead {
    struct HistogramValue: Decodable {
        var step: Int
        var min: Double, max: Double, num: Double, sum: Double
        var sumSquares: Double
        var bucketLimit: [Double], bucket: [Double]

        enum CodingKeys: String, CodingKey {
            case step, min, max, num, sum
            case sumSquares = "sum_squares"
            case bucketLimit = "bucket_limit"
            case bucket
        }
    }

    var fileVersion: String
    var scalars: [String: [(step: Int, value: Float)]]
    var histograms: [String: [HistogramValue]]
}

/// Runs the reader script (TensorBoard from PyPI in a virtualenv outside the source tree)
/// on `directory`; throws when it cannot run, so the test fails instead of skipping.
func readWithTensorBoard(_ directory: URL) throws -> TensorBoardRead {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/read-tensorboard-events.sh")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [script.path, directory.path]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ReaderFailure(description: "TensorBoard reader failed (\(process.terminationStatus)): \(String(decoding: errorData, as: UTF8.self))")
    }
    struct Raw: Decodable {
        var file_version: String
        var scalars: [String: [[Double]]]
        var histograms: [String: [TensorBoardRead.HistogramValue]]
    }
    let raw = try JSONDecoder().decode(Raw.self, from: outputData)
    return TensorBoardRead(
        fileVersion: raw.file_version,
        scalars: raw.scalars.mapValues { $0.map { (Int($0[0]), Float($0[1])) } }, histograms: raw.histograms)
}

struct ReaderFailure: Error, CustomStringConvertible {
    var description: String
}
