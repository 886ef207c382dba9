import Testing

@testable import HoneCore

/// Large tensor buffers are recycled by size: a freed block must come back for the next
/// tensor of that size, hold whatever that tensor writes, and never be handed out twice.
@Suite struct LargeBlockCacheTests {
    @Test func freedLargeBlockIsReusedForTheSameSize() {
        // An odd size no other test uses, so no concurrent test takes the block first.
        let count = (LargeBlockCache.minimumBytes / 4) + 12_345
        var first: Tensor? = Tensor.full([count], value: 3)
        let address = first!.storage.pointer
        first = nil
        let second = Tensor.full([count], value: 7)
        #expect(second.storage.pointer == address)
        #expect(second.scalars.allSatisfy { $0 == 7 })
    }

    @Test func liveLargeBlocksAreDistinctAndKeepTheirValues() {
        let count = (LargeBlockCache.minimumBytes / 4) + 23_456
        let tensors = (0..<4).map { Tensor.full([count], value: Float($0)) }
        #expect(Set(tensors.map { UInt(bitPattern: $0.storage.pointer) }).count == 4)
        for (index, tensor) in tensors.enumerated() {
            #expect(tensor.scalars.allSatisfy { $0 == Float(index) })
        }
    }

    @Test func capacityIsTwiceThePeakOfLiveBytesAndNeverBelowTheFloor() {
        #expect(LargeBlockCache.capacity(floor: 1 << 20, peakLiveBytes: 0) == 1 << 20)
        #expect(LargeBlockCache.capacity(floor: 1 << 20, peakLiveBytes: 300 << 10) == 1 << 20)
        #expect(LargeBlockCache.capacity(floor: 1 << 20, peakLiveBytes: 3 << 20) == 6 << 20)
    }

    @Test func aStepLargerThanTheFloorIsKeptWholeAndTakenAgainWithoutNewMappings() {
        // Eight 512 KiB buffers live at once against a 1 MiB floor: a fixed 1 MiB cache
        // would keep two and map six fresh blocks every step.
        let cache = LargeBlockCache(capacityFloorBytes: 1 << 20)
        let size = 512 << 10
        for step in 0..<3 {
            let blocks = (0..<8).map { _ in cache.allocate(byteCount: size) }
            for (index, block) in blocks.enumerated() {
                block.storeBytes(of: Float(step * 8 + index), as: Float.self)
                block.storeBytes(of: Float(index), toByteOffset: size - 4, as: Float.self)
            }
            #expect(Set(blocks.map { UInt(bitPattern: $0) }).count == 8)
            for (index, block) in blocks.enumerated() {
                #expect(block.load(as: Float.self) == Float(step * 8 + index))
                #expect(block.load(fromByteOffset: size - 4, as: Float.self) == Float(index))
            }
            for block in blocks { cache.release(block, byteCount: size) }
        }
        let statistics = cache.statistics
        #expect(statistics == LargeBlockCache.Statistics(
            cachedBytes: 8 * size, liveBytes: 0, peakLiveBytes: 8 * size, mappedBlocks: 8, unmappedBlocks: 0))
    }

    @Test func freedSizesBeyondTheCapacityAreUnmapped() {
        // One block in use at a time, each of a new size: the peak stays near 400 KiB, so
        // the 1 MiB floor binds and older sizes are given back to the system.
        let cache = LargeBlockCache(capacityFloorBytes: 1 << 20)
        let sizes = (0..<10).map { (300 << 10) + $0 * 10_240 }
        for size in sizes {
            let block = cache.allocate(byteCount: size)
            block.storeBytes(of: 1, toByteOffset: size - 4, as: Float.self)
            cache.release(block, byteCount: size)
            #expect(cache.statistics.cachedBytes <= 1 << 20)
        }
        let statistics = cache.statistics
        #expect(statistics.mappedBlocks == 10)
        #expect(statistics.peakLiveBytes == sizes.last!)
        #expect(statistics.liveBytes == 0)
        // At most three blocks of 300 KiB or more fit in 1 MiB; the newest is kept, since
        // other sizes go first.
        #expect(statistics.unmappedBlocks >= 7)
        #expect(statistics.cachedBytes >= sizes.last!)
    }

    @Test func theSizeIdleLongestIsEvictedFirst() {
        // A is used once (like an evaluation batch), B and C every step. Keeping D would
        // pass the 1 MiB capacity: A must go, not B or C.
        let cache = LargeBlockCache(capacityFloorBytes: 1 << 20)
        let a = 400 << 10, b = 300 << 10, c = 310 << 10, d = 320 << 10
        func use(_ size: Int) { cache.release(cache.allocate(byteCount: size), byteCount: size) }
        use(a)
        for _ in 0..<3 {
            use(b)
            use(c)
        }
        use(d)
        #expect(cache.statistics.unmappedBlocks == 1)
        #expect(cache.statistics.cachedBytes == b + c + d)
        let mapped = cache.statistics.mappedBlocks
        use(b)
        use(c)
        use(d)
        #expect(cache.statistics.mappedBlocks == mapped)
    }
}
