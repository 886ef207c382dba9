#if !canImport(Accelerate)
    import CDNNL

    /// One argument of a primitive: which, in which layout Hone holds it, and whether it
    /// is read or written.
    struct Binding {
        var argument: Int32
        var query: dnnl_query_t
        var index: Int32 = 0
        var user: dnnl_memory_desc_t
        var isOutput: Bool
    }

    /// A primitive with the reorders between Hone's layouts and the ones it chose.
    final class BoundPrimitive: @unchecked Sendable {
        let descriptor: dnnl_primitive_desc_t
        let primitive: dnnl_primitive_t
        /// oneDNN's name for the kernel it picked (`jit:avx512_core`, `gemm:jit`, …).
        let implementation: String
        private let arguments: [PreparedArgument]
        private let scratchpadBytes: Int

        /// An argument ready to run: the layout the primitive wants, and the reorder to it
        /// (inputs) or from it (outputs) when that is not Hone's.
        private struct PreparedArgument {
            var binding: Binding
            var chosen: dnnl_memory_desc_t
            var reorder: dnnl_primitive_t?
            var chosenBytes: Int
        }

        /// Builds the primitive for `operation` (a oneDNN operation descriptor: convolution,
        /// matmul, …); nil when oneDNN has only its reference kernel for it, which Hone's
        /// own fallbacks (im2col + GEMM, `sgemm`) beat.
        init?(operation: UnsafeRawPointer, hint: dnnl_primitive_desc_t?, bindings: [Binding], relu: Bool = false) {
            var attributes: dnnl_primitive_attr_t?
            guard dnnl_primitive_attr_create(&attributes) == dnnl_success else { return nil }
            defer { dnnl_primitive_attr_destroy(attributes) }
            dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user)
            if relu {
                var postOperations: dnnl_post_ops_t?
                guard dnnl_post_ops_create(&postOperations) == dnnl_success else { return nil }
                defer { dnnl_post_ops_destroy(postOperations) }
                guard dnnl_post_ops_append_eltwise(postOperations, 1, dnnl_eltwise_relu, 0, 0) == dnnl_success,
                      dnnl_primitive_attr_set_post_ops(attributes, postOperations) == dnnl_success else { return nil }
            }
            var created: dnnl_primitive_desc_t?
            guard dnnl_primitive_desc_create(&created, operation, attributes, DNNLConvolution.engine, hint) == dnnl_success,
                  let descriptor = created else { return nil }
            var name: UnsafePointer<CChar>?
            dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
            let implementation = name.map { String(cString: $0) } ?? "unknown"
            var compiled: dnnl_primitive_t?
            guard !implementation.hasPrefix("ref"), dnnl_primitive_create(&compiled, descriptor) == dnnl_success,
                  let primitive = compiled else {
                dnnl_primitive_desc_destroy(descriptor)
                return nil
            }
            self.descriptor = descriptor
            self.primitive = primitive
            self.implementation = implementation
            scratchpadBytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0))
            arguments = bindings.map { binding in
                var user = binding.user
                var chosen = dnnl_primitive_desc_query_md(descriptor, binding.query, binding.index).pointee
                let reorder = dnnl_memory_desc_equal(&user, &chosen) != 0 ? nil
                    : binding.isOutput ? makeReorder(from: chosen, to: user) : makeReorder(from: user, to: chosen)
                return PreparedArgument(binding: binding, chosen: chosen, reorder: reorder, chosenBytes: dnnl_memory_desc_get_size(&chosen))
            }
        }

        deinit {
            for argument in arguments { if let reorder = argument.reorder { dnnl_primitive_destroy(reorder) } }
            dnnl_primitive_destroy(primitive)
            dnnl_primitive_desc_destroy(descriptor)
        }

        /// The layout input `argument` is reordered into before each call; nil when the
        /// primitive takes Hone's layout as it is (or has no such argument).
        func stagedLayout(of argument: Int32) -> dnnl_memory_desc_t? {
            reorderedInput(argument)?.chosen
        }

        /// Input `argument` when it is reordered before each call; nil when it is not (or
        /// is no input of this primitive).
        private func reorderedInput(_ argument: Int32) -> PreparedArgument? {
            arguments.first { $0.binding.argument == argument && !$0.binding.isOutput && $0.reorder != nil }
        }

        /// The layout the primitive chose for `argument` (input or output) and Hone's, when
        /// they differ and the argument is reordered around each call; nil when it is not.
        func reorderedLayouts(of argument: Int32) -> (chosen: dnnl_memory_desc_t, user: dnnl_memory_desc_t)? {
            arguments.first { $0.binding.argument == argument && $0.reorder != nil }.map { ($0.chosen, $0.binding.user) }
        }

        /// Whether input `argument` here and input `otherArgument` of `other` are both
        /// reordered, into the same layout: then one ``stage(_:from:)`` serves both calls.
        func sharesStagedLayout(of argument: Int32, with other: BoundPrimitive, argument otherArgument: Int32) -> Bool {
            guard var mine = stagedLayout(of: argument), var theirs = other.stagedLayout(of: otherArgument) else { return false }
            return dnnl_memory_desc_equal(&mine, &theirs) != 0
        }

        /// Input `argument`'s `buffer` reordered into the layout this primitive chose for
        /// it, in a block of its own that a later ``execute(_:staged:)`` (of this primitive
        /// or one with the same layout) takes instead of reordering again; nil when the
        /// argument needs no reorder.
        func stage(_ argument: Int32, from buffer: UnsafeMutablePointer<Float>) -> StagedBuffer? {
            guard let prepared = reorderedInput(argument), let reorder = prepared.reorder else { return nil }
            let staged = StagedBuffer(layout: prepared.chosen)
            withDNNLStream { stream, memory in
                runReorder(reorder, from: memory(prepared.binding.user, buffer), to: memory(prepared.chosen, staged.pointer), on: stream)
            }
            return staged
        }

        /// Runs the primitive on Hone's buffers, one per binding in the order given at
        /// creation: inputs are reordered into the primitive's layout first (or taken from
        /// `staged`, already in it, keyed by argument), outputs out of it afterwards (or
        /// left in `staged`'s buffer for that argument, in the primitive's layout). A
        /// buffer may be nil only where `staged` has the argument.
        func execute(_ buffers: [UnsafeMutablePointer<Float>?], staged: [Int32: StagedBuffer] = [:]) {
            precondition(buffers.count == arguments.count, "oneDNN: \(arguments.count) buffers expected, got \(buffers.count)")
            let reordered = arguments.filter { $0.reorder != nil && staged[$0.binding.argument] == nil }
            // Staging buffers of layers with many channels run to megabytes: they come from
            // the large-block cache, as tensors do, so repeated calls reuse mapped pages
            // instead of faulting in fresh ones every time.
            let stagingBytes = reordered.reduce(scratchpadBytes) { $0 + Self.aligned($1.chosenBytes) }
            let staging = LargeBlockCache.allocateBlock(byteCount: stagingBytes)
            defer { LargeBlockCache.releaseBlock(staging, byteCount: stagingBytes) }
            withDNNLStream { stream, memory in
                var offset = 0
                var primitiveArguments: [dnnl_exec_arg_t] = []
                var afterwards: [(dnnl_primitive_t, dnnl_memory_t?, dnnl_memory_t?)] = []
                for (argument, buffer) in zip(arguments, buffers) {
                    if let ready = staged[argument.binding.argument] {
                        var expected = argument.chosen, given = ready.layout
                        precondition(dnnl_memory_desc_equal(&expected, &given) != 0,
                                     "oneDNN: a staged buffer must be in the layout the primitive chose")
                        primitiveArguments.append(dnnl_exec_arg_t(arg: argument.binding.argument, memory: memory(argument.chosen, ready.pointer)))
                        continue
                    }
                    guard let buffer else { preconditionFailure("oneDNN: argument \(argument.binding.argument) has no buffer") }
                    let user = memory(argument.binding.user, buffer)
                    guard let reorder = argument.reorder else {
                        primitiveArguments.append(dnnl_exec_arg_t(arg: argument.binding.argument, memory: user))
                        continue
                    }
                    let chosen = memory(argument.chosen, staging + offset)
                    offset += Self.aligned(argument.chosenBytes)
                    primitiveArguments.append(dnnl_exec_arg_t(arg: argument.binding.argument, memory: chosen))
                    if argument.binding.isOutput {
                        afterwards.append((reorder, chosen, user))
                    } else {
                        runReorder(reorder, from: user, to: chosen, on: stream)
                    }
                }
                if scratchpadBytes > 0 {
                    let scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0).pointee
                    primitiveArguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory(scratchpad, staging + offset)))
                }
                checkDNNL(dnnl_primitive_execute(primitive, stream, Int32(primitiveArguments.count), primitiveArguments), implementation)
                for (reorder, chosen, user) in afterwards { runReorder(reorder, from: chosen, to: user, on: stream) }
            }
        }

        private static func aligned(_ bytes: Int) -> Int { (bytes + 63) & ~63 }

    }

    /// Values in the layout a primitive chose for one of its arguments: an input reordered
    /// once for two passes (see ``BoundPrimitive/stage(_:from:)``), or an output left in
    /// the primitive's layout for the next one to read. Its block goes back to the
    /// large-block cache when the last holder lets go.
    final class StagedBuffer: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let layout: dnnl_memory_desc_t
        let byteCount: Int

        /// An uninitialized block for values in `layout`.
        init(layout: dnnl_memory_desc_t) {
            var layout = layout
            self.layout = layout
            byteCount = dnnl_memory_desc_get_size(&layout)
            pointer = LargeBlockCache.allocateBlock(byteCount: byteCount)
        }

        deinit { LargeBlockCache.releaseBlock(pointer, byteCount: byteCount) }

        /// Whether the values are in `other`.
        func isIn(_ other: dnnl_memory_desc_t) -> Bool {
            var mine = layout, other = other
            return dnnl_memory_desc_equal(&mine, &other) != 0
        }
    }

    /// Calls `body` with a stream on the CPU engine and a maker of memory objects over raw
    /// buffers; waits for the stream and frees both afterwards.
    func withDNNLStream(_ body: (dnnl_stream_t?, (dnnl_memory_desc_t, UnsafeMutableRawPointer) -> dnnl_memory_t?) -> Void) {
        var stream: dnnl_stream_t?
        checkDNNL(dnnl_stream_create(&stream, DNNLConvolution.engine, dnnl_stream_default_flags.rawValue), "stream")
        defer { dnnl_stream_destroy(stream) }
        var memories: [dnnl_memory_t?] = []
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        body(stream) { descriptor, pointer in
            var descriptor = descriptor
            var memory: dnnl_memory_t?
            checkDNNL(dnnl_memory_create(&memory, &descriptor, DNNLConvolution.engine, pointer), "memory")
            memories.append(memory)
            return memory
        }
        checkDNNL(dnnl_stream_wait(stream), "stream wait")
    }

    /// A reorder primitive from `source`'s layout to `destination`'s (same dimensions);
    /// the caller destroys it.
    func makeReorder(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t) -> dnnl_primitive_t {
        var source = source, destination = destination
        var descriptor: dnnl_primitive_desc_t?
        checkDNNL(dnnl_reorder_primitive_desc_create(
            &descriptor, &source, DNNLConvolution.engine, &destination, DNNLConvolution.engine, nil), "reorder between layouts")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var reorder: dnnl_primitive_t?
        checkDNNL(dnnl_primitive_create(&reorder, descriptor), "reorder primitive")
        return reorder!
    }

    /// Runs `reorder` from `source` into `destination`.
    func runReorder(_ reorder: dnnl_primitive_t, from source: dnnl_memory_t?, to destination: dnnl_memory_t?, on stream: dnnl_stream_t?) {
        let arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: destination)]
        checkDNNL(dnnl_primitive_execute(reorder, stream, 2, arguments), "reorder")
    }

    /// Stops with oneDNN's status when a call did not succeed: these fail only on a broken
    /// installation or a bug in how Hone describes its buffers.
    func checkDNNL(_ status: dnnl_status_t, _ what: String) {
        precondition(status == dnnl_success, "oneDNN: \(what) failed (status \(status.rawValue))")
    }
#endif
