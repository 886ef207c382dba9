/// Bilinear resampling of image planes through an affine map about the image centre,
/// shared by rotation and zoom.
enum Resampling {
    /// Rewrites every plane of `sample` so output pixel p takes the source value at
    /// `centre + M · (p − centre)`, with M = [[m00, m01], [m10, m11]] acting on (x, y);
    /// samples outside the source read `fill`.
    static func affine(_ sample: SampleBuffer, m00: Float, m01: Float, m10: Float, m11: Float, fill: Float) {
        sample.copyValuesToScratch()
        let (height, width) = (sample.height, sample.width)
        let centreX = Float(width - 1) / 2, centreY = Float(height - 1) / 2
        let source = sample.scratch.baseAddress!, output = sample.values.baseAddress!
        for channel in 0..<sample.channels {
            let sourcePlane = source + channel * sample.planeSize
            let outputPlane = output + channel * sample.planeSize
            for y in 0..<height {
                let dy = Float(y) - centreY
                for x in 0..<width {
                    let dx = Float(x) - centreX
                    let sourceX = centreX + m00 * dx + m01 * dy
                    let sourceY = centreY + m10 * dx + m11 * dy
                    outputPlane[y * width + x] = bilinear(
                        sourcePlane, height: height, width: width, x: sourceX, y: sourceY, fill: fill)
                }
            }
        }
    }

    /// The bilinear interpolation of `plane` at (x, y); neighbours outside the plane read `fill`.
    @inline(__always)
    static func bilinear(
        _ plane: UnsafeMutablePointer<Float>, height: Int, width: Int, x: Float, y: Float, fill: Float
    ) -> Float {
        // Far outside the plane (or NaN) every neighbour is fill; checking first also
        // keeps the integer conversion below in range for extreme zoom factors.
        guard x > -1, x < Float(width), y > -1, y < Float(height) else { return fill }
        let floorX = x.rounded(.down), floorY = y.rounded(.down)
        let fractionX = x - floorX, fractionY = y - floorY
        let x0 = Int(floorX), y0 = Int(floorY)
        @inline(__always) func at(_ column: Int, _ row: Int) -> Float {
            (column >= 0 && column < width && row >= 0 && row < height) ? plane[row * width + column] : fill
        }
        let top = at(x0, y0) * (1 - fractionX) + at(x0 + 1, y0) * fractionX
        let bottom = at(x0, y0 + 1) * (1 - fractionX) + at(x0 + 1, y0 + 1) * fractionX
        return top * (1 - fractionY) + bottom * fractionY
    }
}
