import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a TensorBoard event file (`events.out.tfevents.<seconds>.<host>.<pid>.<n>`, the
/// process id and a counter keeping the files of parallel workers apart): scalars and
/// histograms that `tensorboard --logdir` shows beside PyTorch runs.
///
/// The file is a sequence of TFRecords — little-endian `uint64` length, masked CRC-32C of
/// the length, the data, masked CRC-32C of the data — each holding one `Event` message,
/// the first of them with `file_version: "brain.Event:2"`. Messages are encoded by hand
/// (see TensorFlow's `event.proto` and `summary.proto`): `Event` {1 wall_time double,
/// 2 step int64, 3 file_version string, 5 summary}; `Summary` {1 repeated value};
/// `Summary.Value` {1 tag, 2 simple_value float, 5 histo}; `HistogramProto` {1 min, 2 max,
/// 3 num, 4 sum, 5 sum_squares, 6 packed bucket_limit, 7 packed bucket}.
///
/// ```swift
/// let writer = try EventWriter(directory: runURL)
/// try writer.scalar("loss", 0.42, step: 100)
/// try writer.histogram("gradients/fc.weight", histogram, step: 100)
/// ```
public final class EventWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `directory` (made if missing) and writes its version record.
    ///
    /// - Throws: ``HoneTrain/TrainingError/unwritable(file:detail:)``.
    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count) == 0 ? String(cString: host) : "localhost"
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(wallTime)).\(hostName).\(getpid()).\(Self.nextSerial())")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw TrainingError.unwritable(file: url.path, detail: "\(error)")
        }
        var event = ProtobufEncoder()
        event.double(1, wallTime)
        event.string(3, "brain.Event:2")
        try writeRecord(event.bytes)
    }

    deinit { try? handle.close() }

    private static let serialLock = NSLock()
    nonisolated(unsafe) private static var serial = 0

    /// A number unique within the process, so that two writers opened in one second differ.
    private static func nextSerial() -> Int {
        serialLock.lock()
        defer { serialLock.unlock() }
        serial += 1
        return serial - 1
    }

    /// Writes one scalar (stored as a 32-bit float, as TensorBoard's `simple_value`).
    public func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        try scalars([(tag, value)], step: step, wallTime: wallTime)
    }

    /// Writes several scalars of one step in one event.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        guard !values.isEmpty else { return }
        var summary = ProtobufEncoder()
        for (tag, value) in values {
            var entry = ProtobufEncoder()
            entry.string(1, tag)
            entry.float(2, Float(value))
            summary.bytesField(1, entry.bytes)
        }
        try writeSummary(summary.bytes, step: step, wallTime: wallTime)
    }

    /// Writes a histogram: its buckets become TensorBoard buckets whose right edges are
    /// ``HoneTrain/Histogram/upperEdges``.
    public func histogram(_ tag: String, _ histogram: Histogram, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        var proto = ProtobufEncoder()
        proto.double(1, histogram.min)
        proto.double(2, histogram.max)
        proto.double(3, Double(histogram.count))
        proto.double(4, histogram.sum)
        proto.double(5, histogram.sumOfSquares)
        proto.packedDoubles(6, histogram.upperEdges)
        proto.packedDoubles(7, histogram.counts.map(Double.init))
        var entry = ProtobufEncoder()
        entry.string(1, tag)
        entry.bytesField(5, proto.bytes)
        var summary = ProtobufEncoder()
        summary.bytesField(1, entry.bytes)
        try writeSummary(summary.bytes, step: step, wallTime: wallTime)
    }

    /// Pushes the written records to the disk.
    public func flush() throws {
        do { try handle.synchronize() } catch { throw TrainingError.unwritable(file: url.path, detail: "\(error)") }
    }

    private func writeSummary(_ summary: [UInt8], step: Int, wallTime: Double) throws {
        var event = ProtobufEncoder()
        event.double(1, wallTime)
        event.int64(2, Int64(step))
        event.bytesField(5, summary)
        try writeRecord(event.bytes)
    }

    /// Frames `data` as one TFRecord and appends it.
    private func writeRecord(_ data: [UInt8]) throws {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { record.append(contentsOf: $0) }
        let lengthCRC = CRC32C.masked(record[0..<8])
        withUnsafeBytes(of: lengthCRC.littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { record.append(contentsOf: $0) }
        do { try handle.write(contentsOf: Data(record)) } catch { throw TrainingError.unwritable(file: url.path, detail: "\(error)") }
    }
}
