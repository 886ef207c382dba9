import Synchronization

/// A contiguous, 64-byte-aligned block of Float32 values owned by one or more tensors
/// (a reshape shares its source's storage).
public final class TensorStorage: @unchecked Sendable {
    /// The first element.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    private static let liveByteCounter = Atomic<Int>(0)

    /// Bytes held by all storages alive right now; lets tests and benchmarks check
    /// that memory stays flat over many training steps.
    public static var liveBytes: Int { liveByteCounter.load(ordering: .relaxed) }

    /// Allocates `count` uninitialized elements.
    public init(uninitializedCount count: Int) {
        self.count = count
        let byteCount = max(count, 1) * 4
        let raw = LargeBlockCache.allocateBlock(byteCount: byteCount)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        Self.liveByteCounter.wrappingAdd(count * 4, ordering: .relaxed)
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        Self.liveByteCounter.wrappingSubtract(count * 4, ordering: .relaxed)
        LargeBlockCache.releaseBlock(UnsafeMutableRawPointer(pointer), byteCount: max(count, 1) * 4)
    }

    /// The storage as a buffer.
    @inlinable
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
