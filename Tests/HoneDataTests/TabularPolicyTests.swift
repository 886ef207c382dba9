import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

@Suite struct TabularPolicyTests {
    /// Column `x` holds 1, 2, 10, 2 and a missing value; `c` holds a, b, b and a missing value.
    static let table = """
        x,c,y
        1,a,0
        2,b,1
        ,b,0
        10,,1
        2,b,0
        """

    @Test func medianImputationUsesTheMiddleValueAndTheMostFrequentCategory() throws {
        let data = try CSVDataset(bytes: Array(Self.table.utf8), name: "t.csv", options: CSVOptions(
            targetColumn: "y", categoricalColumns: ["c"], missingValuePolicy: .imputeMedian))
        // Present x values sorted: 1, 2, 2, 10 → median (2 + 2) / 2 = 2; category b appears twice, a once.
        #expect(data.encoding.columns[0].imputedNumber == 2)
        #expect(data.encoding.columns[1].imputedCategory == "b")
        // Rows: x then one-hot c over [a, b].
        expectClose(data.features.scalars, [1, 1, 0, 2, 0, 1, 2, 0, 1, 10, 0, 1, 2, 0, 1])
    }

    @Test func medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() throws {
        let text = "x,y\n4,0\n1,1\n10,0\n2,1\n,0\n"
        let data = try CSVDataset(bytes: Array(text.utf8), name: "e.csv", options: CSVOptions(
            targetColumn: "y", missingValuePolicy: .imputeMedian))
        // 1, 2, 4, 10 → (2 + 4) / 2 = 3, where the mean would be 4.25.
        #expect(data.encoding.columns[0].imputedNumber == 3)
        #expect(data.features.scalars.last == 3)
    }

    @Test func mostFrequentImputationBreaksTiesTowardsTheSmallestValue() throws {
        let text = "x,y\n7,0\n3,1\n7,0\n3,1\n5,0\n,1\n"
        let data = try CSVDataset(bytes: Array(text.utf8), name: "m.csv", options: CSVOptions(
            targetColumn: "y", missingValuePolicy: .imputeMostFrequent))
        // 3 and 7 both appear twice: the smaller wins.
        #expect(data.features.scalars == [7, 3, 7, 3, 5, 3])
    }

    @Test func ordinalEncodingWritesTheSortedCategoryIndex() throws {
        let text = "island,y\nTorgersen,0\nBiscoe,1\nDream,0\nBiscoe,1\n"
        let data = try CSVDataset(bytes: Array(text.utf8), name: "o.csv", options: CSVOptions(
            targetColumn: "y", categoricalColumns: ["island"], categoricalEncoding: .ordinal))
        // Sorted categories: Biscoe 0, Dream 1, Torgersen 2; one feature per row.
        #expect(data.features.shape == [4, 1])
        #expect(data.features.scalars == [2, 0, 1, 0])
        #expect(data.encoding.featureNames == ["island"])
        #expect(try data.encoding.encode(["island": "Dream"]) == [1])
    }

    @Test func labelHoldingNanOrNothingIsAnErrorNamingTheLine() {
        for (label, policy) in [("nan", MissingValuePolicy.error), ("", .imputeMean), ("NaN", .dropRows)] {
            let text = "x,species\n1,cat\n2,dog\n3,\(label)\n4,cat\n"
            let error = expectDataError {
                _ = try CSVDataset(bytes: Array(text.utf8), name: "pets.csv", options: CSVOptions(
                    targetColumn: "species", missingValuePolicy: policy))
            }
            #expect(error == .missingTarget(file: "pets.csv", line: 4, column: "species"))
            #expect(error?.description.hasPrefix("pets.csv:4: the target column 'species'") == true)
        }
    }

    @Test func missingValueMessageNamesEveryConfigPolicy() {
        let error = expectDataError {
            _ = try CSVDataset(bytes: Array(Self.table.utf8), name: "t.csv", options: CSVOptions(targetColumn: "y", categoricalColumns: ["c"]))
        }
        let message = error?.description ?? ""
        for policy in ["drop_rows", "impute_mean", "impute_median", "impute_most_frequent"] {
            #expect(message.contains(policy), "\(message) does not suggest \(policy)")
        }
        #expect(message.hasPrefix("t.csv:4: missing values"))
    }

    @Test func fittedEncodingReadsColumnsInAnyOrderWithoutTheTarget() throws {
        let directory = try TemporaryDirectory()
        let train = try CSVDataset(bytes: Array(Self.table.utf8), name: "t.csv", options: CSVOptions(
            targetColumn: "y", categoricalColumns: ["c"], missingValuePolicy: .imputeMean))
        let url = try directory.write("extra,c,x\nz,a,5\nz,,7\n", as: "new.csv")
        let new = try CSVDataset(contentsOf: url, encoding: train.encoding, targetIsOptional: true)
        // Missing c imputed with b (most frequent); x as given.
        #expect(new.features.scalars == [5, 1, 0, 7, 0, 1])
        #expect(new.labels == nil && new.targets == nil)
        let unseen = try directory.write("c,x\na,1\nq,1\n", as: "unseen.csv")
        let error = expectDataError { _ = try CSVDataset(contentsOf: unseen, encoding: train.encoding, targetIsOptional: true) }
        #expect(error == .unknownCategory(file: unseen.path, line: 3, column: "c", value: "q"))
        #expect(error?.description == "\(unseen.path):3: column 'c': value 'q' was not seen in the training data")
        let lacking = try directory.write("c,y\na,1\n", as: "lacking.csv")
        #expect(expectDataError { _ = try CSVDataset(contentsOf: lacking, encoding: train.encoding, targetIsOptional: true) }
            == .missingColumn(file: lacking.path, column: "x"))
    }

    @Test func targetScalingStandardizesAndInvertsExactly() throws {
        let data = TensorDataset(inputs: Tensor.zeros([4, 1]), targets: Tensor(shape: [4, 1], scalars: [1, 2, 3, 6]))
        let scaling = try TargetScaling.fit(data)
        // Mean 3; population variance (4 + 1 + 0 + 9) / 4 = 3.5.
        #expect(scaling.mean == 3)
        #expect(Swift.abs(scaling.standardDeviation - Float(3.5).squareRoot()) < 1e-6)
        let scaled = scaling.scaled(data)
        guard case .values(let first) = scaled.label(at: 0) else { Issue.record("not a regression label"); return }
        #expect(Swift.abs(first[0] - (-2 / Float(3.5).squareRoot())) < 1e-6)
        #expect(Swift.abs(scaling.unscale(scaling.scale(6)) - 6) < 1e-6)
        let constant = TensorDataset(inputs: Tensor.zeros([2, 1]), targets: Tensor(shape: [2, 1], scalars: [5, 5]))
        #expect(try TargetScaling.fit(constant).standardDeviation == 1)
        #expect(expectDataError { _ = try TargetScaling.fit(TensorDataset(inputs: Tensor.zeros([2, 1]), labels: [0, 1])) }
            == .invalidParameter(name: "data.target_scaling", detail: "needs numeric (regression) targets"))
    }
}
