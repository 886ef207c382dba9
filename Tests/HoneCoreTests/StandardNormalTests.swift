import Foundation
import HoneCore
import Testing

@Suite struct StandardNormalTests {
    @Test func quantileMatchesTabulatedValuesInTheCentreAndBothTails() {
        // Φ⁻¹ to 16 digits (scipy.special.ndtri); Acklam's approximation is within 1.15e-9 relative.
        let table: [(p: Double, z: Double)] = [
            (0.5, 0), (0.975, 1.959963984540054), (0.01, -2.3263478740408408), (0.999, 3.090232306167813),
            (1e-10, -6.361340902404056), (0.3, -0.5244005127080409),
        ]
        for (p, z) in table { #expect(abs(StandardNormal.quantile(p) - z) <= 1.2e-9 * max(abs(z), 1), "p = \(p)") }
        #expect(StandardNormal.quantile(0) == -.infinity)
        #expect(StandardNormal.quantile(1) == .infinity)
    }

    @Test func quantileInvertsTheDistributionFunction() {
        // A relative error ε in z moves Φ(z) by about ε·|z|·φ(z).
        for p in stride(from: 0.0005, to: 1, by: 0.0005) {
            let z = StandardNormal.quantile(p)
            let density = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            #expect(abs(StandardNormal.cdf(z) - p) <= 1.2e-9 * abs(z) * density + 2e-16, "p = \(p)")
        }
        #expect(abs(StandardNormal.cdf(1.959963984540054) - 0.975) < 1e-15)
    }
}
