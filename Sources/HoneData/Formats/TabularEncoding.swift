/// What to do with missing values in a table.
public enum MissingValuePolicy: String, Codable, Sendable {
    /// Throw ``DataError/missingValues(file:firstLine:countsByColumn:)`` listing the counts per column.
    case error
    /// Drop every row with a missing value in a column that is used.
    case dropRows
    /// Replace a missing number by the column's training mean and a missing category by
    /// its most frequent training value (rows with a missing target are still an error).
    case imputeMean
    /// Replace a missing number by the column's training median (the mean of the two
    /// middle values for an even count) and a missing category by its most frequent value.
    case imputeMedian
    /// Replace a missing value by the column's most frequent training value (the smallest
    /// number, or the alphabetically first category, among equally frequent ones).
    case imputeMostFrequent

    /// The policy's name in a config (`drop_rows`, `impute_mean`, …).
    public var configName: String {
        switch self {
        case .error: return "error"
        case .dropRows: return "drop_rows"
        case .imputeMean: return "impute_mean"
        case .imputeMedian: return "impute_median"
        case .imputeMostFrequent: return "impute_most_frequent"
        }
    }

    /// Whether missing values are replaced by a value fitted on the training rows.
    public var imputes: Bool { self == .imputeMean || self == .imputeMedian || self == .imputeMostFrequent }
}

/// How a categorical column becomes features.
public enum CategoricalEncoding: String, Codable, Sendable {
    /// One feature per category, 1 for the row's category and 0 elsewhere (for networks).
    case oneHot = "one_hot"
    /// One feature holding the category's index in sorted order (for trees, which split
    /// on thresholds and need no one-hot block).
    case ordinal
}

/// Whether a table's target is a class or a number.
public enum TargetKind: String, Codable, Sendable {
    /// Class labels (any strings), mapped to indices `0..<classNames.count`.
    case classification
    /// A numeric regression target.
    case regression
}

/// How a table's columns become a feature vector, fitted on training data and kept
/// (`Codable`, saved with the model) to encode validation, test and inference rows
/// identically: numeric columns pass through, categorical columns become one-hot
/// blocks over the categories seen in training, the target becomes a class index.
public struct TabularEncoding: Codable, Equatable, Sendable {
    /// One used input column.
    public struct Column: Codable, Equatable, Sendable {
        /// The header name.
        public let name: String
        /// The categories in one-hot order; nil for a numeric column.
        public let categories: [String]?
        /// The value imputed for a missing number (the training mean), if imputation was fitted.
        public let imputedNumber: Float?
        /// The category imputed for a missing value (the most frequent in training), if imputation was fitted.
        public let imputedCategory: String?
        /// Whether the categories become one index feature instead of a one-hot block
        /// (absent in encodings saved before ordinal encoding existed: one-hot).
        public let ordinal: Bool?

        /// A column with the given encoding.
        public init(name: String, categories: [String]?, imputedNumber: Float?, imputedCategory: String?, ordinal: Bool? = nil) {
            self.name = name
            self.categories = categories
            self.imputedNumber = imputedNumber
            self.imputedCategory = imputedCategory
            self.ordinal = ordinal
        }

        /// Whether the column is categorical with ordinal (index) encoding.
        public var isOrdinal: Bool { categories != nil && ordinal == true }

        /// The number of features this column produces.
        public var width: Int { isOrdinal ? 1 : categories?.count ?? 1 }
    }

    /// The input columns in feature order.
    public let columns: [Column]
    /// The target column's name, if the table has one.
    public let targetColumn: String?
    /// How the target is read.
    public let targetKind: TargetKind
    /// Class names in index order (classification only).
    public let classNames: [String]
    /// The strings that mean "missing", sorted so a saved encoding is byte-for-byte stable.
    public let missingMarkers: [String]

    /// The name of each feature: the column name, or `column=category` for one-hot features.
    public var featureNames: [String] {
        columns.flatMap { column in
            column.isOrdinal ? [column.name] : column.categories.map { $0.map { "\(column.name)=\($0)" } } ?? [column.name]
        }
    }

    /// The same encoding without its target: reads feature-only rows (data to predict).
    public var withoutTarget: TabularEncoding {
        TabularEncoding(columns: columns, targetColumn: nil, targetKind: targetKind, classNames: classNames, missingMarkers: missingMarkers)
    }

    /// The number of features a row encodes to.
    public var featureCount: Int { columns.reduce(0) { $0 + $1.width } }

    /// Whether `field` counts as missing.
    public func isMissing(_ field: String) -> Bool {
        missingMarkers.containsMarker(field.trimmingSpaces)
    }

    /// Encodes one row given as column name → text (for inference on new data).
    ///
    /// - Throws: ``DataError`` when a column is absent, a number does not parse, a
    ///   category was not seen in training, or a value is missing without imputation.
    public func encode(_ row: [String: String]) throws -> [Float] {
        var features = [Float](repeating: 0, count: featureCount)
        try features.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for column in columns {
                guard let text = row[column.name] else {
                    throw DataError.missingColumn(file: "<row>", column: column.name)
                }
                try encode(text, column: column, into: buffer.baseAddress! + offset, file: "<row>", line: 0)
                offset += column.width
            }
        }
        return features
    }

    /// Writes `text`'s encoding for `column` at `destination`.
    func encode(_ text: String, column: Column, into destination: UnsafeMutablePointer<Float>, file: String, line: Int) throws {
        let value = text.trimmingSpaces
        let missing = missingMarkers.containsMarker(value)
        if let categories = column.categories {
            if !column.isOrdinal { destination.update(repeating: 0, count: categories.count) }
            let category = missing ? column.imputedCategory : value
            guard let category else {
                throw DataError.missingValues(file: file, firstLine: line, countsByColumn: [column.name: 1])
            }
            guard let position = categories.firstIndex(of: category) else {
                throw DataError.unknownCategory(file: file, line: line, column: column.name, value: category)
            }
            if column.isOrdinal {
                destination.pointee = Float(position)
            } else {
                destination[position] = 1
            }
        } else if missing {
            guard let imputed = column.imputedNumber else {
                throw DataError.missingValues(file: file, firstLine: line, countsByColumn: [column.name: 1])
            }
            destination.pointee = imputed
        } else {
            guard let number = Float(value), number.isFinite else {
                throw DataError.nonNumericValue(file: file, line: line, column: column.name, value: value)
            }
            destination.pointee = number
        }
    }

    /// The class index of a target value.
    public func classIndex(of value: String) throws -> Int {
        guard let index = classNames.firstIndex(of: value.trimmingSpaces) else {
            throw DataError.unknownCategory(file: "<value>", line: 0, column: targetColumn ?? "target", value: value)
        }
        return index
    }
}

extension Collection<String> {
    /// Whether `trimmed` is one of these missing-value markers; a field whose length
    /// matches no marker (most numbers) is answered without comparing text.
    func containsMarker(_ trimmed: String) -> Bool {
        let length = trimmed.utf8.count
        return contains { $0.utf8.count == length && $0 == trimmed }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        // Most fields have nothing to trim; answering without building a new string keeps parsing fast.
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.first, let last = utf8.last, isBlank(first) || isBlank(last) else { return self }
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
