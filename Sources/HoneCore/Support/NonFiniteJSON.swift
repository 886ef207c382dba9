import Foundation

/// JSON coders for everything Hone writes: NaN and ±infinity, which JSON has no numbers
/// for, are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` and read back
/// as the same non-finite values, so a diverged metric is recorded instead of failing the write.
///
/// ```swift
/// let data = try NonFiniteJSON.encoder().encode(["val_loss": Double.nan])   // {"val_loss":"NaN"}
/// let back = try NonFiniteJSON.decoder().decode([String: Double].self, from: data)
/// ```
public enum NonFiniteJSON {
    /// The text of NaN.
    public static let nan = "NaN"
    /// The text of +infinity.
    public static let positiveInfinity = "Infinity"
    /// The text of -infinity.
    public static let negativeInfinity = "-Infinity"

    /// An encoder that writes non-finite numbers as their strings (keys sorted by default).
    public static func encoder(_ formatting: JSONEncoder.OutputFormatting = [.sortedKeys]) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: nan)
        return encoder
    }

    /// A decoder that reads those strings back as non-finite numbers.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: nan)
        return decoder
    }
}
