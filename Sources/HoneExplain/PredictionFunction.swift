import HoneCore
import Synchronization

/// A model to explain: a function from a batch of rows to outputs.
///
/// Nets, trees and ensembles all fit: rows arrive row-major (`rowCount × featureCount`
/// floats) and the function returns `rowCount × outputCount` floats, row-major. Every
/// explainer calls it with large batches, so a model that vectorizes over rows is fast.
///
/// ```swift
/// let net = Sequential { Linear(4, 8); ReLU(); Linear(8, 1) }
/// let model = PredictionFunction(featureCount: 4, outputCount: 1) { net($0) }
/// let linear = PredictionFunction(featureCount: 2) { rows, count in
///     (0..<count).map { 3 * rows[2 * $0] - rows[2 * $0 + 1] }
/// }
/// ```
public struct PredictionFunction {
    /// The number of input features per row.
    public let featureCount: Int
    /// The number of outputs per row.
    public let outputCount: Int
    /// Whether the function may be called from several threads at once; the explainers
    /// then explain several rows (or features) in parallel, one thread each.
    public let allowsConcurrentCalls: Bool
    private let body: (_ rows: [Float], _ rowCount: Int) -> [Float]

    /// A model from a closure over row-major batches.
    ///
    /// - Parameters:
    ///   - allowsConcurrentCalls: false when `body` keeps state that concurrent calls would share.
    ///   - body: maps `rowCount × featureCount` floats to `rowCount × outputCount` floats.
    public init(
        featureCount: Int, outputCount: Int = 1, allowsConcurrentCalls: Bool = true,
        _ body: @escaping (_ rows: [Float], _ rowCount: Int) -> [Float]
    ) {
        precondition(featureCount > 0 && outputCount > 0, "a model needs at least one feature and one output")
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.allowsConcurrentCalls = allowsConcurrentCalls
        self.body = body
    }

    /// A model from a tensor function (a net's forward pass): `[rowCount, featureCount]` in,
    /// `[rowCount, outputCount]` (or `[rowCount]`) out, evaluated without recording gradients.
    /// A net in evaluation mode computes each batch from its weights alone, so concurrent calls are safe.
    public init(featureCount: Int, outputCount: Int = 1, tensorFunction: @escaping (Tensor) -> Tensor) {
        self.init(featureCount: featureCount, outputCount: outputCount, allowsConcurrentCalls: true) { rows, rowCount in
            withNoGrad { tensorFunction(Tensor(shape: [rowCount, featureCount], scalars: rows)).scalars }
        }
    }

    /// The outputs of `rowCount` rows, row-major; checks the count the closure returned.
    public func callAsFunction(_ rows: [Float], rowCount: Int) -> [Float] {
        precondition(rows.count == rowCount * featureCount, "rows hold \(rows.count) floats, expected \(rowCount) × \(featureCount)")
        let outputs = body(rows, rowCount)
        precondition(outputs.count == rowCount * outputCount, "the model returned \(outputs.count) outputs for \(rowCount) rows × \(outputCount)")
        return outputs
    }

    /// Output `output` of every row, in Double, evaluating `rowsPerCall` rows at a time so a
    /// large synthetic batch never sits in memory as one model input.
    public func column(_ rows: [Float], rowCount: Int, output: Int, rowsPerCall: Int = 16_384) -> [Double] {
        var values = [Double](repeating: 0, count: rowCount)
        var start = 0
        while start < rowCount {
            let end = min(rowCount, start + rowsPerCall)
            let chunk = start == 0 && end == rowCount ? rows : Array(rows[(start * featureCount)..<(end * featureCount)])
            let outputs = self(chunk, rowCount: end - start)
            for row in 0..<(end - start) { values[start + row] = Double(outputs[row * outputCount + output]) }
            start = end
        }
        return values
    }
}

extension PredictionFunction {
    /// `count` independent results, computed by up to ``HoneCore/Parallel/workerCount``
    /// threads when the model allows concurrent calls. Each thread runs whole items, so the
    /// model's own kernels run single-threaded inside: one join at the end instead of one per
    /// kernel, which keeps a loaded machine's cores busy with work rather than waiting.
    /// Threads take the next item when they finish one (rather than a fixed half each), so a
    /// thread the machine delays does fewer items instead of holding up the join.
    func map<Result>(_ count: Int, _ item: (Int) -> Result) -> [Result] {
        guard allowsConcurrentCalls && count > 1 else { return (0..<count).map(item) }
        var results = [Result?](repeating: nil, count: count)
        let next = Atomic<Int>(0)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = buffer
            Parallel.forEachChunk(min(Parallel.workerCount, count), costPerItem: 1 << 20) { _ in
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    output[index] = item(index)
                }
            }
        }
        return results.map { $0! }
    }
}

/// A matrix of rows for explanation, row-major Float32, as models take them.
public struct FeatureRows: Equatable, Sendable {
    /// `rowCount × featureCount` values, row-major.
    public var values: [Float]
    /// The number of rows.
    public let rowCount: Int
    /// The number of features per row.
    public let featureCount: Int

    /// Rows from nested arrays; every row must have the same length.
    public init(_ rows: [[Float]]) {
        precondition(!rows.isEmpty, "no rows")
        featureCount = rows[0].count
        precondition(rows.allSatisfy { $0.count == rows[0].count }, "rows of different lengths")
        rowCount = rows.count
        values = rows.flatMap { $0 }
    }

    /// Rows from a row-major buffer.
    public init(values: [Float], featureCount: Int) {
        precondition(featureCount > 0 && values.count % featureCount == 0, "\(values.count) values do not split into rows of \(featureCount)")
        self.values = values
        self.featureCount = featureCount
        rowCount = values.count / featureCount
    }

    /// Row `index` as an array.
    public subscript(row index: Int) -> [Float] {
        Array(values[(index * featureCount)..<((index + 1) * featureCount)])
    }

    /// Column `feature` in Double.
    public func column(_ feature: Int) -> [Double] {
        (0..<rowCount).map { Double(values[$0 * featureCount + feature]) }
    }
}

/// A request an explainer cannot serve, named so a caller can print it as one line.
public enum ExplainError: Error, CustomStringConvertible, Equatable {
    /// Rows and model disagree on the number of features.
    case featureCountMismatch(source: String, expected: Int, found: Int)
    /// A setting out of its range.
    case invalidSetting(name: String, detail: String)
    /// The method cannot explain this kind of model.
    case unsupportedMethod(method: String, model: String)

    public var description: String {
        switch self {
        case let .featureCountMismatch(source, expected, found):
            return "\(source) has \(found) features but the model takes \(expected)"
        case let .invalidSetting(name, detail):
            return "\(name): \(detail)"
        case let .unsupportedMethod(method, model):
            return "\(method) cannot explain \(model)"
        }
    }
}
