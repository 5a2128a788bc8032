/// Reads the entry names of a zip archive from its first bytes and tells Office Open XML documents apart from
/// plain archives.
///
/// It walks the local file headers from the start. An entry whose sizes are in its header is skipped whole (so a
/// stored zip *inside* the archive is never mistaken for the archive's own entries); after an entry written with
/// a data descriptor (sizes unknown, as LibreOffice writes them), it searches for the next header signature.
/// When the central directory is inside the prefix (small files), its names are read too.
enum ZipEntryScanner {
    static let localHeader: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    static let centralHeader: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
    static let endOfCentralDirectory: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
    static let spanMarker: [UInt8] = [0x50, 0x4B, 0x07, 0x08]

    /// At most this many entries are read: enough for any Office document's first parts.
    static let maximumEntries = 4_096

    /// The entry names found in the prefix, in archive order (local headers first, then central directory).
    static func entryNames(in bytes: MediaBytes) -> [String] {
        var names: [String] = []
        var offset = 0
        while names.count < maximumEntries, offset >= 0, offset + 30 <= bytes.count {
            if bytes.matches(localHeader, at: offset) {
                guard let flags = bytes.le16(offset + 6), let compressedSize = bytes.le32(offset + 18),
                    let nameLength = bytes.le16(offset + 26).map(Int.init),
                    let extraLength = bytes.le16(offset + 28).map(Int.init),
                    let name = bytes.slice((offset + 30)..<(offset + 30 + nameLength))
                else { break }
                if let text = entryName(name) { names.append(text) }
                let dataStart = offset + 30 + nameLength + extraLength
                let hasDescriptor = flags & 0x0008 != 0
                if !hasDescriptor && compressedSize != 0xFFFF_FFFF {
                    offset = dataStart + Int(compressedSize)
                } else {
                    guard let next = nextHeader(in: bytes, from: dataStart) else { break }
                    offset = next
                }
            } else if bytes.matches(centralHeader, at: offset) {
                guard let nameLength = bytes.le16(offset + 28).map(Int.init),
                    let extraLength = bytes.le16(offset + 30).map(Int.init),
                    let commentLength = bytes.le16(offset + 32).map(Int.init),
                    let name = bytes.slice((offset + 46)..<(offset + 46 + nameLength))
                else { break }
                if let text = entryName(name), !names.contains(text) { names.append(text) }
                offset += 46 + nameLength + extraLength + commentLength
            } else if bytes.matches(spanMarker, at: offset) {
                offset += 4
            } else {
                break
            }
        }
        return names
    }

    /// The Office Open XML type the names show, or `nil` for a plain zip. A package needs its content-types part
    /// or package relationships (`[Content_Types].xml`, `_rels/.rels`) plus a part under `word/`, `xl/` or `ppt/`.
    static func officeType(entryNames names: [String]) -> MediaType? {
        guard names.contains(where: { $0 == "[Content_Types].xml" || $0 == "_rels/.rels" }) else { return nil }
        for name in names {
            if name.hasPrefix("word/") { return .docx }
            if name.hasPrefix("xl/") { return .xlsx }
            if name.hasPrefix("ppt/") { return .pptx }
        }
        return nil
    }

    /// The OpenDocument type of a zip whose first entry is `mimetype`, stored, holding an OpenDocument type (as
    /// ODF 1.2 §3.3 requires and `file(1)` checks); `nil` otherwise.
    static func openDocumentType(in bytes: MediaBytes) -> MediaType? {
        guard bytes.matches(localHeader), bytes.le16(8) == 0, let size = bytes.le32(18), bytes.le32(22) == size,
            bytes.le16(26) == 8, bytes.matches(ascii: "mimetype", at: 30), let extraLength = bytes.le16(28),
            size < 128, let value = bytes.slice((38 + Int(extraLength))..<(38 + Int(extraLength) + Int(size)))
        else { return nil }
        switch String(decoding: value, as: UTF8.self) {
        case MediaType.openDocumentText.rawValue: return .openDocumentText
        case MediaType.openDocumentSpreadsheet.rawValue: return .openDocumentSpreadsheet
        case MediaType.openDocumentPresentation.rawValue: return .openDocumentPresentation
        default: return nil
        }
    }

    /// The next local or central header signature at or after `start` (one pass, so a hostile archive of many
    /// descriptor entries costs linear time).
    private static func nextHeader(in bytes: MediaBytes, from start: Int) -> Int? {
        var index = max(start, 0)
        while index + 4 <= bytes.count {
            if bytes.u8(index) == 0x50, bytes.u8(index + 1) == 0x4B,
                let third = bytes.u8(index + 2), let fourth = bytes.u8(index + 3),
                (third == 0x03 && fourth == 0x04) || (third == 0x01 && fourth == 0x02)
            {
                return index
            }
            index += 1
        }
        return nil
    }

    /// A plausible entry name (1–1024 bytes, no NUL), decoded as UTF-8 (with replacement characters otherwise).
    private static func entryName(_ raw: ArraySlice<UInt8>) -> String? {
        guard (1...1024).contains(raw.count), !raw.contains(0) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}
