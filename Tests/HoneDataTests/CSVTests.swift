import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

@Suite struct CSVParserTests {
    @Test func quotedFieldsKeepCommasEscapedQuotesAndLineBreaks() throws {
        let text = "name,note,value\r\n\"Smith, J\",\"said \"\"hi\"\"\",1\n\"multi\nline\",,2\n\nlast,x,3"
        let records = try CSVParser.records(in: Array(text.utf8), file: "t.csv")
        #expect(records.map(\.fields) == [
            ["name", "note", "value"],
            ["Smith, J", "said \"hi\"", "1"],
            ["multi\nline", "", "2"],
            ["last", "x", "3"],
        ])
        // Records carry the line they start on; the blank line 5 is skipped.
        #expect(records.map(\.line) == [1, 2, 3, 6])
    }

    @Test func byteOrderMarkIsNotPartOfTheFirstColumnName() throws {
        let records = try CSVParser.records(in: [0xEF, 0xBB, 0xBF] + Array("id,v\n1,2".utf8), file: "bom.csv")
        #expect(records[0].fields == ["id", "v"])
    }

    @Test func unterminatedQuoteNamesItsLine() {
        let error = expectDataError { _ = try CSVParser.records(in: Array("a,b\n1,\"open\n2,3".utf8), file: "q.csv") }
        #expect(error == .malformedField(file: "q.csv", line: 2, detail: "quoted field is never closed"))
    }

    @Test func textAfterClosingQuoteIsMalformed() {
        let error = expectDataError { _ = try CSVParser.records(in: Array("a,b\n\"x\"y,1".utf8), file: "q.csv") }
        guard case .malformedField(_, let line, _) = error else { Issue.record("wrong error"); return }
        #expect(line == 2)
    }
}

@Suite struct CSVDatasetTests {
    static let penguins = """
        id,bill,island,mass,species
        1,39.1,Torgersen,3750,Adelie
        2,46.5,Dream,3500,Chinstrap
        3,"45,0",Biscoe,5000,Gentoo
        """

    @Test func numericAndOneHotFeaturesWithClassTarget() throws {
        let directory = try TemporaryDirectory()
        let text = """
            id,bill,island,mass,species
            1,39.1,Torgersen,3750,Adelie
            2,46.5,Dream,3500,Chinstrap
            3,45.0,"Biscoe",5000,Gentoo
            4,38.0,Dream,3400,Adelie
            """
        let url = try directory.write(text, as: "penguins.csv")
        let data = try CSVDataset(contentsOf: url, options: CSVOptions(
            targetColumn: "species", categoricalColumns: ["island"], ignoredColumns: ["id"]))
        #expect(data.encoding.featureNames == ["bill", "island=Biscoe", "island=Dream", "island=Torgersen", "mass"])
        #expect(data.features.shape == [4, 5])
        expectClose(data.features.scalars, [
            39.1, 0, 0, 1, 3750,
            46.5, 0, 1, 0, 3500,
            45.0, 1, 0, 0, 5000,
            38.0, 0, 1, 0, 3400,
        ])
        #expect(data.encoding.classNames == ["Adelie", "Chinstrap", "Gentoo"])
        #expect(data.labels == [0, 1, 2, 0])
        #expect(data.sourceLines == [2, 3, 4, 5])
        #expect(data.missingCounts.isEmpty)
    }

    @Test func numericClassLabelsSortAsNumbers() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("x,y\n1,10\n2,2\n3,10\n4,9", as: "c.csv")
        let data = try CSVDataset(contentsOf: url, options: CSVOptions(targetColumn: "y"))
        #expect(data.encoding.classNames == ["2", "9", "10"])
        #expect(data.labels == [2, 0, 2, 1])
    }

    @Test func regressionTargetBecomesATargetTensor() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("a,b,price\n1,2,10.5\n3,4,-2\n", as: "r.csv")
        let data = try CSVDataset(contentsOf: url, options: CSVOptions(targetColumn: "price", targetKind: .regression))
        #expect(data.labels == nil)
        #expect(data.targets?.shape == [2, 1])
        #expect(data.targets?.scalars == [10.5, -2])
        #expect(data.label(at: 1) == .values([-2]))
    }

    @Test func encodingFittedOnTrainingEncodesTestAndInferenceRows() throws {
        let directory = try TemporaryDirectory()
        let train = try directory.write("size,colour,label\n1,red,a\nNA,blue,b\n5,red,a\n", as: "train.csv")
        let test = try directory.write("size,colour,label\n?,blue,b\n2,red,a\n", as: "test.csv")
        let fitted = try CSVDataset(contentsOf: train, options: CSVOptions(
            targetColumn: "label", categoricalColumns: ["colour"], missingValuePolicy: .imputeMean))
        #expect(fitted.missingCounts == ["size": 1])
        // The training mean of the present values (1 and 5) fills the gap.
        expectClose(fitted.features.scalars, [1, 0, 1, 3, 1, 0, 5, 0, 1])

        let encoded = try CSVDataset(contentsOf: test, encoding: fitted.encoding)
        expectClose(encoded.features.scalars, [3, 1, 0, 2, 0, 1])
        #expect(encoded.labels == [1, 0])

        let roundTripped = try JSONDecoder().decode(TabularEncoding.self, from: JSONEncoder().encode(fitted.encoding))
        #expect(roundTripped == fitted.encoding)
        #expect(try roundTripped.encode(["size": "7", "colour": "blue"]) == [7, 1, 0])
        #expect(expectDataError { _ = try roundTripped.encode(["size": "7", "colour": "green"]) }
            == .unknownCategory(file: "<row>", line: 0, column: "colour", value: "green"))
    }

    @Test func missingValuesAreCountedPerColumnUnderEachPolicy() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("a,b,c\n1,2,x\n,NaN,y\n4,?,x\n7,8,NA\n", as: "m.csv")
        let error = expectDataError {
            _ = try CSVDataset(contentsOf: url, options: CSVOptions(categoricalColumns: ["c"]))
        }
        #expect(error == .missingValues(file: url.path, firstLine: 3, countsByColumn: ["a": 1, "b": 2, "c": 1]))
        #expect(error?.description.contains("m.csv:3") == true)

        let dropped = try CSVDataset(contentsOf: url, options: CSVOptions(categoricalColumns: ["c"], missingValuePolicy: .dropRows))
        #expect(dropped.droppedRowCount == 3)
        #expect(dropped.sourceLines == [2])
        #expect(dropped.missingCounts == ["a": 1, "b": 2, "c": 1])

        let imputed = try CSVDataset(contentsOf: url, options: CSVOptions(categoricalColumns: ["c"], missingValuePolicy: .imputeMean))
        // a: mean(1, 4, 7) = 4; b: mean(2, 8) = 5; c: most frequent "x".
        expectClose(imputed.features.scalars, [1, 2, 1, 0, 4, 5, 0, 1, 4, 5, 1, 0, 7, 8, 1, 0])
    }

    @Test func raggedRowNamesFileAndLine() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("a,b\n1,2\n3\n", as: "ragged.csv")
        let error = expectDataError { _ = try CSVDataset(contentsOf: url, options: CSVOptions()) }
        #expect(error == .raggedRow(file: url.path, line: 3, expectedFields: 2, actualFields: 1))
        #expect(error?.description.contains("ragged.csv:3") == true)
    }

    @Test func nonNumericValueNamesLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("a,b\n1,2\n3,abc\n", as: "text.csv")
        let error = expectDataError { _ = try CSVDataset(contentsOf: url, options: CSVOptions()) }
        #expect(error == .nonNumericValue(file: url.path, line: 3, column: "b", value: "abc"))
        #expect(error?.description.contains("column 'b'") == true)
    }

    @Test func unknownTargetColumnAndEmptyTableAreReported() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("a,b\n1,2\n", as: "t.csv")
        #expect(expectDataError { _ = try CSVDataset(contentsOf: url, options: CSVOptions(targetColumn: "label")) }
            == .missingColumn(file: url.path, column: "label"))
        let headerOnly = try directory.write("a,b\n", as: "h.csv")
        #expect(expectDataError { _ = try CSVDataset(contentsOf: headerOnly, options: CSVOptions()) } == .empty(file: headerOnly.path))
        let twice = try directory.write("a,a\n1,2\n", as: "d.csv")
        #expect(expectDataError { _ = try CSVDataset(contentsOf: twice, options: CSVOptions()) }
            == .duplicateColumn(file: twice.path, column: "a"))
    }

    @Test func gzipCompressedTableReadsLikeThePlainOne() throws {
        let directory = try TemporaryDirectory()
        let plain = try directory.write(Self.penguins, as: "p.csv")
        let compressed = directory.file("p.csv.gz")
        try FileAccess.writeBytes(Array(Self.penguins.utf8), to: compressed)
        #expect(try FileAccess.readRawBytes(at: compressed).prefix(2) == [0x1f, 0x8b])
        let options = CSVOptions(targetColumn: "species", categoricalColumns: ["island", "bill"])
        let a = try CSVDataset(contentsOf: plain, options: options)
        let b = try CSVDataset(contentsOf: compressed, options: options)
        #expect(a.features.scalars == b.features.scalars)
        // The quoted "45,0" stays one field (here a category, since 'bill' is declared categorical).
        #expect(a.encoding.columns[1].categories == ["39.1", "45,0", "46.5"])
    }
}
