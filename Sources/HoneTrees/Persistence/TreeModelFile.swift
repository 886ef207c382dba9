import Foundation

/// Saving and loading tree models.
///
/// ## File format (version 1)
///
/// All numbers little-endian.
///
/// | bytes | content |
/// | --- | --- |
/// | 8 | magic `HONETREE` |
/// | 4 | format version (UInt32, 1) |
/// | 8 | payload byte count (UInt64) |
/// | 8 | FNV-1a 64 checksum of the payload |
/// | … | payload |
///
/// The payload is a UTF-8 JSON header (UInt32 byte count, then the bytes: `kind`,
/// `task`, `feature_count`, `raw_output_count`, `base_score`, `tree_weight`, `link`,
/// `categorical_features`, `tree_output_offsets`, optional `out_of_bag_score` and
/// `best_iteration`), then each tree: output count, node count and category-word count
/// (UInt32 each), then per node feature (Int32, −1 for a leaf), threshold (Float64),
/// left and right child (Int32), missing-goes-left (UInt8), category set (Int32, −1 for
/// numeric), cover and gain (Float64), then the category words (UInt64) and the node
/// values (Float64, output count per node).
///
/// Loading checks the magic, version, length, checksum and that every child, feature and
/// category index is in range, so a damaged file is a `TreesError` and never a crash.
extension TreeModel {
    static let fileMagic = Array("HONETREE".utf8)
    /// The format version this build writes and reads.
    public static let fileFormatVersion: UInt32 = 1

    private struct Header: Codable {
        var kind: Kind
        var task: Task
        var featureCount: Int
        var rawOutputCount: Int
        var baseScore: [Double]
        var treeWeight: Double
        var link: Link
        var categoricalFeatures: [Int]
        var treeOutputOffsets: [Int]
        var outOfBagScore: Double?
        var bestIteration: Int?
    }

    /// The model in the file format above.
    public func encoded() -> Data {
        var payload = ByteWriter()
        let header = Header(
            kind: kind, task: task, featureCount: featureCount, rawOutputCount: rawOutputCount, baseScore: baseScore,
            treeWeight: treeWeight, link: link, categoricalFeatures: categoricalFeatures, treeOutputOffsets: treeOutputOffsets,
            outOfBagScore: outOfBagScore, bestIteration: bestIteration)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers and strings cannot fail.
        let json = [UInt8](try! encoder.encode(header))
        payload.append(UInt32(json.count))
        payload.append(json)
        for tree in trees {
            payload.append(UInt32(tree.outputCount))
            payload.append(UInt32(tree.nodeCount))
            payload.append(UInt32(tree.categoryWords.count))
            for node in 0..<tree.nodeCount {
                payload.append(tree.feature[node])
                payload.append(tree.threshold[node])
                payload.append(tree.left[node])
                payload.append(tree.right[node])
                payload.append(UInt8(tree.missingGoesLeft[node] ? 1 : 0))
                payload.append(tree.categorySet[node])
                payload.append(tree.cover[node])
                payload.append(tree.gain[node])
            }
            for word in tree.categoryWords { payload.append(word) }
            for value in tree.values { payload.append(value) }
        }
        var file = ByteWriter()
        file.append(Self.fileMagic)
        file.append(Self.fileFormatVersion)
        file.append(UInt64(payload.bytes.count))
        file.append(fnv1a64(payload.bytes[...]))
        file.append(payload.bytes)
        return Data(file.bytes)
    }

    /// Writes the model to `url` atomically (a complete temporary file replaces it).
    public func save(to url: URL) throws {
        do {
            try encoded().write(to: url, options: .atomic)
        } catch {
            throw TreesError.invalidConfiguration(field: url.path, expected: "a writable file (\(error.localizedDescription))")
        }
    }

    /// Reads a model saved by `save(to:)`.
    public static func load(from url: URL) throws -> TreeModel {
        guard let data = try? Data(contentsOf: url) else {
            throw TreesError.corruptModelFile(file: url.path, detail: "cannot be read")
        }
        return try decode(data, file: url.path)
    }

    /// Decodes the bytes of a model file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> TreeModel {
        let bytes = [UInt8](data)
        var reader = ByteReader(bytes, file: file)
        guard Array(try reader.take(8)) == fileMagic else {
            throw TreesError.corruptModelFile(file: file, detail: "it does not start with HONETREE")
        }
        let version = try reader.integer(UInt32.self)
        guard version == fileFormatVersion else {
            throw TreesError.unsupportedVersion(file: file, found: version, supported: fileFormatVersion)
        }
        let length = try reader.integer(UInt64.self)
        let checksum = try reader.integer(UInt64.self)
        guard length == UInt64(reader.remaining) else {
            throw TreesError.corruptModelFile(file: file, detail: "truncated or padded: payload of \(reader.remaining) bytes, header says \(length)")
        }
        guard fnv1a64(bytes[reader.offset...]) == checksum else {
            throw TreesError.corruptModelFile(file: file, detail: "checksum mismatch")
        }
        let jsonLength = try reader.count(of: "header byte", itemSize: 1)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let header = try? decoder.decode(Header.self, from: Data(try reader.take(jsonLength))) else {
            throw TreesError.corruptModelFile(file: file, detail: "unreadable JSON header")
        }
        func require(_ ok: Bool, _ detail: String) throws {
            if !ok { throw TreesError.corruptModelFile(file: file, detail: detail) }
        }
        try require(header.featureCount > 0 && header.rawOutputCount > 0 && header.baseScore.count == header.rawOutputCount,
                    "inconsistent header sizes")
        var trees: [Tree] = []
        for (t, offset) in header.treeOutputOffsets.enumerated() {
            let outputs = Int(try reader.integer(UInt32.self))
            let nodes = try reader.count(of: "node", itemSize: 41)
            let words = try reader.count(of: "category word", itemSize: 8)
            try require(outputs >= 1 && offset >= 0 && offset + outputs <= header.rawOutputCount && nodes >= 1,
                        "tree \(t) has \(outputs) outputs at offset \(offset) and \(nodes) nodes")
            try require(words % 4 == 0, "tree \(t) has \(words) category words, not whole sets of 4")
            var tree = Tree(outputCount: outputs)
            for node in 0..<nodes {
                let feature = try reader.integer(Int32.self)
                let threshold = try reader.double()
                let left = try reader.integer(Int32.self)
                let right = try reader.integer(Int32.self)
                let missingLeft = try reader.integer(UInt8.self)
                let set = try reader.integer(Int32.self)
                let cover = try reader.double()
                let gain = try reader.double()
                if feature >= 0 {
                    // Children after their parent rule out cycles.
                    try require(Int(feature) < header.featureCount && Int(left) > node && Int(left) < nodes
                                && Int(right) > node && Int(right) < nodes && set >= -1 && Int(set) < words / 4,
                                "tree \(t) node \(node) has an out-of-range feature, child or category set")
                }
                try require(missingLeft <= 1 && cover.isFinite && cover >= 0, "tree \(t) node \(node) has invalid flags or cover")
                tree.feature.append(feature)
                tree.threshold.append(threshold)
                tree.left.append(left)
                tree.right.append(right)
                tree.missingGoesLeft.append(missingLeft == 1)
                tree.categorySet.append(set)
                tree.cover.append(cover)
                tree.gain.append(gain)
            }
            for _ in 0..<words { tree.categoryWords.append(try reader.integer(UInt64.self)) }
            try require(reader.remaining >= nodes * outputs * 8, "tree \(t) values are truncated")
            for _ in 0..<(nodes * outputs) { tree.values.append(try reader.double()) }
            trees.append(tree)
        }
        try require(reader.remaining == 0, "\(reader.remaining) bytes after the last tree")
        var model = TreeModel(
            kind: header.kind, task: header.task, featureCount: header.featureCount, trees: trees,
            treeOutputOffsets: header.treeOutputOffsets, rawOutputCount: header.rawOutputCount, baseScore: header.baseScore,
            treeWeight: header.treeWeight, link: header.link, categoricalFeatures: header.categoricalFeatures)
        model.outOfBagScore = header.outOfBagScore
        model.bestIteration = header.bestIteration
        return model
    }
}
