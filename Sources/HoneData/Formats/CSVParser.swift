/// One CSV record: its fields and the line of the file it starts on (1-based).
public struct CSVRecord: Equatable, Sendable {
    /// The 1-based line the record starts on.
    public let line: Int
    /// The fields, unquoted.
    public let fields: [String]
}

/// An RFC 4180 CSV tokenizer: fields separated by a delimiter, records by LF or CRLF;
/// a field in double quotes may contain delimiters, line breaks and doubled quotes
/// (`""` reads as `"`). Blank lines are skipped.
public enum CSVParser {
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// The records of `bytes` (UTF-8); `file` names the source in errors.
    ///
    /// - Throws: ``DataError/malformedField(file:line:detail:)`` for an unterminated
    ///   quoted field, text after a closing quote, or invalid UTF-8.
    public static func records(in bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), file: String) throws -> [CSVRecord] {
        var records = [CSVRecord]()
        var fields = [String]()
        var field = [UInt8]()
        var line = 1
        var recordLine = 1
        // A UTF-8 byte order mark (as spreadsheet exports write) is not part of the first column's name.
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var fieldWasQuoted = false
        let count = bytes.count

        func finishField() throws {
            guard let text = field.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) else {
                throw DataError.malformedField(file: file, line: line, detail: "field is not valid UTF-8")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func finishRecord() throws {
            try finishField()
            // A line holding nothing at all is blank, not a record with one empty field.
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(CSVRecord(line: recordLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
        }

        while index < count {
            let byte = bytes[index]
            if byte == quote && field.isEmpty && !fieldWasQuoted {
                // A quoted field: read to the closing quote.
                let openingLine = line
                index += 1
                var closed = false
                while index < count {
                    let inner = bytes[index]
                    if inner == quote {
                        if index + 1 < count && bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    if inner == lineFeed { line += 1 }
                    field.append(inner)
                    index += 1
                }
                guard closed else {
                    throw DataError.malformedField(file: file, line: openingLine, detail: "quoted field is never closed")
                }
                fieldWasQuoted = true
                if index < count, bytes[index] != delimiter, bytes[index] != lineFeed, bytes[index] != carriageReturn {
                    throw DataError.malformedField(
                        file: file, line: line, detail: "unexpected character after a closing quote (expected a delimiter or end of line)")
                }
                continue
            }
            if byte == delimiter {
                try finishField()
            } else if byte == lineFeed || byte == carriageReturn {
                try finishRecord()
                if byte == carriageReturn, index + 1 < count, bytes[index + 1] == lineFeed { index += 1 }
                line += 1
                recordLine = line
            } else if fieldWasQuoted {
                throw DataError.malformedField(file: file, line: line, detail: "text after a closing quote")
            } else {
                // Copy the rest of an unquoted field in one go.
                let start = index
                while index < count, bytes[index] != delimiter, bytes[index] != lineFeed, bytes[index] != carriageReturn {
                    index += 1
                }
                field.append(contentsOf: bytes[start..<index])
                continue
            }
            index += 1
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { try finishRecord() }
        return records
    }
}
