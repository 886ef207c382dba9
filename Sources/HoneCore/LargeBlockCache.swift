import Foundation
import Synchronization

/// Recycles large tensor buffers by exact size, the way PyTorch's caching allocator does
/// for GPU memory.
///
/// A training step frees and reallocates the same activation sizes every iteration.
/// Through `malloc` those multi-megabyte blocks either fault in fresh zeroed pages each
/// time (when mapped) or fragment the heap until resident memory is several times the
/// live tensors (when not); here they are mapped once, handed back on free, and unmapped
/// only when the cache would grow past ``capacity(floor:peakLiveBytes:)``.
///
/// The capacity follows the working set: twice the most bytes ever in use at once, and
/// never below a floor. A fixed capacity smaller than one step's buffers evicts blocks
/// that the next step maps and faults in again; a step needs at most what it held at its
/// peak plus the sizes it frees and takes again in between, which twice the peak covers.
final class LargeBlockCache: Sendable {
    /// Blocks at least this large are mapped and cached; smaller ones use `malloc`.
    /// 256 KiB catches the MLP's 784×256 weight gradient (784 KiB), which `malloc` maps
    /// fresh every step: 1 MiB left W1 training 20–40% slower on page faults.
    static let minimumBytes = 1 << 18

    /// The cache every tensor storage and oneDNN staging buffer uses.
    static let shared = LargeBlockCache(capacityFloorBytes: 512 << 20)

    /// A 64-byte-aligned block of `byteCount` bytes: from the shared cache when it is at
    /// least ``minimumBytes``, else from `malloc`. Give it back with ``releaseBlock(_:byteCount:)``
    /// and the same count.
    static func allocateBlock(byteCount: Int) -> UnsafeMutableRawPointer {
        byteCount >= minimumBytes
            ? shared.allocate(byteCount: byteCount)
            : UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    /// Returns a block from ``allocateBlock(byteCount:)`` to wherever it came from.
    static func releaseBlock(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumBytes {
            shared.release(block, byteCount: byteCount)
        } else {
            block.deallocate()
        }
    }

    /// What the cache holds and has done, for tests and benchmarks.
    struct Statistics: Equatable {
        /// Bytes of freed blocks kept for reuse.
        var cachedBytes = 0
        /// Bytes of blocks handed out and not yet released.
        var liveBytes = 0
        /// The most bytes ever handed out at once.
        var peakLiveBytes = 0
        /// Blocks mapped fresh from the system.
        var mappedBlocks = 0
        /// Blocks given back to the system.
        var unmappedBlocks = 0
    }

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        /// When each cached size was last released (a count of releases), so eviction
        /// takes the size idle longest: a size used once, such as the last partial batch
        /// or an evaluation batch, goes before the sizes every training step takes again.
        var lastReleased: [Int: Int] = [:]
        var releases = 0
        var statistics = Statistics()

        /// The cached size released longest ago, other than `keeping` when another exists.
        func leastRecentlyReleased(keeping: Int) -> Int? {
            free.keys.min { ($0 == keeping ? 1 : 0, lastReleased[$0, default: 0]) < ($1 == keeping ? 1 : 0, lastReleased[$1, default: 0]) }
        }

        /// Takes a cached block of `size` bytes out of the cache, forgetting the size once
        /// none is left, so every size in `free` has a block to give.
        mutating func take(size: Int) -> UnsafeMutableRawPointer? {
            guard let block = free[size]?.popLast() else { return nil }
            if free[size]?.isEmpty == true {
                free[size] = nil
                lastReleased[size] = nil
            }
            statistics.cachedBytes -= size
            return block
        }
    }

    /// The capacity when little has been in use yet.
    let capacityFloorBytes: Int
    private let state = Mutex<State>(State())

    /// An empty cache that keeps at least `capacityFloorBytes` of freed blocks.
    init(capacityFloorBytes: Int) {
        self.capacityFloorBytes = capacityFloorBytes
    }

    /// The most bytes of freed blocks kept, given the peak of live bytes so far.
    static func capacity(floor: Int, peakLiveBytes: Int) -> Int { max(floor, 2 * peakLiveBytes) }

    /// What the cache holds now and has done so far.
    var statistics: Statistics { state.withLock { $0.statistics } }

    /// A block of `byteCount` bytes (page aligned): a recycled one if available.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let recycled: UnsafeMutableRawPointer? = state.withLock { state in
            state.statistics.liveBytes += byteCount
            state.statistics.peakLiveBytes = max(state.statistics.peakLiveBytes, state.statistics.liveBytes)
            guard let block = state.take(size: byteCount) else {
                state.statistics.mappedBlocks += 1
                return nil
            }
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

    /// Takes back a block from ``allocate(byteCount:)``, unmapping the sizes idle longest
    /// first if keeping it would pass the capacity.
    func release(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        let unmapped = state.withLock { state -> [(UnsafeMutableRawPointer, Int)] in
            state.statistics.liveBytes -= byteCount
            let capacity = Self.capacity(floor: capacityFloorBytes, peakLiveBytes: state.statistics.peakLiveBytes)
            guard byteCount <= capacity else {
                state.statistics.unmappedBlocks += 1
                return [(block, byteCount)]
            }
            var evicted: [(UnsafeMutableRawPointer, Int)] = []
            while state.statistics.cachedBytes + byteCount > capacity,
                let size = state.leastRecentlyReleased(keeping: byteCount), let victim = state.take(size: size)
            {
                evicted.append((victim, size))
            }
            state.statistics.unmappedBlocks += evicted.count
            state.releases += 1
            state.lastReleased[byteCount] = state.releases
            state.free[byteCount, default: []].append(block)
            state.statistics.cachedBytes += byteCount
            return evicted
        }
        for (victim, size) in unmapped { munmap(victim, size) }
    }
}
