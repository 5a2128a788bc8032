import CQREncode
import WACore

/// The modules of a QR code, as libqrencode encodes a text: `width × width` squares, dark or light, without the
/// quiet zone around them.
struct QRMatrix: Sendable, Equatable {
    /// Modules per side.
    let width: Int
    /// Row by row, `true` for a dark module.
    let modules: [Bool]

    /// Encodes `text` as 8-bit data at error-correction level M, in the smallest version that holds it.
    ///
    /// - Throws: `invalid_argument` when the text does not fit a QR code (more than about 2,300 bytes at level M).
    init(encoding text: String) throws {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            throw WAError.invalid("qr", "the text does not fit a QR code")
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        self.width = width
        // libqrencode's lowest bit of each byte is the module's colour; the other bits describe its role.
        self.modules = data.map { $0 & 1 == 1 }
    }

    /// Whether the module at column `x`, row `y` is dark.
    subscript(x: Int, y: Int) -> Bool { modules[y * width + x] }
}
