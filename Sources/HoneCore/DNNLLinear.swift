#if !canImport(Accelerate)
    import CDNNL
    import Synchronization

    /// oneDNN's matmul primitive for ``linear(_:weight:bias:)``: x·Wᵀ + b in one call,
    /// the bias added as each output tile is written.
    ///
    /// The separate route, a bias row copied into every output row and then a GEMM with
    /// β = 1, writes the output twice and reads it once more; the primitive also runs
    /// oneDNN's batch-reduce kernels, which beat its `sgemm` on the narrow (64–256 wide)
    /// products of Transformer and MLP layers. The operands keep Hone's layouts: row-major
    /// `x` `[rows, in]`, `W` `[out, in]` read as its transpose, row-major output.
    enum DNNLLinear {
        /// What makes two calls share a primitive.
        struct Key: Hashable {
            var rows: Int, inFeatures: Int, outFeatures: Int
            var hasBias: Bool
            /// Whether a ReLU post-op follows (inference only).
            var relu = false
        }

        /// Products below this many multiply-adds stay on `sgemm`: the primitive's
        /// per-call setup (a stream, four memory objects) is about a microsecond.
        static let minimumMultiplyAdds = 1 << 15

        /// Shapes beyond this many stay on `sgemm`, so inputs of ever-changing row counts
        /// cannot grow the cache (each primitive holds JIT-compiled code) without bound.
        static let capacity = 256

        private static let cache = Mutex<[Key: BoundPrimitive?]>([:])

        /// Writes x·Wᵀ (+ b), then ReLU when `relu` is set, into `out`; false when the
        /// product is too small, the cache is full, or oneDNN has no fast kernel for it,
        /// and the caller computes it another way.
        static func run(
            x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
            out: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int, relu: Bool = false
        ) -> Bool {
            guard rows * inFeatures * outFeatures >= minimumMultiplyAdds else { return false }
            let key = Key(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, hasBias: bias != nil, relu: relu)
            guard let primitive = primitive(for: key) else { return false }
            primitive.execute([x, weight, out] + (bias.map { [$0] } ?? []))
            return true
        }

        /// The primitive for `key`, built on first use; nil when oneDNN has none worth
        /// using or the cache is full.
        static func primitive(for key: Key) -> BoundPrimitive? {
            cache.withLock { built in
                if let cached = built[key] { return cached }
                guard built.count < capacity else { return nil }
                let primitive = make(key)
                built[key] = primitive
                return primitive
            }
        }

        /// Whether a primitive for `key` has been built (tests check which route ran).
        static func hasPrimitive(for key: Key) -> Bool {
            cache.withLock { $0[key].map { $0 != nil } ?? false }
        }

        private static func make(_ key: Key) -> BoundPrimitive? {
            let m = key.rows, k = key.inFeatures, n = key.outFeatures
            var source = describe([m, k], strides: [k, 1])
            var weights = describe([k, n], strides: [1, k])  // W [out, in] row-major is Wᵀ [in, out] column-major
            var bias = describe([1, n], strides: [n, 1])
            var destination = describe([m, n], strides: [n, 1])
            var operation = dnnl_matmul_desc_t()
            let status = withUnsafePointer(to: &bias) { biasPointer in
                dnnl_matmul_desc_init(&operation, &source, &weights, key.hasBias ? biasPointer : nil, &destination)
            }
            guard status == dnnl_success else { return nil }
            var bindings = [
                Binding(argument: DNNL_ARG_SRC, query: dnnl_query_src_md, user: source, isOutput: false),
                Binding(argument: DNNL_ARG_WEIGHTS, query: dnnl_query_weights_md, user: weights, isOutput: false),
                Binding(argument: DNNL_ARG_DST, query: dnnl_query_dst_md, user: destination, isOutput: true),
            ]
            if key.hasBias {
                bindings.append(Binding(argument: DNNL_ARG_BIAS, query: dnnl_query_weights_md, index: 1, user: bias, isOutput: false))
            }
            return BoundPrimitive(operation: &operation, hint: nil, bindings: bindings, relu: key.relu)
        }

        private static func describe(_ dimensions: [Int], strides: [Int]) -> dnnl_memory_desc_t {
            var descriptor = dnnl_memory_desc_t()
            let status = dnnl_memory_desc_init_by_strides(
                &descriptor, Int32(dimensions.count), dimensions.map(Int64.init), dnnl_f32, strides.map(Int64.init))
            precondition(status == dnnl_success, "oneDNN: cannot describe \(dimensions) with strides \(strides) (status \(status.rawValue))")
            return descriptor
        }
    }
#endif
