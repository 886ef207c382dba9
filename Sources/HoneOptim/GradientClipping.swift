import Foundation

/// Rescaling of gradients before an optimizer step, against exploding gradients
/// (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural
/// networks", arXiv 1211.5063).
///
/// ```swift
/// loss.backward()
/// let norm = try GradientClipping.byGlobalNorm(parameters, maxNorm: 1.0)
/// optimizer.step()
/// ```
public enum GradientClipping {
    /// What ``byGlobalNorm(_:maxNorm:normType:onNonFinite:)`` does when the total norm is
    /// NaN or infinite. Each choice is deterministic; the norm is returned in every case.
    public enum NonFinitePolicy: Sendable {
        /// Scale as usual, as PyTorch does by default: gradients become NaN or 0.
        case scale
        /// Leave the gradients as they are.
        case skip
        /// Set every gradient to zero, so the coming step changes nothing (Adam's
        /// moments still decay).
        case zero
        /// Throw ``GradientClippingError/nonFiniteNorm(_:)``, touching nothing.
        case throwError
    }

    /// Scales all gradients together so their joint norm is at most `maxNorm`, as
    /// `torch.nn.utils.clip_grad_norm_`: the factor is `min(1, maxNorm / (norm + 1e-6))`.
    ///
    /// - Parameters:
    ///   - parameters: the parameters whose gradients to clip; those without one are skipped.
    ///   - maxNorm: the largest allowed norm (≥ 0).
    ///   - normType: the p of the p-norm (> 0), or `.infinity` for the largest magnitude.
    ///   - onNonFinite: what to do when the norm is NaN or infinite.
    /// - Returns: the total norm before clipping (computed in Double).
    /// - Throws: ``GradientClippingError/nonFiniteNorm(_:)`` only with `.throwError`.
    @discardableResult
    public static func byGlobalNorm(
        _ parameters: [Tensor], maxNorm: Float, normType: Float = 2, onNonFinite: NonFinitePolicy = .scale
    ) throws -> Float {
        precondition(maxNorm >= 0, "GradientClipping.byGlobalNorm: max norm \(maxNorm) is negative")
        precondition(normType > 0, "GradientClipping.byGlobalNorm: norm type \(normType) must be positive")
        let gradients = parameters.compactMap(\.grad)
        let norm = Float(totalNorm(gradients, normType: Double(normType)))
        if !norm.isFinite {
            switch onNonFinite {
            case .scale: break
            case .skip: return norm
            case .zero:
                for gradient in gradients {
                    gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                }
                return norm
            case .throwError: throw GradientClippingError.nonFiniteNorm(norm)
            }
        }
        // `min` keeps a NaN first argument, so a NaN norm scales by NaN as in PyTorch.
        let factor = Swift.min(maxNorm / (norm + 1e-6), 1)
        if factor < 1 || factor.isNaN {
            for gradient in gradients { scale(gradient, by: factor) }
        }
        return norm
    }

    /// Clamps every gradient value into `[-clipValue, clipValue]`, as
    /// `torch.nn.utils.clip_grad_value_` (NaN values stay NaN).
    public static func byValue(_ parameters: [Tensor], clipValue: Float) {
        precondition(clipValue >= 0, "GradientClipping.byValue: clip value \(clipValue) is negative")
        for gradient in parameters.compactMap(\.grad) {
            gradient.withUnsafeMutableBufferPointer { values in
                for i in values.indices where !values[i].isNaN {
                    values[i] = Swift.min(Swift.max(values[i], -clipValue), clipValue)
                }
            }
        }
    }

    /// The p-norm of all gradient values taken together.
    public static func totalNorm(_ gradients: [Tensor], normType: Double = 2) -> Double {
        var accumulated = 0.0
        var sawNaN = false
        for gradient in gradients {
            gradient.withUnsafeBufferPointer { values in
                for value in values {
                    let magnitude = Double(Swift.abs(value))
                    if magnitude.isNaN { sawNaN = true }
                    if normType.isInfinite {
                        accumulated = Swift.max(accumulated, magnitude)
                    } else if normType == 2 {
                        accumulated += magnitude * magnitude
                    } else if normType == 1 {
                        accumulated += magnitude
                    } else {
                        accumulated += Foundation.pow(magnitude, normType)
                    }
                }
            }
        }
        if sawNaN { return .nan }
        if normType.isInfinite || normType == 1 { return accumulated }
        return normType == 2 ? accumulated.squareRoot() : Foundation.pow(accumulated, 1 / normType)
    }

    private static func scale(_ gradient: Tensor, by factor: Float) {
        gradient.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= factor }
        }
    }
}

/// A gradient-clipping failure.
public enum GradientClippingError: Error, Equatable, CustomStringConvertible {
    /// The total gradient norm was NaN or infinite.
    case nonFiniteNorm(Float)

    /// A readable message naming what failed.
    public var description: String {
        switch self {
        case let .nonFiniteNorm(norm):
            "gradient clipping: the total gradient norm is \(norm); a gradient holds NaN or infinity"
        }
    }
}
