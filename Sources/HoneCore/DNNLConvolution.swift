#if !canImport(Accelerate)
    import CDNNL
    import Synchronization

    /// oneDNN's convolution primitives (forward, backward-data, backward-weights; Winograd
    /// or direct) for one convolution shape, built once and kept in a process-wide cache.
    ///
    /// Each primitive is created with `format_tag any` for its data and weights, so oneDNN
    /// picks the layout its JIT kernels run fastest on (`nChw16c` with AVX-512, `nChw8c`
    /// with AVX2); Hone's tensors stay NCHW and each argument whose chosen layout differs
    /// is reordered in and out around the call, except at inference, where the output
    /// stays in the chosen layout until something reads it as NCHW (see
    /// ``inferenceForward(x:weight:weightCount:bias:out:weightCache:)``). When oneDNN has only its reference
    /// implementation for a shape (or rejects it), the
    /// primitive is missing and ``conv2d(_:weight:bias:stride:padding:dilation:groups:)``
    /// falls back to im2col + GEMM for that pass.
    ///
    /// Primitives are shared between threads: oneDNN's primitives are stateless when the
    /// scratchpad is the caller's (`dnnl_scratchpad_mode_user`), so every call brings its
    /// own scratchpad and stream.
    final class DNNLConvolution: @unchecked Sendable {
        /// What makes two convolution calls share primitives.
        struct Key: Hashable {
            var input: [Int], weight: [Int], groups: Int
            var stride: [Int], padding: [Int], dilation: [Int]
            var hasBias: Bool
            /// Whether a ReLU post-op follows (inference primitives only).
            var relu: Bool
        }

        let forward: BoundPrimitive?
        let backwardData: BoundPrimitive?
        let backwardWeights: BoundPrimitive?

        /// Whether the primitives take and give a bias (and its gradient).
        let hasBias: Bool

        /// Training primitives: each pass on oneDNN's Winograd kernel where the plan asks for
        /// it (``ConvolutionPlan/winogradRuns``) and oneDNN has one (3×3, stride 1, no
        /// dilation, with AVX-512), else on its direct kernel.
        private init(plan: ConvolutionPlan, hasBias: Bool) {
            self.hasBias = hasBias
            let shapes = ConvolutionDescriptors(plan: plan, hasBias: hasBias)
            let winograd = plan.winogradRuns ? shapes.forward(algorithm: dnnl_convolution_winograd) : nil
            // The direct forward primitive is built only when some pass needs it, as the hint
            // of its direct backward passes.
            lazy var direct = shapes.forward(algorithm: dnnl_convolution_direct)
            /// A backward pass on Winograd (hinted by its forward primitive), else direct.
            func backward(_ build: (dnnl_alg_kind_t, dnnl_primitive_desc_t) -> BoundPrimitive?) -> BoundPrimitive? {
                winograd.flatMap { build(dnnl_convolution_winograd, $0.descriptor) }
                    ?? direct.flatMap { build(dnnl_convolution_direct, $0.descriptor) }
            }
            forward = winograd ?? direct
            backwardData = backward(shapes.backwardData)
            backwardWeights = backward(shapes.backwardWeights)
        }

        /// An inference-only forward primitive, with ReLU as a post-op when `relu` is set: on
        /// the Winograd kernel where the training passes would be, else on the direct one.
        private init(inferenceFor plan: ConvolutionPlan, hasBias: Bool, relu: Bool) {
            self.hasBias = hasBias
            let shapes = ConvolutionDescriptors(plan: plan, hasBias: hasBias)
            forward = (plan.winogradRuns ? shapes.forward(algorithm: dnnl_convolution_winograd, inference: true, relu: relu) : nil)
                ?? shapes.forward(algorithm: dnnl_convolution_direct, inference: true, relu: relu)
            backwardData = nil
            backwardWeights = nil
        }

        /// Whether the weight pass takes the source in the layout the forward pass reorders
        /// it into, so one reordered copy kept from the forward pass serves both.
        var weightPassReusesForwardSource: Bool {
            guard let forward, let backwardWeights else { return false }
            return forward.sharesStagedLayout(of: DNNL_ARG_SRC, with: backwardWeights, argument: DNNL_ARG_SRC)
        }

        /// Whether both backward passes take the output gradient reordered into the same
        /// layout, so one reorder serves both.
        var backwardPassesShareGradientLayout: Bool {
            guard let backwardData, let backwardWeights else { return false }
            return backwardData.sharesStagedLayout(of: DNNL_ARG_DIFF_DST, with: backwardWeights, argument: DNNL_ARG_DIFF_DST)
        }

        /// `x` reordered once for the forward pass and kept for the weight pass (when
        /// ``weightPassReusesForwardSource``): a training step then reorders each
        /// convolution's input once instead of twice, for the memory of one copy held
        /// until the backward pass.
        func stageSourceForBothPasses(_ x: UnsafeMutablePointer<Float>) -> StagedBuffer? {
            weightPassReusesForwardSource ? forward?.stage(DNNL_ARG_SRC, from: x) : nil
        }

        /// `gradOut` reordered once for both backward passes (when
        /// ``backwardPassesShareGradientLayout``).
        func stageGradientForBothPasses(_ gradOut: UnsafeMutablePointer<Float>) -> StagedBuffer? {
            backwardPassesShareGradientLayout ? backwardData?.stage(DNNL_ARG_DIFF_DST, from: gradOut) : nil
        }

        /// Runs the forward pass, on `stagedSource` instead of reordering `x` when given;
        /// false when it has no oneDNN primitive.
        func forward(
            x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
            out: UnsafeMutablePointer<Float>, stagedSource: StagedBuffer? = nil
        ) -> Bool {
            guard let forward else { return false }
            forward.execute([x, weight, out] + (bias.map { [$0] } ?? []), staged: Self.staged(DNNL_ARG_SRC, stagedSource))
            return true
        }

        /// Runs the inference pass from `x` into the fresh storage `out`, both kept in the
        /// primitive's blocked layouts where it chose them: an input whose values a previous
        /// convolution left blocked is read as it is (or converted blocked to blocked), and
        /// the output is left blocked in `out` (see ``TensorStorage/deferValues(_:)``), so
        /// consecutive convolutions skip the NCHW round trip between them. False when it
        /// has no oneDNN primitive.
        ///
        /// With a `weightCache`, weights the primitive reads in a layout of its own are
        /// converted only when their values changed since the cache's last call.
        func inferenceForward(
            x: TensorStorage, weight: UnsafeMutablePointer<Float>, weightCount: Int, bias: UnsafeMutablePointer<Float>?,
            out: TensorStorage, weightCache: InferenceWeightCache?
        ) -> Bool {
            guard let forward else { return false }
            var staged: [Int32: StagedBuffer] = [:]
            if let weightCache, let (chosen, _) = forward.reorderedLayouts(of: DNNL_ARG_WEIGHTS) {
                staged[DNNL_ARG_WEIGHTS] = weightCache.converted(weights: weight, count: weightCount, fits: { $0.isIn(chosen) }) {
                    forward.stage(DNNL_ARG_WEIGHTS, from: weight)!
                }
            }
            var source: UnsafeMutablePointer<Float>?
            if let (chosen, user) = forward.reorderedLayouts(of: DNNL_ARG_SRC), x.deferredValues != nil {
                staged[DNNL_ARG_SRC] = x.values(in: chosen, rowMajor: user)
            } else {
                source = x.pointer
            }
            let blockedOutput = forward.reorderedLayouts(of: DNNL_ARG_DST)
            if let (chosen, _) = blockedOutput { staged[DNNL_ARG_DST] = StagedBuffer(layout: chosen) }
            forward.execute([source, weight, blockedOutput == nil ? out.pointer : nil] + (bias.map { [$0] } ?? []), staged: staged)
            if let (_, user) = blockedOutput, let values = staged[DNNL_ARG_DST] {
                out.deferValues(DeferredBlockedValues(values: values, rowMajor: user))
            }
            return true
        }

        /// Writes the input gradient, from `stagedGradient` instead of reordering `gradOut`
        /// when given; false when it has no oneDNN primitive.
        func backwardData(
            gradOut: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, gradX: UnsafeMutablePointer<Float>,
            stagedGradient: StagedBuffer? = nil
        ) -> Bool {
            guard let backwardData else { return false }
            backwardData.execute([gradOut, weight, gradX], staged: Self.staged(DNNL_ARG_DIFF_DST, stagedGradient))
            return true
        }

        /// Writes the weight and bias gradients (either may be unwanted: the primitive
        /// computes both, the unwanted one into a scratch buffer), taking `stagedSource`
        /// and `stagedGradient` instead of reordering `x` and `gradOut` when given; false
        /// when it has no oneDNN primitive.
        func backwardWeights(
            x: UnsafeMutablePointer<Float>, gradOut: UnsafeMutablePointer<Float>, weightCount: Int,
            gradWeight: UnsafeMutablePointer<Float>?, biasCount: Int, gradBias: UnsafeMutablePointer<Float>?,
            stagedSource: StagedBuffer? = nil, stagedGradient: StagedBuffer? = nil
        ) -> Bool {
            guard let backwardWeights else { return false }
            let scratchWeight = gradWeight == nil ? TensorStorage(uninitializedCount: weightCount) : nil
            let scratchBias = gradBias == nil && hasBias ? TensorStorage(uninitializedCount: biasCount) : nil
            let weightBuffer = gradWeight ?? scratchWeight!.pointer
            let biasBuffers = hasBias ? [gradBias ?? scratchBias!.pointer] : []
            let staged = Self.staged(DNNL_ARG_SRC, stagedSource).merging(Self.staged(DNNL_ARG_DIFF_DST, stagedGradient)) { $1 }
            withExtendedLifetime((scratchWeight, scratchBias)) {
                backwardWeights.execute([x, gradOut, weightBuffer] + biasBuffers, staged: staged)
            }
            return true
        }

        private static func staged(_ argument: Int32, _ input: StagedBuffer?) -> [Int32: StagedBuffer] {
            input.map { [argument: $0] } ?? [:]
        }

        private static let cache = Mutex<[Key: DNNLConvolution]>([:])
        private static let inferenceCache = Mutex<[Key: DNNLConvolution]>([:])

        /// The primitives for `plan`'s shape, built on first use.
        static func primitives(for plan: ConvolutionPlan, hasBias: Bool) -> DNNLConvolution {
            let key = Self.key(plan, hasBias: hasBias, relu: false)
            return cache.withLock { built in
                if let cached = built[key] { return cached }
                let primitives = DNNLConvolution(plan: plan, hasBias: hasBias)
                built[key] = primitives
                return primitives
            }
        }

        /// The inference forward primitive for `plan`'s shape (with a ReLU post-op when
        /// `relu` is set), built on first use; its backward passes are nil.
        static func inferencePrimitive(for plan: ConvolutionPlan, hasBias: Bool, relu: Bool) -> DNNLConvolution {
            let key = Self.key(plan, hasBias: hasBias, relu: relu)
            return inferenceCache.withLock { built in
                if let cached = built[key] { return cached }
                let primitives = DNNLConvolution(inferenceFor: plan, hasBias: hasBias, relu: relu)
                built[key] = primitives
                return primitives
            }
        }

        /// Whether an inference primitive for inputs of `input`'s shape has been built,
        /// with or without a ReLU post-op (tests check that the fused path ran).
        static func hasInferencePrimitive(input: [Int], relu: Bool) -> Bool {
            inferenceCache.withLock { $0.keys.contains { $0.input == input && $0.relu == relu } }
        }

        private static func key(_ plan: ConvolutionPlan, hasBias: Bool, relu: Bool) -> Key {
            let geometry = plan.geometry
            return Key(
                input: [plan.batch, plan.inChannels, plan.height, plan.width],
                weight: [plan.outChannels, plan.inChannels / plan.groups, geometry.kernel.height, geometry.kernel.width],
                groups: plan.groups, stride: [geometry.stride.height, geometry.stride.width],
                padding: [geometry.padding.height, geometry.padding.width],
                dilation: [geometry.dilation.height, geometry.dilation.width], hasBias: hasBias, relu: relu)
        }

        /// The CPU engine every primitive runs on.
        static let engine: dnnl_engine_t = {
            var engine: dnnl_engine_t?
            let status = dnnl_engine_create(&engine, dnnl_cpu, 0)
            precondition(status == dnnl_success && engine != nil, "oneDNN: no CPU engine (status \(status.rawValue))")
            return engine!
        }()
    }

    /// The memory descriptors of one convolution shape in Hone's layouts (NCHW data,
    /// OIHW or GOIHW weights), and the primitives built from them.
    private struct ConvolutionDescriptors {
        var source = dnnl_memory_desc_t(), weights = dnnl_memory_desc_t()
        var bias = dnnl_memory_desc_t(), destination = dnnl_memory_desc_t()
        let hasBias: Bool
        let strides: [Int64], dilations: [Int64], paddingLow: [Int64], paddingHigh: [Int64]

        init(plan: ConvolutionPlan, hasBias: Bool) {
            self.hasBias = hasBias
            let g = plan.geometry
            Self.describe(&source, [plan.batch, plan.inChannels, plan.height, plan.width], dnnl_nchw)
            Self.describe(&destination, [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth], dnnl_nchw)
            Self.describe(&bias, [plan.outChannels], dnnl_a)
            if plan.groups == 1 {
                Self.describe(&weights, [plan.outChannels, plan.inChannels, g.kernel.height, g.kernel.width], dnnl_oihw)
            } else {
                Self.describe(&weights, [plan.groups, plan.outChannels / plan.groups, plan.inChannels / plan.groups,
                                    g.kernel.height, g.kernel.width], dnnl_goihw)
            }
            strides = [g.stride.height, g.stride.width].map(Int64.init)
            // oneDNN counts dilation from 0 (no gap) where Hone, like PyTorch, counts from 1.
            dilations = [g.dilation.height - 1, g.dilation.width - 1].map(Int64.init)
            paddingLow = [g.padding.height, g.padding.width].map(Int64.init)
            // The high side's padding is whatever makes oneDNN's output size equal the
            // floor-divided one; it is below the low side's (even negative) when the
            // stride leaves trailing input unread.
            let extentHeight = (plan.outHeight - 1) * g.stride.height + (g.kernel.height - 1) * g.dilation.height + 1
            let extentWidth = (plan.outWidth - 1) * g.stride.width + (g.kernel.width - 1) * g.dilation.width + 1
            paddingHigh = [extentHeight - plan.height - g.padding.height,
                           extentWidth - plan.width - g.padding.width].map(Int64.init)
        }

        /// The forward primitive: for training (its descriptor is the hint of the backward
        /// ones) or for inference, then optionally with a ReLU post-op.
        func forward(algorithm: dnnl_alg_kind_t, inference: Bool = false, relu: Bool = false) -> BoundPrimitive? {
            var operation = dnnl_convolution_desc_t()
            var anySource = any(source), anyWeights = any(weights), anyDestination = any(destination)
            let status = withUnsafePointer(to: bias) { biasPointer in
                dnnl_dilated_convolution_forward_desc_init(
                    &operation, inference ? dnnl_forward_inference : dnnl_forward_training, algorithm,
                    &anySource, &anyWeights,
                    hasBias ? biasPointer : nil, &anyDestination, strides, dilations, paddingLow, paddingHigh)
            }
            guard status == dnnl_success else { return nil }
            var bindings = [
                Binding(argument: DNNL_ARG_SRC, query: dnnl_query_src_md, user: source, isOutput: false),
                Binding(argument: DNNL_ARG_WEIGHTS, query: dnnl_query_weights_md, user: weights, isOutput: false),
                Binding(argument: DNNL_ARG_DST, query: dnnl_query_dst_md, user: destination, isOutput: true),
            ]
            if hasBias {
                bindings.append(Binding(argument: DNNL_ARG_BIAS, query: dnnl_query_weights_md, index: 1, user: bias, isOutput: false))
            }
            return BoundPrimitive(operation: &operation, hint: nil, bindings: bindings, relu: relu)
        }

        func backwardData(algorithm: dnnl_alg_kind_t, hint: dnnl_primitive_desc_t) -> BoundPrimitive? {
            var operation = dnnl_convolution_desc_t()
            var anySource = any(source), anyWeights = any(weights), anyDestination = any(destination)
            let status = dnnl_dilated_convolution_backward_data_desc_init(
                &operation, algorithm, &anySource, &anyWeights, &anyDestination,
                strides, dilations, paddingLow, paddingHigh)
            guard status == dnnl_success else { return nil }
            return BoundPrimitive(operation: &operation, hint: hint, bindings: [
                Binding(argument: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, user: destination, isOutput: false),
                Binding(argument: DNNL_ARG_WEIGHTS, query: dnnl_query_weights_md, user: weights, isOutput: false),
                Binding(argument: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, user: source, isOutput: true),
            ])
        }

        func backwardWeights(algorithm: dnnl_alg_kind_t, hint: dnnl_primitive_desc_t) -> BoundPrimitive? {
            var operation = dnnl_convolution_desc_t()
            var anySource = any(source), anyWeights = any(weights), anyDestination = any(destination)
            let status = withUnsafePointer(to: bias) { biasPointer in
                dnnl_dilated_convolution_backward_weights_desc_init(
                    &operation, algorithm, &anySource, &anyWeights, hasBias ? biasPointer : nil,
                    &anyDestination, strides, dilations, paddingLow, paddingHigh)
            }
            guard status == dnnl_success else { return nil }
            var bindings = [
                Binding(argument: DNNL_ARG_SRC, query: dnnl_query_src_md, user: source, isOutput: false),
                Binding(argument: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, user: destination, isOutput: false),
                Binding(argument: DNNL_ARG_DIFF_WEIGHTS, query: dnnl_query_diff_weights_md, user: weights, isOutput: true),
            ]
            if hasBias {
                bindings.append(Binding(argument: DNNL_ARG_DIFF_BIAS, query: dnnl_query_diff_weights_md, index: 1, user: bias, isOutput: true))
            }
            return BoundPrimitive(operation: &operation, hint: hint, bindings: bindings)
        }

        private static func describe(_ descriptor: inout dnnl_memory_desc_t, _ dimensions: [Int], _ tag: dnnl_format_tag_t) {
            let status = dnnl_memory_desc_init_by_tag(
                &descriptor, Int32(dimensions.count), dimensions.map(Int64.init), dnnl_f32, tag)
            precondition(status == dnnl_success, "oneDNN: cannot describe \(dimensions) (status \(status.rawValue))")
        }

        /// `descriptor`'s dimensions with the layout left to the primitive.
        private func any(_ descriptor: dnnl_memory_desc_t) -> dnnl_memory_desc_t {
            var free = dnnl_memory_desc_t()
            let dimensions = withUnsafeBytes(of: descriptor.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(descriptor.ndims))) }
            let status = dnnl_memory_desc_init_by_tag(&free, descriptor.ndims, dimensions, dnnl_f32, dnnl_format_tag_any)
            precondition(status == dnnl_success, "oneDNN: cannot describe \(dimensions) (status \(status.rawValue))")
            return free
        }
    }
#endif
