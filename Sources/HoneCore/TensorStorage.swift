import Synchronization

/// A contiguous, 64-byte-aligned block of Float32 values owned by one or more tensors
/// (a reshape shares its source's storage).
///
/// A kernel may leave its result in a layout of its own (oneDNN's blocked channel
/// layouts) and let the row-major values be written only when something reads
/// ``pointer``: a chain of inference convolutions then hands the blocked form from one
/// layer to the next instead of converting to NCHW and back around every layer.
public final class TensorStorage: @unchecked Sendable {
    /// The first element, with the values in row-major order: reading it writes any values
    /// a kernel left in another layout first (see ``deferValues(_:)``).
    @inlinable public var pointer: UnsafeMutablePointer<Float> {
        if holdsDeferredValues.load(ordering: .acquiring) { writeDeferredValues() }
        return base
    }
    /// The number of elements.
    public let count: Int

    /// The block itself, whether or not its row-major values are written yet.
    @usableFromInline let base: UnsafeMutablePointer<Float>
    /// Whether ``deferred`` holds values not yet written to ``base``.
    @usableFromInline let holdsDeferredValues = Atomic<Bool>(false)
    private let deferred = Mutex<(any DeferredValues)?>(nil)

    private static let liveByteCounter = Atomic<Int>(0)

    /// Bytes held by all storages alive right now; lets tests and benchmarks check
    /// that memory stays flat over many training steps.
    public static var liveBytes: Int { liveByteCounter.load(ordering: .relaxed) }

    /// Allocates `count` uninitialized elements.
    public init(uninitializedCount count: Int) {
        self.count = count
        let byteCount = max(count, 1) * 4
        let raw = LargeBlockCache.allocateBlock(byteCount: byteCount)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        Self.liveByteCounter.wrappingAdd(count * 4, ordering: .relaxed)
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        Self.liveByteCounter.wrappingSubtract(count * 4, ordering: .relaxed)
        LargeBlockCache.releaseBlock(UnsafeMutableRawPointer(base), byteCount: max(count, 1) * 4)
    }

    /// The storage as a buffer.
    @inlinable
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Makes `values` this storage's contents: the row-major block is written from them
    /// the first time ``pointer`` is read. For a kernel's fresh output that nothing else
    /// has read yet.
    func deferValues(_ values: any DeferredValues) {
        deferred.withLock { $0 = values }
        holdsDeferredValues.store(true, ordering: .releasing)
    }

    /// The values left in another layout, without writing them row-major; nil when the
    /// row-major block is current.
    var deferredValues: (any DeferredValues)? {
        holdsDeferredValues.load(ordering: .acquiring) ? deferred.withLock { $0 } : nil
    }

    /// Writes the deferred values row-major, once, however many threads ask at the same time.
    @usableFromInline func writeDeferredValues() {
        deferred.withLock { pending in
            guard let values = pending else { return }
            values.writeRowMajor(into: base)
            pending = nil
            holdsDeferredValues.store(false, ordering: .releasing)
        }
    }
}

/// A storage's values held in a layout other than row-major (see ``TensorStorage/deferValues(_:)``).
protocol DeferredValues: AnyObject, Sendable {
    /// Writes the values row-major into `target`, a block of the storage's element count.
    func writeRowMajor(into target: UnsafeMutablePointer<Float>)
}
