import Foundation
import HoneCore
import HoneTrees

/// A stack in the `model` section of a training config: member models fitted on
/// out-of-fold splits and a meta-learner on their predictions.
///
/// ```json
/// {"stacking": {
///     "members": [{"gbdt": {"rounds": 50}}, {"random_forest": {"trees": 50}}, {"zoo": "mlp", "hidden": [16]}],
///     "meta": "logistic_regression",
///     "folds": 5}}
/// ```
///
/// A member is any model section but another stack: a tree model, a layer list or a zoo
/// net (nets train with the config's optimizer, epochs and batch size, on standardized
/// inputs). `meta` is `"logistic_regression"`, `{"logistic_regression": {"l2": 0.001}}` or
/// `{"gbdt": {…}}`. Stacks classify; a regression target is a config error.
public struct StackingConfig {
    /// The key of the section.
    static let key = "stacking"
    static let fields = ["members", "meta", "folds"]
    static let metaKinds = ["logistic_regression", "gbdt"]

    /// The meta-learner.
    public enum Meta {
        /// Multinomial logistic regression with this L2 penalty.
        case logisticRegression(l2: Double)
        /// Gradient boosting with these settings.
        case gbdt(TreeModelConfig)
    }

    /// The member model sections, checked.
    public let members: [ModelConfig]
    /// The meta-learner.
    public let meta: Meta
    /// The number of out-of-fold splits.
    public let folds: Int

    /// Whether `value` names a stack (an object whose only key is `stacking`).
    static func describesStacking(_ value: JSONValue) -> Bool {
        guard case .object(let fields) = value, fields.count == 1 else { return false }
        return fields[0].key == key
    }

    /// Checks the section at `path` (the `model` section): members, meta-learner and folds.
    public init(_ value: JSONValue, path: String) throws {
        let (_, settings) = try namedEntry(value, path: path, valid: [Self.key])
        try settings.checkNoUnknownFields(allowed: Self.fields)
        let membersPath = settings.fieldPath("members")
        guard case .array(let entries) = try settings.required("members") else {
            throw ConfigError.wrongType(path: membersPath, expected: "an array of model sections", found: settings["members"]!.kindDescription)
        }
        guard !entries.isEmpty else { throw ConfigError.invalidValue(path: membersPath, message: "the stack has no members") }
        members = try entries.enumerated().map { index, entry in
            let member = try ModelConfig(entry, path: "\(membersPath)[\(index)]")
            if member.stacking != nil {
                throw ConfigError.invalidValue(path: "\(membersPath)[\(index)]", message: "a stack cannot be a member of a stack")
            }
            return member
        }
        folds = try settings.int("folds", atLeast: 2) ?? 5
        let metaPath = settings.fieldPath("meta")
        switch settings["meta"] {
        case nil, .string("logistic_regression"):
            meta = .logisticRegression(l2: 1e-3)
        case .string(let name):
            throw ConfigError.unknownField(path: metaPath + "." + name, suggestion: closestMatch(to: name, in: Self.metaKinds), valid: Self.metaKinds)
        case let value?:
            let (name, metaSettings) = try namedEntry(value, path: metaPath, valid: Self.metaKinds)
            if name == "gbdt" {
                meta = .gbdt(try TreeModelConfig(value, path: metaPath))
            } else {
                try metaSettings.checkNoUnknownFields(allowed: ["l2"])
                meta = .logisticRegression(l2: try metaSettings.nonNegativeDouble("l2") ?? 1e-3)
            }
        }
    }

    /// Throws unless the task is classification and every tree member suits it.
    func check(regression: Bool, path: String) throws {
        if regression {
            throw ConfigError.invalidValue(path: path, message: "a stack combines classifiers; the data's target is a regression target")
        }
        for member in members { try member.trees?.check(regression: false) }
    }
}
