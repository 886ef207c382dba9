import Foundation
import HoneCore

/// The `augmentation` list: random transforms applied to training samples only.
///
/// ```json
/// [{"random_crop": {"padding": 2}}, {"horizontal_flip": {}}, {"random_erasing": {"probability": 0.25}}]
/// ```
public enum AugmentationConfig {
    /// The augmentations with their settings.
    public static let fields: [String: [String]] = [
        "random_crop": ["padding", "fill"],
        "horizontal_flip": ["probability"],
        "vertical_flip": ["probability"],
        "rotation": ["degrees", "fill"],
        "scale": ["minimum", "maximum", "fill"],
        "color_jitter": ["brightness", "contrast", "saturation"],
        "gaussian_noise": ["standard_deviation"],
        "random_erasing": ["probability", "minimum_area", "maximum_area", "value"],
    ]

    /// Builds the transforms of the list at `path` (an empty list gives none).
    public static func transforms(_ value: JSONValue?, path: String) throws -> [any Transform] {
        guard let value else { return [] }
        guard case .array(let entries) = value else {
            throw ConfigError.wrongType(path: path, expected: "a list of augmentations", found: value.kindDescription)
        }
        return try entries.enumerated().map { index, entry in
            let (name, settings) = try namedEntry(entry, path: "\(path)[\(index)]", valid: fields.keys.sorted())
            try settings.checkNoUnknownFields(allowed: fields[name]!)
            do {
                return try transform(name, settings)
            } catch let error as DataError {
                throw ConfigError.invalidValue(path: "\(path)[\(index)].\(name)", message: error.description)
            }
        }
    }

    private static func transform(_ name: String, _ settings: ConfigObject) throws -> any Transform {
        let fill = try settings.float("fill") ?? 0
        let probability = try settings.double("probability", in: 0...1).map(Float.init) ?? 0.5
        switch name {
        case "random_crop": return try RandomCrop(padding: try settings.int("padding", atLeast: 0) ?? 2, fill: fill)
        case "horizontal_flip": return RandomHorizontalFlip(probability: probability)
        case "vertical_flip": return RandomVerticalFlip(probability: probability)
        case "rotation": return try RandomRotation(maximumDegrees: try settings.float("degrees") ?? 10, fill: fill)
        case "scale":
            let minimum = try settings.float("minimum") ?? 0.9, maximum = try settings.float("maximum") ?? 1.1
            guard minimum <= maximum else {
                throw ConfigError.invalidValue(path: settings.fieldPath("minimum"), message: "\(minimum) is above maximum \(maximum)")
            }
            return try RandomScale(factors: minimum...maximum, fill: fill)
        case "color_jitter":
            return try ColorJitter(brightness: try settings.float("brightness") ?? 0, contrast: try settings.float("contrast") ?? 0,
                                   saturation: try settings.float("saturation") ?? 0)
        case "gaussian_noise": return try GaussianNoise(standardDeviation: try settings.float("standard_deviation") ?? 0.05)
        default:
            let minimum = try settings.float("minimum_area") ?? 0.02, maximum = try settings.float("maximum_area") ?? 0.33
            guard minimum <= maximum else {
                throw ConfigError.invalidValue(path: settings.fieldPath("minimum_area"), message: "\(minimum) is above maximum_area \(maximum)")
            }
            return try RandomErasing(probability: probability, areaScale: minimum...maximum, value: try settings.float("value") ?? 0)
        }
    }
}
