import Testing

@testable import HoneData

@Suite struct SplitTests {
    /// 100 samples of class 0, 50 of class 1, 30 of class 2, interleaved.
    let labels: [Int] = (0..<180).map { $0 % 6 < 3 ? 0 : ($0 % 6 < 5 ? ($0 < 150 ? 1 : 0) : 2) }

    @Test func holdOutSplitPartitionsAndRepeatsWithTheSeed() throws {
        let fold = try Splits.trainValidation(count: 50, validationFraction: 0.2, seed: 4)
        #expect(fold.validation.count == 10)
        #expect((fold.train + fold.validation).sorted() == Array(0..<50))
        #expect(try Splits.trainValidation(count: 50, validationFraction: 0.2, seed: 4) == fold)
        #expect(try Splits.trainValidation(count: 50, validationFraction: 0.2, seed: 5) != fold)
        #expect(throws: DataError.self) { try Splits.trainValidation(count: 10, validationFraction: 1.5, seed: 0) }
    }

    @Test func stratifiedSplitKeepsEachClassShare() throws {
        let fold = try Splits.stratified(labels: labels, validationFraction: 0.2, seed: 1)
        #expect((fold.train + fold.validation).sorted() == Array(0..<labels.count))
        for label in Set(labels) {
            let total = labels.filter { $0 == label }.count
            let inValidation = fold.validation.filter { labels[$0] == label }.count
            #expect(inValidation == Int((Double(total) * 0.2).rounded()), "class \(label)")
        }
    }

    @Test func kFoldValidationPartsCoverEveryIndexExactlyOnce() throws {
        let folds = try Splits.kFold(count: 23, folds: 5, seed: 8)
        #expect(folds.count == 5)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<23))
        #expect(folds.map(\.validation.count).sorted() == [4, 4, 5, 5, 5])
        for fold in folds {
            #expect(Set(fold.train).isDisjoint(with: fold.validation))
            #expect((fold.train + fold.validation).sorted() == Array(0..<23))
        }
        #expect(throws: DataError.self) { try Splits.kFold(count: 3, folds: 4, seed: 0) }
    }

    @Test func stratifiedKFoldKeepsClassCountsWithinOne() throws {
        let folds = try Splits.stratifiedKFold(labels: labels, folds: 4, seed: 2)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<labels.count))
        for label in Set(labels) {
            let perFold = folds.map { fold in fold.validation.filter { labels[$0] == label }.count }
            #expect(perFold.max()! - perFold.min()! <= 1, "class \(label): \(perFold)")
        }
        let sizes = folds.map(\.validation.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
    }

    @Test func classFilteringKeepsChosenClassesAndRemapsLabels() throws {
        let inputs = Tensor(shape: [6, 1], scalars: [0, 1, 2, 3, 4, 5])
        let data = TensorDataset(inputs: inputs, labels: [3, 7, 3, 1, 7, 9])
        let filtered = try data.filteringClasses([7, 3])
        #expect(filtered.count == 4)
        #expect(filtered.indices == [0, 1, 2, 4])
        #expect(filtered.classLabels == [1, 0, 1, 0])
        #expect(filtered.sample(at: 3).input.scalars == [4])
        #expect(throws: DataError.self) { try data.filteringClasses([]) }
        #expect(throws: DataError.self) { try data.subset([6]) }
    }
}
