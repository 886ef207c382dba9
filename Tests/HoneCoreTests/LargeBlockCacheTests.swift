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

    @Test func blocksBeyondTheCapacityAreUnmappedNotCached() {
        // Larger than the whole cache: released straight back to the system, and a new
        // one of the same size still works.
        let count = LargeBlockCache.capacityBytes / 4 + 1024
        var big: Tensor? = Tensor.zeros([count])
        big!.storage.pointer[count - 1] = 5
        #expect(big!.storage.pointer[count - 1] == 5)
        big = nil
        let again = Tensor.full([count], value: 2)
        #expect(again.storage.pointer[0] == 2 && again.storage.pointer[count - 1] == 2)
    }
}
