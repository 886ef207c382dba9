#if !canImport(Accelerate)
    import CDNNL
    import Foundation
    import Synchronization

    /// A tensor's values left in the blocked layout a oneDNN primitive wrote them in
    /// (`nChw16c`, `nhwc`, …), written row-major only when something reads the storage's
    /// pointer (see ``TensorStorage/deferValues(_:)``).
    final class DeferredBlockedValues: DeferredValues {
        /// The values, in their blocked layout.
        let values: StagedBuffer
        /// The storage's row-major layout of the same dimensions.
        let rowMajor: dnnl_memory_desc_t

        init(values: StagedBuffer, rowMajor: dnnl_memory_desc_t) {
            self.values = values
            self.rowMajor = rowMajor
        }

        /// Whether `layout` is the row-major layout of these values' dimensions.
        func hasRowMajorLayout(_ layout: dnnl_memory_desc_t) -> Bool {
            var mine = rowMajor, other = layout
            return dnnl_memory_desc_equal(&mine, &other) != 0
        }

        func writeRowMajor(into target: UnsafeMutablePointer<Float>) {
            LayoutConversions.convert(from: values.layout, values.pointer, to: rowMajor, UnsafeMutableRawPointer(target))
        }
    }

    extension TensorStorage {
        /// These values in `layout`, whose row-major form is `rowMajor`: the deferred
        /// block itself when it is already in `layout` (shared: read it, do not write it),
        /// else a copy converted from the deferred block or from the row-major values.
        func values(in layout: dnnl_memory_desc_t, rowMajor: dnnl_memory_desc_t) -> StagedBuffer {
            // A reshaped view ([2, 32, 8, 8] read as [4, 16, 8, 8]) holds a blocked form
            // of other dimensions: it goes through the row-major values.
            let deferred = (deferredValues as? DeferredBlockedValues).flatMap { $0.hasRowMajorLayout(rowMajor) ? $0 : nil }
            if let deferred, deferred.values.isIn(layout) { return deferred.values }
            let converted = StagedBuffer(layout: layout)
            if let deferred {
                LayoutConversions.convert(from: deferred.values.layout, deferred.values.pointer, to: layout, converted.pointer)
            } else {
                LayoutConversions.convert(from: rowMajor, UnsafeMutableRawPointer(pointer), to: layout, converted.pointer)
            }
            return converted
        }
    }

    /// Reorders between two layouts of the same dimensions, the primitive for each pair
    /// built once and kept.
    enum LayoutConversions {
        /// A reorder primitive, shared between threads (oneDNN primitives are stateless).
        private final class Reorder: @unchecked Sendable {
            let primitive: dnnl_primitive_t
            init(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t) {
                primitive = makeReorder(from: source, to: destination)
            }
            deinit { dnnl_primitive_destroy(primitive) }
        }

        private static let built = Mutex<[Data: Reorder]>([:])

        /// Layout pairs beyond this many are converted with a reorder built for the call,
        /// so inputs of ever-changing shapes cannot grow the cache without bound.
        static let capacity = 256

        /// Copies the values at `source` (in `sourceLayout`) to `destination` in `destinationLayout`.
        static func convert(
            from sourceLayout: dnnl_memory_desc_t, _ source: UnsafeMutableRawPointer,
            to destinationLayout: dnnl_memory_desc_t, _ destination: UnsafeMutableRawPointer
        ) {
            let key = withUnsafeBytes(of: sourceLayout) { Data($0) } + withUnsafeBytes(of: destinationLayout) { Data($0) }
            let reorder = built.withLock { cache in
                if let existing = cache[key] { return existing }
                let made = Reorder(from: sourceLayout, to: destinationLayout)
                if cache.count < capacity { cache[key] = made }
                return made
            }
            withDNNLStream { stream, memory in
                runReorder(reorder.primitive, from: memory(sourceLayout, source), to: memory(destinationLayout, destination), on: stream)
            }
        }
    }
#endif
