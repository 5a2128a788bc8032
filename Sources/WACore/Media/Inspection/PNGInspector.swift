/// Walks a PNG (or APNG) as its bytes arrive: the signature, then chunk after chunk — length, type, data, CRC —
/// until `IEND`, and counts what follows. Memory stays constant whatever the file's size: only the 13 bytes of
/// `IHDR` and the 8 of `acTL` are kept.
///
/// Refuses, as libpng does, a file whose first chunk is not a 13-byte `IHDR`, a chunk length over 2³¹ − 1, a chunk
/// type that is not four letters, a CRC that does not match, zero or oversized dimensions, or `IEND` before any
/// `IDAT`; and, for the gateway, an image whose pixels × frames exceed the limit (a decompression bomb), a file
/// that ends before `IEND` (truncated) and more bytes after `IEND` than the tolerance (a polyglot: a PNG that is
/// also a ZIP, HTML or script).
struct PNGInspector: ImageInspector {
    private enum State {
        /// Reading the 8-byte signature; `have` bytes seen.
        case signature(have: Int)
        /// Reading a chunk's length and type.
        case header
        /// Inside a chunk's data: `remaining` bytes to go.
        case data(type: UInt32, remaining: Int)
        /// Reading a chunk's CRC.
        case crc(type: UInt32)
        /// After `IEND`.
        case trailing
    }

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let ihdr: UInt32 = 0x4948_4452
    private static let idat: UInt32 = 0x4944_4154
    private static let iend: UInt32 = 0x4945_4E44
    private static let actl: UInt32 = 0x6163_544C

    let limits: MediaInspectionLimits
    private var state = State.signature(have: 0)
    /// The bytes of a header, CRC or captured chunk collected so far (at most 13).
    private var pending = HeaderBytes(capacity: 13)
    /// The running CRC of the current chunk's type and data.
    private var runningCRC: UInt32 = 0
    private var chunkCount = 0
    private var width = 0
    private var height = 0
    private var frames = 1
    private var sawImageData = false
    private(set) var end: FormatEnd

    init(limits: MediaInspectionLimits) {
        self.limits = limits
        end = FormatEnd(format: "PNG", marker: "IEND", limits: limits)
    }


    /// Feeds the next bytes of the file.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .signature(let have):
                guard bytes[index] == Self.signature[have] else { throw Self.malformed("the PNG signature is wrong") }
                index += 1
                state = have + 1 == Self.signature.count ? .header : .signature(have: have + 1)
            case .header:
                index += pending.collect(bytes, from: index, upTo: 8)
                guard pending.count == 8 else { continue }
                try startChunk()
            case .data(let type, let remaining):
                if type == Self.ihdr || type == Self.actl {
                    // Captured: these few bytes are read.
                    let taken = pending.collect(bytes, from: index, upTo: remaining + pending.count)
                    runningCRC = CRC32.update(runningCRC, with: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + taken)]))
                    index += taken
                    if taken == remaining {
                        try finishCapture(type)
                    } else {
                        state = .data(type: type, remaining: remaining - taken)
                        continue
                    }
                } else {
                    let taken = min(remaining, bytes.count - index)
                    runningCRC = CRC32.update(runningCRC, with: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + taken)]))
                    index += taken
                    state = taken == remaining ? .crc(type: type) : .data(type: type, remaining: remaining - taken)
                }
            case .crc(let type):
                index += pending.collect(bytes, from: index, upTo: 4)
                guard pending.count == 4 else { continue }
                let stored = pending.bigEndian32(at: 0)
                pending.reset()
                guard stored == runningCRC else {
                    throw Self.malformed("the CRC of chunk \(Self.fourCharacterCode(type)) does not match")
                }
                state = type == Self.iend ? .trailing : .header
            case .trailing:
                try end.follow(bytes.count - index)
                index = bytes.count
            }
        }
    }

    /// After the last bytes: the image's facts, or why the file is refused.
    func finish() throws(WAError) -> SniffedMedia.Image {
        guard case .trailing = state else { throw end.truncated }
        return SniffedMedia.Image(width: width, height: height, frameCount: frames)
    }

    // MARK: Steps

    /// The chunk header in `pending` is complete: check it and start the chunk.
    private mutating func startChunk() throws(WAError) {
        let length = pending.bigEndian32(at: 0)
        let type = pending.bigEndian32(at: 4)
        runningCRC = pending.bytes.withUnsafeBytes { CRC32.update(0, with: UnsafeRawBufferPointer(rebasing: $0[4..<8])) }
        pending.reset()
        guard length <= 0x7FFF_FFFF else { throw Self.malformed("a chunk is longer than 2³¹ − 1 bytes") }
        let letters = [type >> 24, type >> 16 & 0xFF, type >> 8 & 0xFF, type & 0xFF]
        guard letters.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw Self.malformed("a chunk type is not four letters")
        }
        chunkCount += 1
        if chunkCount == 1 {
            guard type == Self.ihdr, length == 13 else { throw Self.malformed("the first chunk is not a 13-byte IHDR") }
        } else if type == Self.ihdr {
            throw Self.malformed("the PNG has a second IHDR")
        }
        if type == Self.idat { sawImageData = true }
        if type == Self.iend {
            guard sawImageData else { throw Self.malformed("the PNG ends (IEND) before any image data (IDAT)") }
            guard length == 0 else { throw Self.malformed("the end chunk (IEND) has data") }
        }
        if type == Self.actl, length != 8 { throw Self.malformed("the animation chunk (acTL) is not 8 bytes") }
        state = length == 0 ? .crc(type: type) : .data(type: type, remaining: Int(length))
    }

    /// A captured chunk (`IHDR`, `acTL`) is complete in `pending`.
    private mutating func finishCapture(_ type: UInt32) throws(WAError) {
        let first = Int(pending.bigEndian32(at: 0))
        if type == Self.ihdr {
            width = first
            height = Int(pending.bigEndian32(at: 4))
            guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
                throw Self.malformed("the PNG's dimensions (\(width) × \(height)) are out of range")
            }
        } else {
            frames = first
            guard frames > 0 else { throw Self.malformed("the animation chunk (acTL) has no frames") }
        }
        pending.reset()
        try limits.checkPixels(width: width, height: height, frames: frames, format: "PNG")
        state = .crc(type: type)
    }
}
