import Synchronization

/// Keeps a convolution's weights in the layout its inference kernel reads them in
/// between calls, for as long as the weight values stay the same.
///
/// oneDNN's Winograd kernels read 3×3 weights transformed into Winograd tiles, and its
/// direct kernels read them in channel blocks; converting them on every call costs more
/// than the whole convolution of a single image. A module holds one cache per
/// convolution and hands it to ``conv2dInference(_:weight:bias:stride:padding:dilation:groups:relu:weightCache:)``:
/// each call compares the weights it is given with those it converted last (one pass
/// over the weights, far cheaper than converting them) and converts again only when they
/// differ, so an optimizer step or a loaded checkpoint is seen on the next call.
public final class InferenceWeightCache: @unchecked Sendable {
    /// The weights last converted, and the converted form (opaque outside the kernels).
    struct Entry {
        var values: [Float]
        var converted: AnyObject
    }

    private let entry = Mutex<Entry?>(nil)

    /// An empty cache.
    public init() {}

    /// The converted form of the `count` weights at `weights`: the one kept when the
    /// weights match the last call's and `fits` accepts it (the kernel reads that form:
    /// one kept for a batch of 128 also serves a single image when both kernels chose
    /// the same weight layout), else `convert()`'s result, kept for the next call.
    func converted<Converted: AnyObject>(
        weights: UnsafePointer<Float>, count: Int, fits: (Converted) -> Bool, convert: () -> Converted
    ) -> Converted {
        let given = UnsafeBufferPointer(start: weights, count: count)
        if let kept = entry.withLock({ $0 }), let converted = kept.converted as? Converted, fits(converted),
           kept.values.elementsEqual(given) {
            return converted
        }
        let converted = convert()
        entry.withLock { $0 = Entry(values: Array(given), converted: converted) }
        return converted
    }
}
