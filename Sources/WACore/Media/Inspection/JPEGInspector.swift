/// Walks a JPEG as its bytes arrive: `SOI`, then marker segments (a length-prefixed body each; the frame header
/// `SOFn` gives the dimensions), the entropy-coded data after each `SOS` (where `FF 00` is a stuffed byte and
/// `FF D0`–`FF D7` are restart markers), until `EOI`, and counts what follows. Memory stays constant: at most
/// the first 5 bytes of a frame header are kept.
///
/// Refuses a segment length under 2, a second `SOI`, a frame header too short or with a zero dimension, a scan
/// (`SOS`) before any frame header, and `EOI` before any frame header (`media_malformed`); a file that ends before
/// `EOI` (`media_truncated`); dimensions over the pixel limit (`media_decompression_bomb`); and more bytes after
/// `EOI` than the tolerance (`media_trailing_data`). Stray bytes before a marker are skipped, as libjpeg does.
struct JPEGInspector: ImageInspector {
    private enum State {
        /// Expecting `FF D8`; `have` bytes seen.
        case startOfImage(have: Int)
        /// Expecting `FF` before a marker.
        case marker
        /// After `FF`, expecting the marker's code (`FF` again is fill).
        case markerCode
        /// Reading a segment's 2-byte length.
        case length(marker: UInt8)
        /// Inside a segment's body, `offset` bytes into it.
        case segment(marker: UInt8, offset: Int, remaining: Int)
        /// In entropy-coded data after a scan header.
        case entropy
        /// In entropy-coded data, right after an `FF`.
        case entropyMarker
        /// After `EOI`.
        case trailing
    }

    let limits: MediaInspectionLimits
    private var state = State.startOfImage(have: 0)
    private var pending = HeaderBytes(capacity: 5)
    private var width = 0
    private var height = 0
    private var sawFrame = false
    private(set) var end: FormatEnd

    init(limits: MediaInspectionLimits) {
        self.limits = limits
        end = FormatEnd(format: "JPEG", marker: "EOI", limits: limits)
    }


    /// Feeds the next bytes of the file.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .startOfImage(let have):
                guard bytes[index] == (have == 0 ? 0xFF : 0xD8) else { throw Self.malformed("the JPEG does not start with SOI") }
                index += 1
                state = have == 0 ? .startOfImage(have: 1) : .marker
            case .marker:
                // Anything but FF here is a stray byte, skipped as libjpeg does.
                if bytes[index] == 0xFF { state = .markerCode }
                index += 1
            case .markerCode:
                let code = bytes[index]
                index += 1
                try startSegment(code)
            case .length(let marker):
                index += pending.collect(bytes, from: index, upTo: 2)
                guard pending.count == 2 else { continue }
                let length = Int(pending[0]) << 8 | Int(pending[1])
                pending.reset()
                guard length >= 2 else { throw Self.malformed("a JPEG segment's length is under 2") }
                if Self.isFrameHeader(marker), length < 8 { throw Self.malformed("the JPEG frame header is too short") }
                state = length == 2 ? Self.after(marker) : .segment(marker: marker, offset: 0, remaining: length - 2)
            case .segment(let marker, let offset, let remaining):
                var taken = min(remaining, bytes.count - index)
                if Self.isFrameHeader(marker), offset < 5 {
                    // The frame header's precision, height and width (the segment is at least 6 bytes long).
                    taken = pending.collect(bytes, from: index, upTo: 5)
                    if pending.count == 5 { try readFrameHeader() }
                }
                index += taken
                state = taken < remaining
                    ? .segment(marker: marker, offset: offset + taken, remaining: remaining - taken) : Self.after(marker)
            case .entropy:
                // Scan data: only an FF can end it.
                if let next = bytes[index...].firstIndex(of: 0xFF) {
                    index = next + 1
                    state = .entropyMarker
                } else {
                    index = bytes.count
                }
            case .entropyMarker:
                let code = bytes[index]
                index += 1
                switch code {
                case 0x00, 0xD0...0xD7: state = .entropy  // a stuffed FF, a restart marker
                case 0xFF: state = .entropyMarker  // fill
                default: try startSegment(code)
                }
            case .trailing:
                try end.follow(bytes.count - index)
                index = bytes.count
            }
        }
    }

    /// After the last bytes: the image's facts, or why the file is refused.
    func finish() throws(WAError) -> SniffedMedia.Image {
        guard case .trailing = state else { throw end.truncated }
        return SniffedMedia.Image(width: width, height: height, frameCount: 1)
    }

    // MARK: Steps

    /// A marker `FF code` was read outside entropy-coded data.
    private mutating func startSegment(_ code: UInt8) throws(WAError) {
        switch code {
        case 0xFF:
            state = .markerCode  // fill bytes before a marker
        case 0xD8:
            throw Self.malformed("the JPEG has a second SOI")
        case 0xD9:
            guard sawFrame else { throw Self.malformed("the JPEG ends (EOI) before any frame header") }
            state = .trailing
        case 0x01, 0xD0...0xD7:
            state = .marker  // standalone markers
        case 0x00:
            throw Self.malformed("the JPEG has an invalid marker (FF 00) between segments")
        default:
            if code == 0xDA, !sawFrame { throw Self.malformed("the JPEG has a scan (SOS) before any frame header") }
            state = .length(marker: code)
        }
    }

    /// What follows a segment's body: entropy-coded data after a scan header, otherwise the next marker.
    private static func after(_ marker: UInt8) -> State {
        marker == 0xDA ? .entropy : .marker
    }

    /// `pending` holds a frame header's precision, height and width.
    private mutating func readFrameHeader() throws(WAError) {
        let frameHeight = Int(pending[1]) << 8 | Int(pending[2])
        let frameWidth = Int(pending[3]) << 8 | Int(pending[4])
        pending.reset()
        guard frameWidth > 0, frameHeight > 0 else {
            throw Self.malformed("the JPEG's dimensions (\(frameWidth) × \(frameHeight)) are out of range")
        }
        if !sawFrame {
            width = frameWidth
            height = frameHeight
            sawFrame = true
        }
        try limits.checkPixels(width: frameWidth, height: frameHeight, frames: 1, format: "JPEG")
    }

    /// Whether `marker` is a frame header (`SOF0`–`SOF15` except `DHT`, `JPG` and `DAC`).
    private static func isFrameHeader(_ marker: UInt8) -> Bool {
        (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
    }
}
