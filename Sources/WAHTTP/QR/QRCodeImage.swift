/// A QR code drawn as a PNG image: black modules on white, `scale` pixels per module, with the quiet zone of four
/// modules that scanners need around it.
enum QRCodeImage {
    /// The PNG of the QR code for `text`.
    ///
    /// - Parameter scale: pixels per module, 1 to 32 (8 by default: a link code becomes a 400–500 px square).
    /// - Throws: `invalid_argument` when the text does not fit a QR code.
    static func png(for text: String, scale: Int = 8) throws -> [UInt8] {
        precondition((1...32).contains(scale), "scale must be between 1 and 32")
        let matrix = try QRMatrix(encoding: text)
        let quietZone = 4
        let side = (matrix.width + 2 * quietZone) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for y in 0..<matrix.width {
            for x in 0..<matrix.width where matrix[x, y] {
                let left = (x + quietZone) * scale
                let top = (y + quietZone) * scale
                for row in top..<(top + scale) {
                    for column in left..<(left + scale) { pixels[row * side + column] = 0 }
                }
            }
        }
        return try PNGEncoder.greyscale(width: side, height: side, pixels: pixels)
    }
}
