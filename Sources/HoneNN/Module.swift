import HoneCore
import Synchronization

/// The base of every layer and model: a class whose stored properties are its
/// parameters (`Tensor`), its buffers and its sub-modules, found by reflection.
///
/// A layer is a small `final class` with its tensors as stored properties and a
/// ``UnaryLayer/forward(_:)``; no registration calls. Names come from the property path
/// (`blocks.0.conv1.weight`): arrays of modules contribute their index, and Swift's
/// camelCase names become snake_case keys (`runningMean` → `running_mean`) so that
/// PyTorch state dicts map over unchanged.
///
/// ```swift
/// final class TwoLayer: Module, UnaryLayer {
///     let hidden = Linear(4, 8)
///     let output = Linear(8, 2)
///     func forward(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
/// }
/// let model = TwoLayer()
/// model.namedParameters().map(\.name)   // ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]
/// ```
open class Module {
    /// Whether the module behaves as in training (batch statistics, dropout) rather
    /// than evaluation; set for a whole tree with ``train(_:)`` and ``eval()``.
    public internal(set) var isTraining = true

    /// Creates a module in training mode.
    public init() {}

    /// One entry found on a module: a parameter, a buffer or a child module.
    public enum Member {
        /// A learned tensor, returned by ``Module/parameters()``.
        case parameter(Tensor)
        /// A tensor of state that is saved but not learned (BatchNorm running statistics).
        case buffer(Tensor)
        /// A sub-module.
        case module(Module)
    }

    /// Names of stored properties that hold buffers rather than parameters.
    open var bufferProperties: Set<String> { [] }

    /// The settings shown after the type name when the module is printed
    /// (`inputDimensions: 784, outputDimensions: 256, bias: true`).
    open var settingsDescription: String { "" }

    /// Checkpoint keys that differ from the snake_case of the property name
    /// (PyTorch's `in_proj_weight`, `self_attn`), keyed by Swift property name.
    open var propertyKeys: [String: String] { [:] }

    /// The direct members of this module with their keys, in declaration order.
    ///
    /// The default reflects over stored properties (this class and its superclasses up
    /// to `Module`); containers override it to name children by index.
    open func namedMembers() -> [(key: String, member: Member)] {
        var result: [(key: String, member: Member)] = []
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror, current.subjectType != Module.self {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        let buffers = bufferProperties, keys = propertyKeys
        for current in mirrors.reversed() {
            for child in current.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }
                let key = keys[label] ?? Module.cachedSnakeCase(label)
                Module.collect(child.value, key: key, isBuffer: buffers.contains(label), into: &result)
            }
        }
        return result
    }

    /// Types of stored properties known to hold no tensor or module (`Int`, tuples,
    /// generators): reflection is walked on every `parameters()` call, and failed dynamic
    /// casts are the slow part of it.
    private static let ignoredTypes = Mutex<Set<ObjectIdentifier>>([])
    private static let optionalTypes = Mutex<Set<ObjectIdentifier>>([])
    private static let snakeCaseNames = Mutex<[String: String]>([:])

    private static func cachedSnakeCase(_ label: String) -> String {
        if let known = snakeCaseNames.withLock({ $0[label] }) { return known }
        let converted = snakeCase(label)
        snakeCaseNames.withLock { $0[label] = converted }
        return converted
    }

    private static func collect(_ value: Any, key: String, isBuffer: Bool, into result: inout [(key: String, member: Member)]) {
        let type = ObjectIdentifier(Swift.type(of: value))
        if ignoredTypes.withLock({ $0.contains(type) }) { return }
        if let tensor = value as? Tensor {
            result.append((key, isBuffer ? .buffer(tensor) : .parameter(tensor)))
        } else if let module = value as? Module {
            result.append((key, .module(module)))
        } else if let modules = value as? [Module] {
            for (index, module) in modules.enumerated() { result.append(("\(key).\(index)", .module(module))) }
        } else if let tensors = value as? [Tensor] {
            for (index, tensor) in tensors.enumerated() {
                result.append(("\(key).\(index)", isBuffer ? .buffer(tensor) : .parameter(tensor)))
            }
        } else if !optionalTypes.withLock({ $0.contains(type) }) {
            // An empty optional (a layer without bias) may hold a tensor next time; other types never do.
            if Mirror(reflecting: value).displayStyle == .optional {
                optionalTypes.withLock { _ = $0.insert(type) }
            } else {
                ignoredTypes.withLock { _ = $0.insert(type) }
            }
        }
    }

    /// `runningMean` → `running_mean`; runs of capitals stay together (`convQKV` → `conv_qkv`).
    public static func snakeCase(_ name: String) -> String {
        var output = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previousIsLower = index > 0 && (characters[index - 1].isLowercase || characters[index - 1].isNumber)
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                let previousIsUpper = index > 0 && characters[index - 1].isUppercase
                if index > 0 && (previousIsLower || (previousIsUpper && nextIsLower)) { output.append("_") }
                output.append(contentsOf: character.lowercased())
            } else {
                output.append(character)
            }
        }
        return output
    }

    // MARK: - Traversal

    /// Every module in the tree (this one first) with its dotted path (`""` for this one).
    public func namedModules() -> [(name: String, module: Module)] {
        var result: [(name: String, module: Module)] = []
        walk(path: "") { path, module, _ in result.append((path, module)) }
        return result
    }

    /// Visits this module and its descendants depth-first, reflecting each once.
    private func walk(path: String, _ visit: (String, Module, [(key: String, member: Member)]) -> Void) {
        let members = namedMembers()
        visit(path, self, members)
        for (key, member) in members {
            guard case .module(let child) = member else { continue }
            child.walk(path: path.isEmpty ? key : "\(path).\(key)", visit)
        }
    }

    /// Every learned tensor with its dotted name (`blocks.0.conv1.weight`), each once.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        namedTensors(buffers: false)
    }

    /// Every buffer (state saved with the model but not learned) with its dotted name.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        namedTensors(buffers: true)
    }

    /// The learned tensors, each once (an optimizer's input).
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The learned tensors whose gradient is computed (not frozen).
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Parameters and buffers together: what a checkpoint holds.
    public func stateDictionary() -> [(name: String, tensor: Tensor)] {
        namedParameters() + namedBuffers()
    }

    private func namedTensors(buffers: Bool) -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        walk(path: "") { path, _, members in
            for (key, member) in members {
                let tensor: Tensor
                switch member {
                case .parameter(let t) where !buffers: tensor = t
                case .buffer(let t) where buffers: tensor = t
                default: continue
                }
                guard seen.insert(ObjectIdentifier(tensor)).inserted else { continue }
                result.append((path.isEmpty ? key : "\(path).\(key)", tensor))
            }
        }
        return result
    }

    /// The number of learned values.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    // MARK: - Modes and gradients

    /// Puts this module and all its descendants in training (`true`) or evaluation mode.
    public func train(_ mode: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = mode }
    }

    /// Puts this module and all its descendants in evaluation mode.
    public func eval() { train(false) }

    /// Clears the gradients of all parameters.
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    // MARK: - Freezing

    /// Stops gradients for the parameters whose name matches `pattern` (all of them
    /// when `nil`) and returns the names frozen.
    ///
    /// A pattern with `*` (any characters, dots included) or `?` is a glob
    /// (`features.*`, `*.bias`); without wildcards it is a prefix of whole name parts
    /// (`features` freezes `features.0.weight` but not `features2.weight`).
    @discardableResult
    public func freeze(matching pattern: String? = nil) -> [String] {
        setRequiresGrad(false, matching: pattern)
    }

    /// Lets gradients flow again into the parameters matching `pattern` (all when `nil`).
    @discardableResult
    public func unfreeze(matching pattern: String? = nil) -> [String] {
        setRequiresGrad(true, matching: pattern)
    }

    private func setRequiresGrad(_ flag: Bool, matching pattern: String?) -> [String] {
        var changed: [String] = []
        for (name, tensor) in namedParameters() where pattern.map({ Module.name(name, matches: $0) }) ?? true {
            tensor.requiresGrad = flag
            if !flag { tensor.grad = nil }
            changed.append(name)
        }
        return changed
    }

    /// Whether a dotted parameter name matches a glob or a name-part prefix.
    public static func name(_ name: String, matches pattern: String) -> Bool {
        if pattern.contains("*") || pattern.contains("?") {
            return globMatch(Array(name.utf8), Array(pattern.utf8))
        }
        return name == pattern || name.hasPrefix(pattern.hasSuffix(".") ? pattern : pattern + ".")
    }

    private static func globMatch(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        // Iterative wildcard matching with backtracking to the last star.
        var t = 0, p = 0, starP = -1, starT = 0
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        while t < text.count {
            if p < pattern.count && (pattern[p] == question || pattern[p] == text[t]) {
                t += 1; p += 1
            } else if p < pattern.count && pattern[p] == star {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

extension Module: CustomStringConvertible {
    /// The module tree, one child per line, as PyTorch prints models:
    /// `Sequential(\n  (0): Linear(inputDimensions: 4, outputDimensions: 2, bias: true)\n)`.
    public var description: String {
        let name = String(describing: Swift.type(of: self))
        let children: [(String, Module)] = namedMembers().compactMap { key, member in
            if case .module(let child) = member { return (key, child) }
            return nil
        }
        guard !children.isEmpty else { return "\(name)(\(settingsDescription))" }
        let lines = children.map { key, child in
            "  (\(key)): " + child.description.replacingOccurrences(of: "\n", with: "\n  ")
        }
        let settings = settingsDescription.isEmpty ? "" : settingsDescription + ","
        return "\(name)(\(settings)\n" + lines.joined(separator: "\n") + "\n)"
    }
}

/// A module that maps one tensor to one tensor; `callAsFunction` runs ``forward(_:)``.
public protocol UnaryLayer: Module {
    /// The layer's computation.
    func forward(_ x: Tensor) -> Tensor
}

extension UnaryLayer {
    /// Applies the layer (and records the call when a ``Module/summary(inputShape:printing:)`` is being taken).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let output = forward(x)
        if let trace = LayerTrace.current { trace.record(self, output: output) }
        return output
    }
}
