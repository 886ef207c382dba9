// libFuzzer harness: CSV tables whose columns are categorical (`CSVDataset(bytes:name:options:)`
// with every column but the target categorical, one-hot or ordinal as the first byte says),
// then the fitted encoding applied to rows it has never seen: a category absent from the
// training rows, an empty field, a number. A read either throws `DataError` or gives
// features of the encoding's width, and every encoded row has that width too.
import Foundation
@testable import HoneData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVCategorical(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let choice = Int(data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let policies: [MissingValuePolicy] = [.error, .dropRows, .imputeMostFrequent, .imputeMean]
    var options = CSVOptions(missingValuePolicy: policies[(choice >> 2) % policies.count])
    options.categoricalEncoding = choice & 1 == 0 ? .oneHot : .ordinal
    guard let header = try? CSVParser.records(in: bytes, file: "fuzz.csv").first?.fields.map({ $0.trimmingSpaces }),
          !header.isEmpty
    else { return 0 }
    if choice & 2 != 0 { options.targetColumn = header[header.count - 1] }
    options.categoricalColumns = Set(header.filter { $0 != options.targetColumn })
    do {
        let dataset = try CSVDataset(bytes: bytes, name: "fuzz.csv", options: options)
        let width = dataset.encoding.featureCount
        precondition(dataset.features.shape == [dataset.count, width], "features have the wrong shape")
        for unseen in ["never seen in training", "", "3.5"] {
            let row = Dictionary(header.map { ($0, unseen) }, uniquingKeysWith: { first, _ in first })
            do {
                let encoded = try dataset.encoding.encode(row)
                precondition(encoded.count == width, "an encoded row has the wrong width")
            } catch is DataError {}
        }
    } catch is DataError {
    } catch {
        fatalError("CSV dataset reader threw an untyped error: \(error)")
    }
    return 0
}
