// libFuzzer harness: the CSV tokenizer (`CSVParser.records`). The first byte picks the
// delimiter, the rest is the file. A parse either throws `DataError` or gives records
// that, written back with every field quoted, parse to the same fields.
import Foundation
import HoneData

let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let delimiter = delimiters[Int(data[0]) % delimiters.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        let records = try CSVParser.records(in: bytes, delimiter: delimiter, file: "fuzz.csv")
        var written = [UInt8]()
        for record in records {
            let fields = record.fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            written += Array(fields.joined(separator: String(UnicodeScalar(delimiter))).utf8) + [UInt8(ascii: "\n")]
        }
        let reread = try CSVParser.records(in: written, delimiter: delimiter, file: "round-trip.csv")
        precondition(reread.map(\.fields) == records.map(\.fields), "CSV round trip changed the fields")
    } catch is DataError {
    } catch {
        fatalError("CSV parser threw an untyped error: \(error)")
    }
    return 0
}
