import HoneCore

/// Histogram gradient boosting of decision trees (Friedman 2001; Ke et al. 2017, LightGBM;
/// Chen & Guestrin 2016, XGBoost): each round fits one tree per output to the gradients
/// and hessians of the loss, on features cut into at most 255 bins.
///
/// ```swift
/// var options = GradientBoostingOptions()
/// options.rounds = 100
/// options.maxLeaves = 31
/// let model = try GradientBoosting.fit(x, labels: y, options: options)
/// let probabilities = try model.predict(testX)
/// ```
public enum GradientBoosting {
    /// Fits a boosted ensemble to `x` and `labels` (class indices 0, 1, … or regression targets).
    ///
    /// With `options.earlyStoppingRounds` set, the loss on `validation` (or, when nil, on a
    /// seeded `validationFraction` of the training rows held out) decides when to stop, and
    /// the model keeps the trees up to its best round.
    public static func fit(
        _ x: FeatureMatrix, labels: [Double], validation: (x: FeatureMatrix, labels: [Double])? = nil,
        options: GradientBoostingOptions = GradientBoostingOptions()
    ) throws -> TreeModel {
        try options.validate()
        guard labels.count == x.rowCount else {
            throw TreesError.shapeMismatch("\(labels.count) labels for \(x.rowCount) rows")
        }
        guard x.rowCount >= 2 else { throw TreesError.shapeMismatch("boosting needs at least 2 rows, got \(x.rowCount)") }
        let objective = BoostingObjective(objective: options.objective)
        try objective.checkLabels(labels)
        var train = (x: x, labels: labels)
        var watched = validation
        if let given = validation {
            guard given.x.featureCount == x.featureCount else {
                throw TreesError.featureCountMismatch(expected: x.featureCount, got: given.x.featureCount)
            }
            guard given.labels.count == given.x.rowCount else {
                throw TreesError.shapeMismatch("\(given.labels.count) validation labels for \(given.x.rowCount) rows")
            }
            try objective.checkLabels(given.labels)
        } else if options.earlyStoppingRounds != nil {
            var order = Array(0..<x.rowCount)
            // A stream of its own, so the held-out rows do not shift the subsampling draws.
            var rng = SeededGenerator(seed: options.seed ^ 0x9E37_79B9_7F4A_7C15)
            order.shuffle(using: &rng)
            let held = max(1, Int(Double(x.rowCount) * options.validationFraction))
            let heldRows = Array(order[0..<held]).sorted()
            let keptRows = Array(order[held...]).sorted()
            watched = (x.rows(heldRows), heldRows.map { labels[$0] })
            train = (x.rows(keptRows), keptRows.map { labels[$0] })
        }

        let binning = try FeatureBinning(train.x, maxBins: options.maxBins, categorical: options.categoricalFeatures, seed: options.seed)
        let bins = binning.binColumns(train.x)
        let n = train.x.rowCount
        let outputs = objective.outputs
        let base = objective.baseScore(train.labels)
        var scores = (0..<(n * outputs)).map { base[$0 % outputs] }
        var watchedScores = watched.map { w in (0..<(w.x.rowCount * outputs)).map { base[$0 % outputs] } } ?? []
        let grower = HistogramTreeGrower(bins: bins, rowCount: n, binning: binning, options: options)
        var rng = SeededGenerator(seed: options.seed)
        var trees: [Tree] = []
        var offsets: [Int] = []
        var bestLoss = Double.infinity
        var bestRound = 0
        var gradients = [[Double]](repeating: [Double](repeating: 0, count: n), count: outputs)
        var hessians = gradients
        var outputScores = [Double](repeating: 0, count: n)

        for round in 0..<options.rounds {
            let rows = sampleRows(n, fraction: options.rowSubsample, rng: &rng)
            for k in 0..<outputs {
                for row in 0..<n { outputScores[row] = scores[row * outputs + k] }
                objective.gradients(
                    scores: outputs == 1 ? outputScores : scores, labels: train.labels, output: k,
                    gradients: &gradients[k], hessians: &hessians[k])
            }
            for k in 0..<outputs {
                let features = sampleFeatures(x.featureCount, fraction: options.columnSubsample, rng: &rng)
                let (tree, thresholdBins) = grower.grow(gradients: gradients[k], hessians: hessians[k], rows: rows, features: features)
                addBinned(tree, thresholdBins: thresholdBins, bins: bins, rowCount: n, to: &scores, output: k, outputs: outputs)
                if let w = watched { addRaw(tree, x: w.x, to: &watchedScores, output: k, outputs: outputs) }
                trees.append(tree)
                offsets.append(k)
            }
            guard let patience = options.earlyStoppingRounds, let w = watched else { continue }
            let loss = objective.loss(scores: watchedScores, labels: w.labels)
            if loss < bestLoss - 1e-12 {
                bestLoss = loss
                bestRound = round
            } else if round - bestRound >= patience {
                break
            }
        }

        var model = TreeModel(
            kind: .gradientBoosting, task: task(of: options.objective), featureCount: x.featureCount, trees: trees,
            treeOutputOffsets: offsets, rawOutputCount: outputs, baseScore: base, treeWeight: 1,
            link: link(of: options.objective), categoricalFeatures: options.categoricalFeatures.sorted())
        if options.earlyStoppingRounds != nil {
            model.bestIteration = bestRound + 1
            model.trees = Array(trees.prefix((bestRound + 1) * outputs))
            model.treeOutputOffsets = Array(offsets.prefix((bestRound + 1) * outputs))
        }
        return model
    }

    static func task(of objective: GradientBoostingOptions.Objective) -> TreeModel.Task {
        switch objective {
        case .binaryLogistic: return .classification(classCount: 2)
        case .softmax(let classCount): return .classification(classCount: classCount)
        case .squaredError: return .regression
        }
    }

    static func link(of objective: GradientBoostingOptions.Objective) -> TreeModel.Link {
        switch objective {
        case .binaryLogistic: return .sigmoid
        case .softmax: return .softmax
        case .squaredError: return .identity
        }
    }

    /// A sorted subset of about `fraction` of `0..<count` (all of them when `fraction` is 1).
    static func sampleRows(_ count: Int, fraction: Double, rng: inout SeededGenerator) -> [Int32] {
        guard fraction < 1 else { return (0..<count).map { Int32($0) } }
        let kept = max(1, Int((Double(count) * fraction).rounded()))
        var order = (0..<count).map { Int32($0) }
        for i in 0..<kept { order.swapAt(i, i + rng.nextInt(below: count - i)) }
        return Array(order[0..<kept]).sorted()
    }

    /// A sorted subset of about `fraction` of the features (at least one).
    static func sampleFeatures(_ count: Int, fraction: Double, rng: inout SeededGenerator) -> [Int] {
        guard fraction < 1 else { return Array(0..<count) }
        let kept = max(1, Int((Double(count) * fraction).rounded()))
        var order = Array(0..<count)
        for i in 0..<kept { order.swapAt(i, i + rng.nextInt(below: count - i)) }
        return Array(order[0..<kept]).sorted()
    }

    /// Adds the tree's leaf value to output `k` of every training row, routing the rows by their bins.
    private static func addBinned(
        _ tree: Tree, thresholdBins: [Int], bins: [UInt8], rowCount: Int, to scores: inout [Double], output k: Int, outputs: Int
    ) {
        bins.withUnsafeBufferPointer { bins in
            for row in 0..<rowCount {
                let node = tree.leaf(binnedRow: row, bins: bins, rowCount: rowCount, thresholdBins: thresholdBins)
                scores[row * outputs + k] += tree.values[node]
            }
        }
    }

    /// Adds the tree's leaf value to output `k` of every row of `x`.
    private static func addRaw(_ tree: Tree, x: FeatureMatrix, to scores: inout [Double], output k: Int, outputs: Int) {
        x.values.withUnsafeBufferPointer { values in
            for row in 0..<x.rowCount {
                let features = UnsafeBufferPointer(rebasing: values[(row * x.featureCount)..<((row + 1) * x.featureCount)])
                scores[row * outputs + k] += tree.values[tree.leaf(for: features)]
            }
        }
    }
}
