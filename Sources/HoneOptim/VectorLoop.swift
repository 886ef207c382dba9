import HoneCore

/// The lane width of the optimizers' update loops.
typealias FloatVector = SIMD8<Float>

/// Runs an elementwise update over `count` values eight at a time, split across cores
/// for large parameters.
///
/// `body(offset, lanes)` handles values `offset..<offset + lanes` (`lanes` is 8 except
/// for the last few), reading and writing them through ``loadVector(_:_:_:)`` and
/// ``storeVector(_:_:_:_:)``, so each optimizer states its rule once, in vector form,
/// and the compiler cannot fall back to one value at a time. `cost` is the rule's work
/// per value in simple float operations.
@inline(__always)
func forEachVector(_ count: Int, cost: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void) {
    let width = FloatVector.scalarCount
    Parallel.forEachChunk((count + width - 1) / width, costPerItem: width * cost) { blocks in
        var offset = blocks.lowerBound * width
        let end = Swift.min(blocks.upperBound * width, count)
        while offset + width <= end {
            body(offset, width)
            offset += width
        }
        if offset < end { body(offset, end - offset) }
    }
}

/// Values `offset..<offset + lanes` of `pointer`, zero-filled past `lanes`.
@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>, _ offset: Int, _ lanes: Int) -> FloatVector {
    if lanes == FloatVector.scalarCount {
        return UnsafeRawPointer(pointer + offset).loadUnaligned(as: FloatVector.self)
    }
    var vector = FloatVector()
    for lane in 0..<lanes { vector[lane] = pointer[offset + lane] }
    return vector
}

/// Writes the first `lanes` values of `vector` to `pointer` at `offset`.
@inline(__always)
func storeVector(_ vector: FloatVector, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int, _ lanes: Int) {
    if lanes == FloatVector.scalarCount {
        UnsafeMutableRawPointer(pointer + offset).storeBytes(of: vector, as: FloatVector.self)
        return
    }
    for lane in 0..<lanes { pointer[offset + lane] = vector[lane] }
}
