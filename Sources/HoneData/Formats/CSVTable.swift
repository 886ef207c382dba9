import Foundation

/// A parsed CSV file: its header and data rows, every row checked to have the header's width.
struct CSVTable {
    let file: String
    let header: [String]
    let rows: [CSVRecord]

    init(url: URL, delimiter: Character) throws {
        try self.init(bytes: try FileAccess.readBytes(at: url), file: url.path, delimiter: delimiter)
    }

    init(bytes: [UInt8], file: String, delimiter: Character) throws {
        self.file = file
        guard let delimiterByte = delimiter.asciiValue else {
            throw DataError.invalidParameter(name: "delimiter", detail: "must be an ASCII character, got '\(delimiter)'")
        }
        var records = try CSVParser.records(in: bytes, delimiter: delimiterByte, file: file)
        guard !records.isEmpty else { throw DataError.empty(file: file) }
        header = records.removeFirst().fields.map(\.trimmingSpaces)
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw DataError.duplicateColumn(file: file, column: name)
        }
        for record in records where record.fields.count != header.count {
            throw DataError.raggedRow(file: file, line: record.line, expectedFields: header.count, actualFields: record.fields.count)
        }
        rows = records
    }

    /// The position of column `name` in the header.
    func position(of name: String) throws -> Int {
        guard let position = header.firstIndex(of: name) else {
            throw DataError.missingColumn(file: file, column: name)
        }
        return position
    }

    /// Fits the column encoding: categories, class names and imputed values from this
    /// table's rows (rows with a missing value are left out of the statistics).
    func fitEncoding(options: CSVOptions) throws -> TabularEncoding {
        let named = options.categoricalColumns.union(options.ignoredColumns).union(options.targetColumn.map { [$0] } ?? [])
        for name in named.sorted() { _ = try position(of: name) }
        let markers = options.missingMarkers
        func isMissing(_ text: String) -> Bool { markers.containsMarker(text.trimmingSpaces) }
        let inputNames = header.filter { $0 != options.targetColumn && !options.ignoredColumns.contains($0) }
        let policy = options.missingValuePolicy

        var columns = [TabularEncoding.Column]()
        for name in inputNames {
            let position = try position(of: name)
            if options.categoricalColumns.contains(name) {
                var frequencies = [String: Int]()
                for row in rows where !isMissing(row.fields[position]) {
                    frequencies[row.fields[position].trimmingSpaces, default: 0] += 1
                }
                // Ties go to the alphabetically first category, so the choice is deterministic.
                let mostFrequent = frequencies.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
                columns.append(.init(name: name, categories: frequencies.keys.sorted(), imputedNumber: nil,
                                     imputedCategory: policy.imputes ? mostFrequent : nil,
                                     ordinal: options.categoricalEncoding == .ordinal ? true : nil))
            } else {
                var values = [Double]()
                for row in rows where !isMissing(row.fields[position]) {
                    let text = row.fields[position].trimmingSpaces
                    guard let value = Double(text), value.isFinite else {
                        throw DataError.nonNumericValue(file: file, line: row.line, column: name, value: text)
                    }
                    values.append(value)
                }
                if policy.imputes && values.isEmpty {
                    throw DataError.invalidParameter(name: "\(file): column '\(name)'", detail: "every value is missing, nothing to impute from")
                }
                columns.append(.init(name: name, categories: nil, imputedNumber: Self.imputedValue(values, policy: policy), imputedCategory: nil))
            }
        }

        var classNames = [String]()
        if let target = options.targetColumn, options.targetKind == .classification {
            let position = try position(of: target)
            let distinct = Set(rows.map { $0.fields[position].trimmingSpaces }.filter { !markers.containsMarker($0) })
            // Numeric class labels sort as numbers ("2" before "10"), others as text.
            if distinct.allSatisfy({ Double($0) != nil }) {
                classNames = distinct.sorted { Double($0)! < Double($1)! }
            } else {
                classNames = distinct.sorted()
            }
        }
        return TabularEncoding(columns: columns, targetColumn: options.targetColumn, targetKind: options.targetKind,
                               classNames: classNames, missingMarkers: markers.sorted())
    }

    /// The value `policy` puts in place of a missing number, fitted on the column's present `values`.
    static func imputedValue(_ values: [Double], policy: MissingValuePolicy) -> Float? {
        guard !values.isEmpty else { return nil }
        switch policy {
        case .imputeMean:
            return Float(values.reduce(0, +) / Double(values.count))
        case .imputeMedian:
            let sorted = values.sorted(), middle = sorted.count / 2
            return Float(sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2)
        case .imputeMostFrequent:
            var frequencies = [Double: Int]()
            for value in values { frequencies[value, default: 0] += 1 }
            // Ties go to the smallest value, so the choice is deterministic.
            return Float(frequencies.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key)
        case .error, .dropRows:
            return nil
        }
    }
}
