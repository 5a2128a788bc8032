/// Walks a WebP as its bytes arrive: the RIFF header (whose size says where the file ends), then chunk after chunk
/// (four-character code, little-endian size, data, a pad byte after odd sizes) up to the RIFF end, and counts what
/// follows. Dimensions come from `VP8X` (the canvas), or from the `VP8 ` or `VP8L` bitstream header; frames are
/// the `ANMF` chunks. Memory stays constant: at most the first 16 bytes of a chunk are kept.
///
/// Refuses a RIFF size under 4, a first chunk that is not `VP8 `, `VP8L` or `VP8X`, a chunk that runs past the RIFF
/// end, a bitstream header without its signature, and a file with no image data (`media_malformed`); a file that
/// ends before the RIFF end (`media_truncated`); canvas pixels × frames over the limit (`media_decompression_bomb`);
/// and more bytes after the RIFF end than the tolerance (`media_trailing_data`).
struct WebPInspector: ImageInspector {
    private enum State {
        /// Reading `RIFF`, the size and `WEBP`.
        case header
        /// Reading a chunk's code and size.
        case chunkHeader
        /// Inside a chunk's data, `offset` bytes in; `pad` says whether a pad byte follows.
        case chunk(code: UInt32, offset: Int, remaining: Int, pad: Bool)
        /// After the RIFF end.
        case trailing
    }

    private static let vp8: UInt32 = 0x5650_3820  // "VP8 "
    private static let vp8l: UInt32 = 0x5650_384C  // "VP8L"
    private static let vp8x: UInt32 = 0x5650_3858  // "VP8X"
    private static let anmf: UInt32 = 0x414E_4D46  // "ANMF"

    let limits: MediaInspectionLimits
    private var state = State.header
    private var pending = HeaderBytes(capacity: 16)
    /// Bytes of the file read so far, and where the RIFF data ends (8 + its size).
    private var position: Int64 = 0
    private var riffEnd: Int64 = 0
    private var chunkCount = 0
    private var width = 0
    private var height = 0
    private var hasCanvas = false
    private var sawImageData = false
    private var animationFrames = 0
    private(set) var end: FormatEnd

    init(limits: MediaInspectionLimits) {
        self.limits = limits
        end = FormatEnd(format: "WebP", marker: "the RIFF size", limits: limits)
    }


    /// Feeds the next bytes of the file.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .header:
                let taken = pending.collect(bytes, from: index, upTo: 12)
                index += taken
                position += Int64(taken)
                guard pending.count == 12 else { continue }
                guard pending.bigEndian32(at: 0) == 0x5249_4646, pending.bigEndian32(at: 8) == 0x5745_4250 else {
                    throw Self.malformed("the WebP's RIFF header is wrong")
                }
                let size = Int64(pending.littleEndian32(at: 4))
                pending.reset()
                guard size >= 4 else { throw Self.malformed("the WebP's RIFF size is under 4") }
                riffEnd = 8 + size
                state = try next()
            case .chunkHeader:
                let taken = pending.collect(bytes, from: index, upTo: 8)
                index += taken
                position += Int64(taken)
                guard pending.count == 8 else { continue }
                let code = pending.bigEndian32(at: 0)
                let size = Int(pending.littleEndian32(at: 4))
                pending.reset()
                try startChunk(code, size: size)
                let pad = size % 2 == 1
                guard position + Int64(size) + (pad ? 1 : 0) <= riffEnd else {
                    throw Self.malformed("a WebP chunk runs past the end of the RIFF data")
                }
                state = size == 0 && !pad ? try next() : .chunk(code: code, offset: 0, remaining: size + (pad ? 1 : 0), pad: pad)
            case .chunk(let code, let offset, let remaining, let pad):
                var taken = min(remaining, bytes.count - index)
                let wanted = Self.capturedLength(code)
                if offset < wanted {
                    taken = pending.collect(bytes, from: index, upTo: wanted)
                    if pending.count == wanted { try readCaptured(code) }
                }
                index += taken
                position += Int64(taken)
                state = taken < remaining
                    ? .chunk(code: code, offset: offset + taken, remaining: remaining - taken, pad: pad) : try next()
            case .trailing:
                try end.follow(bytes.count - index)
                index = bytes.count
            }
        }
    }

    /// After the last bytes: the image's facts, or why the file is refused.
    func finish() throws(WAError) -> SniffedMedia.Image {
        guard case .trailing = state else { throw end.truncated }
        return SniffedMedia.Image(width: width, height: height, frameCount: max(1, animationFrames))
    }

    // MARK: Steps

    /// The chunk after this one, or the end of the file.
    private mutating func next() throws(WAError) -> State {
        guard position >= riffEnd else { return .chunkHeader }
        guard sawImageData else { throw Self.malformed("the WebP has no image data") }
        return .trailing
    }

    private mutating func startChunk(_ code: UInt32, size: Int) throws(WAError) {
        chunkCount += 1
        if chunkCount == 1 {
            guard code == Self.vp8 || code == Self.vp8l || code == Self.vp8x else {
                throw Self.malformed("the WebP's first chunk is not VP8, VP8L or VP8X")
            }
        }
        if code == Self.vp8 || code == Self.vp8l || code == Self.anmf { sawImageData = true }
        if code == Self.anmf {
            animationFrames += 1
            try limits.checkPixels(width: width, height: height, frames: animationFrames, format: "WebP")
        }
        guard size >= Self.capturedLength(code) else { throw Self.malformed("a WebP \(Self.fourCharacterCode(code)) chunk is too short") }
    }

    /// How many leading bytes of a chunk are read.
    private static func capturedLength(_ code: UInt32) -> Int {
        switch code {
        case vp8x: 10
        case vp8: 10
        case vp8l: 5
        default: 0
        }
    }

    /// `pending` holds the start of a `VP8X`, `VP8 ` or `VP8L` chunk.
    private mutating func readCaptured(_ code: UInt32) throws(WAError) {
        defer { pending.reset() }
        var frameWidth = 0
        var frameHeight = 0
        switch code {
        case Self.vp8x:
            frameWidth = 1 + (Int(pending[4]) | Int(pending[5]) << 8 | Int(pending[6]) << 16)
            frameHeight = 1 + (Int(pending[7]) | Int(pending[8]) << 8 | Int(pending[9]) << 16)
            hasCanvas = true
        case Self.vp8:
            guard pending[3] == 0x9D, pending[4] == 0x01, pending[5] == 0x2A else {
                throw Self.malformed("the WebP's VP8 bitstream has no start code")
            }
            frameWidth = (Int(pending[6]) | Int(pending[7]) << 8) & 0x3FFF
            frameHeight = (Int(pending[8]) | Int(pending[9]) << 8) & 0x3FFF
        default:
            guard pending[0] == 0x2F else { throw Self.malformed("the WebP's VP8L bitstream has no signature") }
            let bits = Int(pending.littleEndian32(at: 1))
            frameWidth = 1 + bits & 0x3FFF
            frameHeight = 1 + (bits >> 14) & 0x3FFF
        }
        guard frameWidth > 0, frameHeight > 0 else {
            throw Self.malformed("the WebP's dimensions (\(frameWidth) × \(frameHeight)) are out of range")
        }
        if !hasCanvas || code == Self.vp8x {
            width = frameWidth
            height = frameHeight
        }
        try limits.checkPixels(width: width, height: height, frames: max(1, animationFrames), format: "WebP")
    }
}
