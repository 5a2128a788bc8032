/// Walks a GIF as its bytes arrive: header, logical screen, colour tables, then extension and image blocks (each
/// a chain of length-prefixed sub-blocks) until the trailer (`0x3B`), and counts what follows. Memory stays
/// constant: at most the 9 bytes of an image descriptor are kept.
///
/// Refuses a block that is neither an extension (`0x21`), an image (`0x2C`) nor the trailer, an LZW code size
/// outside 1 … 11, and a file without any image (`media_malformed`); a file that ends before its trailer
/// (`media_truncated`); an animation whose frames × screen pixels exceed the limit (`media_decompression_bomb`);
/// and more bytes after the trailer than the tolerance (`media_trailing_data`).
struct GIFInspector: ImageInspector {
    private enum State {
        /// Reading the 6-byte header and the 7-byte logical screen descriptor.
        case header
        /// Skipping a colour table, then expecting a block (or, after a local table, the LZW code size).
        case colorTable(remaining: Int, thenImageData: Bool)
        /// Expecting a block introducer.
        case block
        /// Expecting an extension's label.
        case extensionLabel
        /// Reading an image descriptor (9 bytes after `0x2C`).
        case imageDescriptor
        /// Expecting the LZW minimum code size of an image.
        case codeSize
        /// Expecting the size of the next sub-block (0 ends the chain).
        case subBlockSize
        /// Inside a sub-block.
        case subBlock(remaining: Int)
        /// After the trailer.
        case trailing
    }

    let limits: MediaInspectionLimits
    private var state = State.header
    private var pending = HeaderBytes(capacity: 13)
    private var width = 0
    private var height = 0
    private var frames = 0
    private(set) var end: FormatEnd

    init(limits: MediaInspectionLimits) {
        self.limits = limits
        end = FormatEnd(format: "GIF", marker: "trailer", limits: limits)
    }


    /// Feeds the next bytes of the file.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .header:
                index += pending.collect(bytes, from: index, upTo: 13)
                guard pending.count == 13 else { continue }
                guard pending.bytes.starts(with: Array("GIF87a".utf8)) || pending.bytes.starts(with: Array("GIF89a".utf8)) else {
                    throw Self.malformed("the GIF header is wrong")
                }
                width = pending.littleEndian16(at: 6)
                height = pending.littleEndian16(at: 8)
                let flags = pending[10]
                pending.reset()
                state = flags & 0x80 != 0
                    ? .colorTable(remaining: 3 << (Int(flags & 0x07) + 1), thenImageData: false) : .block
            case .colorTable(let remaining, let thenImageData):
                let taken = min(remaining, bytes.count - index)
                index += taken
                if taken < remaining {
                    state = .colorTable(remaining: remaining - taken, thenImageData: thenImageData)
                } else {
                    state = thenImageData ? .codeSize : .block
                }
            case .block:
                let introducer = bytes[index]
                index += 1
                switch introducer {
                case 0x21: state = .extensionLabel
                case 0x2C: state = .imageDescriptor
                case 0x3B:
                    guard frames > 0 else { throw Self.malformed("the GIF has no image") }
                    state = .trailing
                default: throw Self.malformed("the GIF has an unknown block (0x\(String(introducer, radix: 16)))")
                }
            case .extensionLabel:
                index += 1
                state = .subBlockSize
            case .imageDescriptor:
                index += pending.collect(bytes, from: index, upTo: 9)
                guard pending.count == 9 else { continue }
                let frameWidth = pending.littleEndian16(at: 4)
                let frameHeight = pending.littleEndian16(at: 6)
                let flags = pending[8]
                pending.reset()
                frames += 1
                if frames == 1 && (width == 0 || height == 0) {
                    // Browsers size a zero logical screen by its first frame.
                    width = frameWidth
                    height = frameHeight
                }
                try limits.checkPixels(width: max(width, frameWidth), height: max(height, frameHeight), frames: frames, format: "GIF")
                state = flags & 0x80 != 0
                    ? .colorTable(remaining: 3 << (Int(flags & 0x07) + 1), thenImageData: true) : .codeSize
            case .codeSize:
                let size = bytes[index]
                index += 1
                guard (1...11).contains(size) else { throw Self.malformed("an image's LZW code size (\(size)) is out of range") }
                state = .subBlockSize
            case .subBlockSize:
                let size = Int(bytes[index])
                index += 1
                state = size == 0 ? .block : .subBlock(remaining: size)
            case .subBlock(let remaining):
                let taken = min(remaining, bytes.count - index)
                index += taken
                state = taken < remaining ? .subBlock(remaining: remaining - taken) : .subBlockSize
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
}
