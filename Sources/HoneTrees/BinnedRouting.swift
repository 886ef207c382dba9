extension Tree {
    /// The leaf a training row reaches when routed by its bins (`bins[feature * rowCount + row]`),
    /// with `thresholdBins[node]` the last bin that goes left at each numeric split.
    @inline(__always)
    func leaf(binnedRow row: Int, bins: UnsafeBufferPointer<UInt8>, rowCount: Int, thresholdBins: [Int]) -> Int {
        var node = 0
        while feature[node] >= 0 {
            let bin = bins[Int(feature[node]) * rowCount + row]
            let set = Int(categorySet[node])
            let goesLeft: Bool
            if bin == 0 {
                goesLeft = missingGoesLeft[node]
            } else if set >= 0 {
                let code = Int(bin) - 1
                goesLeft = categoryWords[set * 4 + code >> 6] & (1 << UInt64(code & 63)) != 0
            } else {
                goesLeft = Int(bin) <= thresholdBins[node]
            }
            node = Int(goesLeft ? left[node] : right[node])
        }
        return node
    }
}
