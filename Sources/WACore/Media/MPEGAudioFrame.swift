/// Recognises the 4-byte header of an MPEG audio frame (MP3 and layers I/II) and the 7-byte ADTS header of an
/// AAC frame. Both start with an 11- or 12-bit run of ones (frame sync).
enum MPEGAudioFrame {
    /// The type of the frame whose header starts at `offset`, `nil` when there is none, or `.needMore` when the
    /// prefix ends inside what may be one.
    static func detect(in bytes: MediaBytes, at offset: Int) -> MediaSniffer.Detection {
        guard let first = bytes.u8(offset) else { return .noMatch }
        guard first == 0xFF else { return .noMatch }
        guard let second = bytes.u8(offset + 1) else { return .needMore }
        guard second & 0xE0 == 0xE0 else { return .noMatch }
        let layer = (second >> 1) & 0x03
        if layer == 0 {
            // ADTS: 12-bit sync, MPEG version bit, layer 00, protection bit.
            guard second & 0xF0 == 0xF0 else { return .noMatch }
            guard let third = bytes.u8(offset + 2), let fourth = bytes.u8(offset + 3), let fifth = bytes.u8(offset + 4),
                let sixth = bytes.u8(offset + 5)
            else { return .needMore }
            let samplingIndex = (third >> 2) & 0x0F
            let frameLength = (Int(fourth & 0x03) << 11) | (Int(fifth) << 3) | Int(sixth >> 5)
            guard samplingIndex < 13, frameLength >= 7 else { return .noMatch }
            return .match(SniffedMedia(type: .aac))
        }
        let version = (second >> 3) & 0x03
        guard version != 1 else { return .noMatch }
        guard let third = bytes.u8(offset + 2) else { return .needMore }
        let bitrateIndex = third >> 4
        let samplingIndex = (third >> 2) & 0x03
        guard bitrateIndex != 0x0F, samplingIndex != 0x03 else { return .noMatch }
        return .match(SniffedMedia(type: .mpegAudio))
    }
}
