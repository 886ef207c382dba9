/// The collective operations data-parallel training needs from the processes ("ranks")
/// that train one model together: every rank calls each operation in the same order.
///
/// ``SingleProcessCommunicator`` is the canonical implementation for one process;
/// `HoneDistributed.MPICommunicator` runs the same operations over MPI.
public protocol Communicator: AnyObject {
    /// This process's number, from 0 to ``size`` − 1; rank 0 writes the run directory.
    var rank: Int { get }
    /// The number of processes training together.
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Replaces `values` on every rank by rank `root`'s.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int)
    /// Returns once every rank has called it.
    func barrier()
}

/// The one process of a training that is not distributed: every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    /// A communicator of size 1.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Leaves `values` as they are: the sum over one rank.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    /// Leaves `values` as they are: the sum over one rank.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}
    /// Leaves `values` as they are: this is the root.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) {}
    /// Returns at once.
    public func barrier() {}
}
