extension Optimizer {
    /// A copy of everything needed to resume: step counts, buffers, group settings.
    public func stateDictionary() -> OptimizerState {
        let keys = parameterKeys
        var parameters: [String: OptimizerState.Parameter] = [:]
        for (groupIndex, groupStates) in states.enumerated() {
            for (parameterIndex, state) in groupStates.enumerated() {
                guard let state else { continue }
                parameters[keys[groupIndex][parameterIndex]] = OptimizerState.Parameter(
                    step: state.step,
                    buffers: state.buffers.mapValues { buffer in
                        buffer.withUnsafeBufferPointer { OptimizerState.Buffer($0) }
                    })
            }
        }
        let groups = zip(parameterGroups, keys).map { group, groupKeys in
            OptimizerState.Group(
                learningRate: group.learningRate!, weightDecay: group.weightDecay!, parameterKeys: groupKeys)
        }
        return OptimizerState(
            version: OptimizerState.currentVersion, optimizer: name, learningRate: learningRate, groups: groups,
            parameters: parameters)
    }

    /// Replaces this optimizer's state with `saved`, after checking all of it: on error
    /// nothing has changed.
    ///
    /// - Throws: ``OptimizerStateError`` naming the mismatching group, parameter or buffer.
    public func loadStateDictionary(_ saved: OptimizerState) throws {
        guard saved.version == OptimizerState.currentVersion else {
            throw OptimizerStateError.unsupportedVersion(found: saved.version, supported: OptimizerState.currentVersion)
        }
        guard saved.optimizer == name else {
            throw OptimizerStateError.optimizerMismatch(expected: name, found: saved.optimizer)
        }
        guard saved.groups.count == parameterGroups.count else {
            throw OptimizerStateError.groupCountMismatch(expected: parameterGroups.count, found: saved.groups.count)
        }
        try Self.checkSetting("learningRate", saved.learningRate)
        let keys = parameterKeys
        var location: [String: (group: Int, index: Int)] = [:]
        for (groupIndex, (group, groupKeys)) in zip(saved.groups, keys).enumerated() {
            guard group.parameterKeys == groupKeys else {
                throw OptimizerStateError.parameterKeysMismatch(
                    group: groupIndex, expected: groupKeys, found: group.parameterKeys)
            }
            try Self.checkSetting("groups.\(groupIndex).learningRate", group.learningRate)
            try Self.checkSetting("groups.\(groupIndex).weightDecay", group.weightDecay)
            for (index, key) in groupKeys.enumerated() { location[key] = (groupIndex, index) }
        }
        // Sorted so the first problem reported is the same on every run.
        for (key, parameter) in saved.parameters.sorted(by: { $0.key < $1.key }) {
            guard let (groupIndex, index) = location[key] else { throw OptimizerStateError.unknownParameter(key) }
            guard parameter.step >= 0 else {
                throw OptimizerStateError.invalidValue(field: "parameters.\(key).step", value: String(parameter.step))
            }
            let expected = parameterGroups[groupIndex].parameters[index].tensor.count
            for (bufferName, buffer) in parameter.buffers.sorted(by: { $0.key < $1.key }) {
                guard bufferNames.contains(bufferName) else {
                    throw OptimizerStateError.unknownBuffer(parameter: key, buffer: bufferName)
                }
                guard buffer.count == expected else {
                    throw OptimizerStateError.bufferSizeMismatch(
                        parameter: key, buffer: bufferName, expected: expected, found: buffer.count)
                }
                guard buffer.bytes.count == buffer.count * 4 else {
                    throw OptimizerStateError.corruptBuffer(parameter: key, buffer: bufferName)
                }
            }
        }

        states = parameterGroups.map { [ParameterState?](repeating: nil, count: $0.parameters.count) }
        for (key, parameter) in saved.parameters {
            let (groupIndex, index) = location[key]!
            let state = ParameterState(step: parameter.step)
            for (bufferName, buffer) in parameter.buffers {
                let values = state.buffer(bufferName, count: buffer.count).values
                buffer.copy(into: values)
            }
            states[groupIndex][index] = state
        }
        learningRate = saved.learningRate
        for (index, group) in saved.groups.enumerated() {
            parameterGroups[index].learningRate = group.learningRate
            parameterGroups[index].weightDecay = group.weightDecay
        }
    }

    private static func checkSetting(_ field: String, _ value: Float) throws {
        guard value.isFinite, value >= 0 else {
            throw OptimizerStateError.invalidValue(field: field, value: String(value))
        }
    }
}
