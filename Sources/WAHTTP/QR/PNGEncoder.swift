import CZlib

/// Writes 8-bit greyscale PNG images (signature, `IHDR`, one `IDAT`, `IEND`), compressed and check-summed by zlib.
enum PNGEncoder {
    /// A failure of zlib's compression (only when memory runs out).
    struct CompressionFailed: Error {}

    /// The PNG file of a `width × height` greyscale image given row by row, one byte per pixel (0 black, 255 white).
    ///
    /// - Precondition: `pixels.count == width * height`, both positive.
    static func greyscale(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixels must fill the image")
        // Every scanline starts with its filter type: 0, none.
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[(row * width)..<((row + 1) * width)]
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]  // bit depth 8, colour type 0 (greyscale), deflate, adaptive filtering, no interlace
        append(chunk: "IHDR", header, to: &png)
        append(chunk: "IDAT", try compressed(scanlines), to: &png)
        append(chunk: "IEND", [], to: &png)
        return png
    }

    /// `bytes` as a zlib stream (what `IDAT` holds), at the best compression.
    static func compressed(_ bytes: [UInt8]) throws -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &length, input.baseAddress, uLong(input.count), Z_BEST_COMPRESSION)
            }
        }
        guard status == Z_OK else { throw CompressionFailed() }
        return Array(output.prefix(Int(length)))
    }

    private static func append(chunk type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes
        png += data
        // The CRC covers the type and the data, not the length.
        var checksum = typeBytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        checksum = data.withUnsafeBufferPointer { crc32(checksum, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(checksum))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
