/// Which of `count` contiguous parts of every batch a process takes in data-parallel
/// training: the parts of a batch of `n` samples hold `n / count` samples each when
/// `count` divides `n`, and differ by at most one otherwise (a part may be empty).
public struct DataShard: Equatable, Sendable {
    /// This part's number, from 0 to ``count`` − 1.
    public let index: Int
    /// The number of parts.
    public let count: Int

    /// The whole batch: one part.
    public static let whole = DataShard(index: 0, count: 1)

    /// Part `index` of `count`.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "DataShard: part \(index) of \(count) does not exist")
        self.index = index
        self.count = count
    }

    /// The positions of this part in a batch of `size` samples.
    public func positions(inBatchOf size: Int) -> Range<Int> {
        (index * size / count)..<((index + 1) * size / count)
    }
}
