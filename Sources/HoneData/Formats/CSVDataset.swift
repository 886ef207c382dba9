import Foundation

/// How to read a CSV table: which column is the target, which are categorical, and
/// what to do about missing values.
public struct CSVOptions: Sendable {
    /// The target column's name; nil reads features only.
    public var targetColumn: String?
    /// Whether the target holds class labels or numbers.
    public var targetKind: TargetKind
    /// Columns holding strings, one-hot or ordinal encoded; every other used column must be numeric.
    public var categoricalColumns: Set<String>
    /// How the categorical columns are encoded.
    public var categoricalEncoding: CategoricalEncoding
    /// Columns left out of the features (e.g. an id).
    public var ignoredColumns: Set<String>
    /// What to do with missing values.
    public var missingValuePolicy: MissingValuePolicy
    /// The field texts that mean "missing".
    public var missingMarkers: Set<String>
    /// The field separator.
    public var delimiter: Character

    /// The field texts that mean "missing" unless told otherwise.
    public static let defaultMissingMarkers: Set<String> = ["", "NA", "NaN", "nan", "NAN", "?"]

    /// Options with the usual defaults: comma-separated, missing values are an error.
    public init(targetColumn: String? = nil, targetKind: TargetKind = .classification,
                categoricalColumns: Set<String> = [], categoricalEncoding: CategoricalEncoding = .oneHot,
                ignoredColumns: Set<String> = [], missingValuePolicy: MissingValuePolicy = .error,
                missingMarkers: Set<String> = defaultMissingMarkers, delimiter: Character = ",") {
        self.targetColumn = targetColumn
        self.targetKind = targetKind
        self.categoricalColumns = categoricalColumns
        self.categoricalEncoding = categoricalEncoding
        self.ignoredColumns = ignoredColumns
        self.missingValuePolicy = missingValuePolicy
        self.missingMarkers = missingMarkers
        self.delimiter = delimiter
    }
}

/// A table read from a CSV file with a header: features `[N, F]` (numbers as they are,
/// categories one-hot), class labels or regression targets, the fitted
/// ``TabularEncoding`` and what was missing.
///
/// ```swift
/// let train = try CSVDataset(contentsOf: trainURL, options: CSVOptions(
///     targetColumn: "species", categoricalColumns: ["island"], missingValuePolicy: .imputeMean))
/// let test = try CSVDataset(contentsOf: testURL, encoding: train.encoding)   // same categories, training means
/// ```
public struct CSVDataset: Dataset {
    /// Features `[N, F]`.
    public let features: Tensor
    /// Class indices (classification) or nil.
    public let labels: [Int]?
    /// Regression targets `[N, 1]` or nil.
    public let targets: Tensor?
    /// The column encoding, reusable for other files and for inference.
    public let encoding: TabularEncoding
    /// Missing values found in the file, per column (before dropping or imputing).
    public let missingCounts: [String: Int]
    /// The number of rows dropped under ``MissingValuePolicy/dropRows``.
    public let droppedRowCount: Int
    /// The file line each kept row came from.
    public let sourceLines: [Int]

    /// Reads `url` (gzip when it ends in `.gz`) and fits the encoding on it.
    ///
    /// - Throws: ``DataError`` naming the file and line: missing file, malformed
    ///   quoting, ragged row, non-numeric value in a numeric column, missing values
    ///   under the error policy, unknown target/ignored/categorical column, no rows.
    public init(contentsOf url: URL, options: CSVOptions) throws {
        let table = try CSVTable(url: url, delimiter: options.delimiter)
        let encoding = try table.fitEncoding(options: options)
        try self.init(table: table, encoding: encoding, policy: options.missingValuePolicy)
    }

    /// Reads a table held in memory; `name` stands for the file in errors.
    public init(bytes: [UInt8], name: String, options: CSVOptions) throws {
        let table = try CSVTable(bytes: bytes, file: name, delimiter: options.delimiter)
        let encoding = try table.fitEncoding(options: options)
        try self.init(table: table, encoding: encoding, policy: options.missingValuePolicy)
    }

    /// Reads `url` with an encoding fitted elsewhere (the training file): the same
    /// columns, categories, classes and imputed values.
    ///
    /// - Throws: as above, plus ``DataError/unknownCategory(file:line:column:value:)`` for a
    ///   category or class the encoding has not seen.
    ///
    /// - Parameter targetIsOptional: read a file without the target column as features
    ///   only (new data to predict) instead of throwing ``DataError/missingColumn(file:column:)``.
    public init(contentsOf url: URL, encoding: TabularEncoding, missingValuePolicy: MissingValuePolicy = .imputeMean,
                delimiter: Character = ",", targetIsOptional: Bool = false) throws {
        let table = try CSVTable(url: url, delimiter: delimiter)
        var encoding = encoding
        if targetIsOptional, let target = encoding.targetColumn, !table.header.contains(target) {
            encoding = encoding.withoutTarget
        }
        try self.init(table: table, encoding: encoding, policy: missingValuePolicy)
    }

    private init(table: CSVTable, encoding: TabularEncoding, policy: MissingValuePolicy) throws {
        let usedColumns = encoding.columns.map(\.name) + (encoding.targetColumn.map { [$0] } ?? [])
        let positions = try usedColumns.map { try table.position(of: $0) }
        var missingCounts = [String: Int]()
        var firstMissingLine: Int?
        var firstMissingTargetLine: Int?
        var keptRows = [CSVRecord]()
        for record in table.rows {
            var rowHasMissing = false
            for (name, position) in zip(usedColumns, positions) where encoding.isMissing(record.fields[position]) {
                missingCounts[name, default: 0] += 1
                rowHasMissing = true
                if name == encoding.targetColumn { firstMissingTargetLine = firstMissingTargetLine ?? record.line }
            }
            if rowHasMissing {
                firstMissingLine = firstMissingLine ?? record.line
                if policy == .dropRows { continue }
            }
            keptRows.append(record)
        }
        // A missing label comes first: no policy would make that row usable.
        if let firstMissingTargetLine, let target = encoding.targetColumn {
            throw DataError.missingTarget(file: table.file, line: firstMissingTargetLine, column: target)
        }
        // Counted over the whole file first, so the error reports every column's total.
        if let firstMissingLine, policy == .error {
            throw DataError.missingValues(file: table.file, firstLine: firstMissingLine, countsByColumn: missingCounts)
        }
        guard !keptRows.isEmpty else { throw DataError.empty(file: table.file) }

        let width = encoding.featureCount
        let features = Tensor(uninitializedShape: [keptRows.count, width])
        var labels = [Int]()
        var targetValues = [Float]()
        for (row, record) in keptRows.enumerated() {
            var offset = 0
            for (column, position) in zip(encoding.columns, positions) {
                try encoding.encode(record.fields[position], column: column,
                                    into: features.storage.pointer + row * width + offset, file: table.file, line: record.line)
                offset += column.width
            }
            guard let targetName = encoding.targetColumn else { continue }
            let text = record.fields[positions.last!].trimmingSpaces
            switch encoding.targetKind {
            case .classification:
                guard let index = encoding.classNames.firstIndex(of: text) else {
                    throw DataError.unknownCategory(file: table.file, line: record.line, column: targetName, value: text)
                }
                labels.append(index)
            case .regression:
                guard let value = Float(text), value.isFinite else {
                    throw DataError.nonNumericValue(file: table.file, line: record.line, column: targetName, value: text)
                }
                targetValues.append(value)
            }
        }
        self.features = features
        self.labels = encoding.targetColumn != nil && encoding.targetKind == .classification ? labels : nil
        self.targets = encoding.targetColumn != nil && encoding.targetKind == .regression
            ? Tensor(shape: [targetValues.count, 1], scalars: targetValues) : nil
        self.encoding = encoding
        self.missingCounts = missingCounts
        self.droppedRowCount = table.rows.count - keptRows.count
        self.sourceLines = keptRows.map(\.line)
    }

    /// The number of rows.
    public var count: Int { features.shape[0] }
    /// `[F]`.
    public var sampleShape: [Int] { [features.shape[1]] }

    /// The class index, the regression target, or an empty target for a features-only table.
    public func label(at index: Int) -> Label {
        if let labels { return .classIndex(labels[index]) }
        if let targets { return .values([targets.storage.pointer[index]]) }
        return .values([])
    }

    /// Copies row `index` of the features.
    public func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        destination.baseAddress!.update(from: features.storage.pointer + index * destination.count, count: destination.count)
    }
}
