/// One fitted decision tree, stored as parallel arrays indexed by node (node 0 is the root).
///
/// An internal node sends a row left when its feature value is at most `threshold`
/// (numeric split) or is one of the node's categories (categorical split); a missing
/// value (NaN) goes to the side the training chose (`missingGoesLeft`). A leaf holds
/// `outputCount` values. Every node keeps its `cover`, the (weighted) number of training
/// rows that reached it, which TreeSHAP needs for its conditional expectations.
public struct Tree: Sendable, Equatable {
    /// The number of values each node holds (class probabilities of a forest, 1 for a boosted tree).
    public let outputCount: Int
    /// The split feature of each node; -1 marks a leaf.
    public internal(set) var feature: [Int32] = []
    /// The numeric threshold of each split node (ignored for categorical splits and leaves).
    public internal(set) var threshold: [Double] = []
    /// The left child of each split node.
    public internal(set) var left: [Int32] = []
    /// The right child of each split node.
    public internal(set) var right: [Int32] = []
    /// Where each split node sends a missing value.
    public internal(set) var missingGoesLeft: [Bool] = []
    /// For a categorical split, the index of its category set in `categoryWords` (4 words each); else -1.
    public internal(set) var categorySet: [Int32] = []
    /// The category sets as 256-bit masks: category `c` goes left when bit `c` is set.
    public internal(set) var categoryWords: [UInt64] = []
    /// The weighted training rows that reached each node.
    public internal(set) var cover: [Double] = []
    /// The loss reduction each split node achieved (0 for leaves).
    public internal(set) var gain: [Double] = []
    /// `outputCount` values per node (`values[node * outputCount + k]`); leaves' are the predictions.
    public internal(set) var values: [Double] = []

    /// An empty tree whose nodes will hold `outputCount` values each.
    init(outputCount: Int) {
        self.outputCount = outputCount
    }

    /// The number of nodes.
    public var nodeCount: Int { feature.count }

    /// Whether `node` is a leaf.
    @inlinable
    public func isLeaf(_ node: Int) -> Bool { feature[node] < 0 }

    /// Appends a leaf with `cover` and `nodeValues`; returns its index.
    @discardableResult
    mutating func appendLeaf(cover nodeCover: Double, values nodeValues: [Double]) -> Int {
        precondition(nodeValues.count == outputCount, "a leaf of a tree with \(outputCount) outputs got \(nodeValues.count) values")
        feature.append(-1)
        threshold.append(0)
        left.append(-1)
        right.append(-1)
        missingGoesLeft.append(false)
        categorySet.append(-1)
        cover.append(nodeCover)
        gain.append(0)
        values.append(contentsOf: nodeValues)
        return feature.count - 1
    }

    /// Turns leaf `node` into a split on `splitFeature` with children `leftChild` and `rightChild`.
    mutating func makeSplit(
        _ node: Int, feature splitFeature: Int, threshold splitThreshold: Double, categories: [UInt64]?,
        missingGoesLeft missingLeft: Bool, gain splitGain: Double, left leftChild: Int, right rightChild: Int
    ) {
        feature[node] = Int32(splitFeature)
        threshold[node] = splitThreshold
        missingGoesLeft[node] = missingLeft
        gain[node] = splitGain
        left[node] = Int32(leftChild)
        right[node] = Int32(rightChild)
        if let categories {
            categorySet[node] = Int32(categoryWords.count / 4)
            categoryWords.append(contentsOf: categories)
        }
    }

    /// Replaces the values of `node`.
    mutating func setValues(_ node: Int, _ nodeValues: [Double]) {
        for k in 0..<outputCount { values[node * outputCount + k] = nodeValues[k] }
    }

    /// Whether a row whose split feature holds `value` goes to the left child of `node`.
    @inlinable
    public func goesLeft(_ node: Int, value: Double) -> Bool {
        if value.isNaN { return missingGoesLeft[node] }
        let set = Int(categorySet[node])
        if set < 0 { return value <= threshold[node] }
        guard value >= 0, value < 256, value == value.rounded(.down) else { return false }
        let code = Int(value)
        return categoryWords[set * 4 + code >> 6] & (1 << UInt64(code & 63)) != 0
    }

    /// The leaf that `row` (one value per feature) reaches.
    @inlinable
    public func leaf(for row: UnsafeBufferPointer<Double>) -> Int {
        var node = 0
        while feature[node] >= 0 {
            node = Int(goesLeft(node, value: row[Int(feature[node])]) ? left[node] : right[node])
        }
        return node
    }

    /// The depth of the deepest leaf (a lone root has depth 0).
    public var depth: Int {
        guard nodeCount > 0 else { return 0 }
        var deepest = 0
        var stack = [(0, 0)]
        while let (node, level) = stack.popLast() {
            deepest = max(deepest, level)
            if !isLeaf(node) {
                stack.append((Int(left[node]), level + 1))
                stack.append((Int(right[node]), level + 1))
            }
        }
        return deepest
    }
}
