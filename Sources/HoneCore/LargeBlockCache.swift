import Foundation
import Synchronization

/// Recycles large tensor buffers by exact size, the way PyTorch's caching allocator does
/// for GPU memory.
///
/// A training step frees and reallocates the same activation sizes every iteration.
/// Through `malloc` those multi-megabyte blocks either fault in fresh zeroed pages each
/// time (when mapped) or fragment the heap until resident memory is several times the
/// live tensors (when not); here they are mapped once, handed back on free, and unmapped
/// only when the cache would grow past ``capacityBytes``.
enum LargeBlockCache {
    /// Blocks at least this large are mapped and cached; smaller ones use `malloc`.
    /// 256 KiB catches the MLP's 784×256 weight gradient (784 KiB), which `malloc` maps
    /// fresh every step: 1 MiB left W1 training 20–40% slower on page faults.
    static let minimumBytes = 1 << 18
    /// The most bytes kept for reuse (not counting blocks in use).
    static let capacityBytes = 512 << 20

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0
    }

    private nonisolated(unsafe) static let state = Mutex<State>(State())

    /// A block of `byteCount` bytes (page aligned): a recycled one if available.
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let recycled: UnsafeMutableRawPointer? = state.withLock { state in
            guard let block = state.free[byteCount]?.popLast() else { return nil }
            state.cachedBytes -= byteCount
            return block
        }
        if let recycled { return recycled }
        guard let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapped != MAP_FAILED
        else {
            fatalError("TensorStorage: out of memory mapping \(byteCount) bytes")
        }
        return mapped
    }

    /// Takes back a block from ``allocate(byteCount:)``, unmapping other sizes first if
    /// keeping it would pass the capacity.
    static func release(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        var evicted: [(UnsafeMutableRawPointer, Int)] = []
        let kept = state.withLock { state -> Bool in
            guard byteCount <= capacityBytes else { return false }
            while state.cachedBytes + byteCount > capacityBytes, let size = state.free.keys.first(where: { $0 != byteCount }) ?? state.free.keys.first {
                guard let victim = state.free[size]?.popLast() else {
                    state.free[size] = nil
                    continue
                }
                if state.free[size]?.isEmpty == true { state.free[size] = nil }
                state.cachedBytes -= size
                evicted.append((victim, size))
            }
            state.free[byteCount, default: []].append(block)
            state.cachedBytes += byteCount
            return true
        }
        for (victim, size) in evicted { munmap(victim, size) }
        if !kept { munmap(block, byteCount) }
    }
}
