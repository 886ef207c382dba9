// libFuzzer harness: whole CSV tables (`CSVDataset(bytes:name:options:)`): header, column
// encoding, missing values. The first two bytes choose the options (missing-value policy,
// target column and kind, categorical columns) among the file's own header names, so the
// fuzzer reaches the encoding code and not only "no such column". A read either throws
// `DataError` or gives features whose rows match encoding the same rows one by one.
import Foundation
@testable import HoneData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVDataset(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let choice = Int(data[0]), columnMask = Int(data[1])
    let bytes = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let policies: [MissingValuePolicy] = [.error, .dropRows, .imputeMean]
    var options = CSVOptions(missingValuePolicy: policies[choice % 3])
    options.targetKind = choice & 4 == 0 ? .classification : .regression
    if let header = try? CSVParser.records(in: bytes, file: "fuzz.csv").first?.fields.map({ $0.trimmingSpaces }),
       !header.isEmpty {
        if choice & 8 != 0 { options.targetColumn = header[(choice >> 4) % header.count] }
        for (position, name) in header.enumerated() where position < 8 && columnMask & (1 << position) != 0 {
            options.categoricalColumns.insert(name)
        }
        options.categoricalColumns.remove(options.targetColumn ?? "")
    }
    do {
        let dataset = try CSVDataset(bytes: bytes, name: "fuzz.csv", options: options)
        let width = dataset.encoding.featureCount
        precondition(dataset.features.shape == [dataset.count, width], "features have the wrong shape")
        // The encoding must survive being saved with a model.
        let saved = try JSONEncoder().encode(dataset.encoding)
        let restored = try JSONDecoder().decode(TabularEncoding.self, from: saved)
        precondition(restored == dataset.encoding, "encoding round trip changed it")
        let table = try CSVParser.records(in: bytes, file: "fuzz.csv")
        let header = table[0].fields.map { $0.trimmingSpaces }
        let byLine = Dictionary(table.dropFirst().map { ($0.line, $0.fields) }, uniquingKeysWith: { first, _ in first })
        let features = dataset.features.scalars
        for (row, line) in dataset.sourceLines.enumerated() {
            let fields = byLine[line]!
            let encoded = try dataset.encoding.encode(Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first }))
            let stored = Array(features[(row * width)..<((row + 1) * width)])
            precondition(encoded.map(\.bitPattern) == stored.map(\.bitPattern), "row \(row) encodes differently alone")
        }
    } catch is DataError {
    } catch {
        fatalError("CSV dataset reader threw an untyped error: \(error)")
    }
    return 0
}
