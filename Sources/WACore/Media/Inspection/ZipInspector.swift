/// Walks a zip archive (and so an Office Open XML or OpenDocument package) as its bytes arrive: every local entry
/// (header, name, data, data descriptor), then the central directory, the ZIP64 end records when present, and the
/// end record with its comment; then counts what follows. Memory stays bounded whatever the file's size: one record
/// at a time, and 24 bytes per entry to match the central directory against the local entries.
///
/// Unzip tools and Office read the central directory; streaming extractors read the local headers. Both are
/// checked, and they must agree. The inspector refuses:
/// - an entry name, local or central, that is absolute (`/etc/passwd`, `C:…`), has a `..` component, a backslash or
///   a NUL (`media_unsafe_path`);
/// - more entries than ``MediaInspectionLimits/maximumArchiveEntries``, more declared uncompressed bytes than
///   ``MediaInspectionLimits/maximumUncompressedBytes``, an entry over 1 MiB whose declared ratio is over
///   ``MediaInspectionLimits/maximumCompressionRatio``, and central entries that share one local entry (the
///   overlapping-entry bomb) (`media_decompression_bomb`);
/// - records out of order or unknown, a central entry with no local entry at its offset or whose name or compressed
///   size disagree with it, a local entry the central directory leaves out (hidden content), end records that
///   disagree with the directory, split archives, and a package whose parts do not make its type: Office Open XML
///   without `[Content_Types].xml` and its main part (`word/document.xml`, `xl/workbook.xml`,
///   `ppt/presentation.xml`) or with macros (`vbaProject.bin`) its type cannot hold, OpenDocument without
///   `META-INF/manifest.xml` (`media_malformed`);
/// - a file that ends before its end record and comment (`media_truncated`);
/// - more bytes after the end record's comment than the tolerance (`media_trailing_data`).
///
/// Entry data is not decompressed: sizes are judged as declared. An entry written with a data descriptor (sizes
/// after the data, as LibreOffice and streaming writers do) ends where a descriptor whose compressed size matches
/// the bytes since the data began is found.
struct ZipInspector: FormatInspector {
    private enum State {
        /// Collecting a record into `pending`: its signature, its fixed part, then its names.
        case record
        /// Inside an entry's data of known size.
        case data(remaining: Int64)
        /// Inside an entry's data whose size is in the data descriptor after it.
        case descriptorData
        /// Skipping the ZIP64 end record's extensible data.
        case zip64Extensible(remaining: Int64)
        /// Skipping the end record's comment.
        case comment(remaining: Int)
        /// After the comment.
        case trailing
    }

    /// Where in the archive the walk is: each section may only follow the ones before it.
    private enum Section: Int, Comparable {
        case local, central, zip64End, zip64Locator, end
        static func < (lhs: Section, rhs: Section) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// A local entry, as the central directory must find it.
    private struct LocalEntry {
        let offset: Int64
        let nameCRC: UInt32
        var compressedSize: Int64
        var isReferenced = false
    }

    static let localSignature: UInt32 = 0x0403_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let endSignature: UInt32 = 0x0605_4B50
    static let descriptorSignature: UInt32 = 0x0807_4B50

    let type: MediaType
    let limits: MediaInspectionLimits
    private var state = State.record
    private var section = Section.local
    /// The record being collected (at most 46 + 3 × 65,535 bytes).
    private var pending = HeaderBytes(capacity: 64)
    /// The absolute offset of the next byte `consume` is given.
    private var offset: Int64 = 0
    private var locals: [LocalEntry] = []
    /// The entry whose data is being read: where its data began and whether its descriptor has 64-bit sizes.
    private var dataStart: Int64 = 0
    private var descriptorIsZip64 = false
    /// Data-descriptor search: the bytes not yet ruled out, from absolute offset `scanBase`.
    private var scan: [UInt8] = []
    private var scanBase: Int64 = 0
    private var centralStart: Int64?
    private var centralEnd: Int64 = 0
    private var zip64EndOffset: Int64?
    /// The ZIP64 end record's entry count, directory size and directory offset.
    private var zip64Totals: (entries: Int64, size: Int64, offset: Int64)?
    private var summary = SniffedMedia.Archive(
        entryCount: 0, uncompressedByteCount: 0, compressedByteCount: 0, highestCompressionRatio: 0)
    private var parts = PackageParts()
    private(set) var end: FormatEnd

    init(type: MediaType, limits: MediaInspectionLimits) {
        self.type = type
        self.limits = limits
        end = FormatEnd(format: "zip archive", marker: "the end of central directory record", limits: limits)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        var index = 0
        defer { offset += Int64(bytes.count) }
        while index < bytes.count {
            switch state {
            case .record:
                index += pending.collect(bytes, from: index, upTo: try recordLength())
                if pending.count == (try recordLength()) {
                    try finishRecord(endingAt: offset + Int64(index))
                }
            case .data(let remaining):
                let taken = Int(min(remaining, Int64(bytes.count - index)))
                index += taken
                state = taken == remaining ? .record : .data(remaining: remaining - Int64(taken))
            case .descriptorData:
                index = try searchDescriptor(bytes, from: index)
            case .zip64Extensible(let remaining):
                let taken = Int(min(remaining, Int64(bytes.count - index)))
                index += taken
                state = taken == remaining ? .record : .zip64Extensible(remaining: remaining - Int64(taken))
            case .comment(let remaining):
                let taken = min(remaining, bytes.count - index)
                index += taken
                state = taken == remaining ? .trailing : .comment(remaining: remaining - taken)
            case .trailing:
                try end.follow(bytes.count - index)
                index = bytes.count
            }
        }
    }

    func finish(into media: inout SniffedMedia) throws(WAError) {
        guard case .trailing = state else { throw end.truncated }
        try parts.check(type)
        media.archive = summary
        media.trailingByteCount = end.trailingByteCount
    }

    // MARK: Records

    /// How many bytes the record in `pending` has, as far as its bytes so far tell (4 until its signature is in).
    private func recordLength() throws(WAError) -> Int {
        guard pending.count >= 4 else { return 4 }
        switch pending.littleEndian32(at: 0) {
        case Self.localSignature:
            return pending.count < 30 ? 30 : 30 + pending.littleEndian16(at: 26) + pending.littleEndian16(at: 28)
        case Self.centralSignature:
            return pending.count < 46
                ? 46
                : 46 + pending.littleEndian16(at: 28) + pending.littleEndian16(at: 30) + pending.littleEndian16(at: 32)
        case Self.zip64EndSignature: return 56
        case Self.zip64LocatorSignature: return 20
        case Self.endSignature: return 22
        case let signature:
            throw Self.malformed(
                "the archive has an unknown record (\(String(signature, radix: 16))) at byte \(offset)")
        }
    }

    /// The record in `pending` is complete and the walk is at `position`, just past it.
    private mutating func finishRecord(endingAt position: Int64) throws(WAError) {
        let start = position - Int64(pending.count)
        switch pending.littleEndian32(at: 0) {
        case Self.localSignature:
            try enter(.local, at: start)
            try readLocalEntry(at: start, dataStart: position)
        case Self.centralSignature:
            try enter(.central, at: start)
            try readCentralEntry()
            centralEnd = position
        case Self.zip64EndSignature:
            try enter(.zip64End, at: start)
            try readZip64End(at: start)
        case Self.zip64LocatorSignature:
            try enter(.zip64Locator, at: start)
            try readZip64Locator()
        default:
            try enter(.end, at: start)
            try readEnd()
        }
        pending.reset()
    }

    /// Moves the walk into `next`, which must come after the current section (entries may repeat).
    private mutating func enter(_ next: Section, at start: Int64) throws(WAError) {
        let allowed =
            switch next {
            case .local: section == .local
            case .central: section <= .central
            case .zip64End: section <= .central
            case .zip64Locator: section == .zip64End
            case .end: section <= .central || section == .zip64Locator
            }
        guard allowed else { throw Self.malformed("the archive's records are out of order at byte \(start)") }
        if section == .local && next != .local {
            centralStart = start
            centralEnd = start
        }
        section = next
    }

    private mutating func readLocalEntry(at start: Int64, dataStart: Int64) throws(WAError) {
        let flags = pending.littleEndian16(at: 6)
        let nameLength = pending.littleEndian16(at: 26)
        let name = 30..<(30 + nameLength)
        try checkName(name)
        guard locals.count < limits.maximumArchiveEntries else { throw tooManyEntries }
        var compressed = Int64(pending.littleEndian32(at: 18))
        var uncompressed = Int64(pending.littleEndian32(at: 22))
        let zip64 = zip64Fields(extraAt: name.upperBound, length: pending.littleEndian16(at: 28))
        if let zip64 {
            var reader = zip64
            if uncompressed == 0xFFFF_FFFF { uncompressed = try reader.next() }
            if compressed == 0xFFFF_FFFF { compressed = try reader.next() }
        }
        guard compressed >= 0 else { throw Self.malformed("an entry declares an impossible size") }
        locals.append(LocalEntry(offset: start, nameCRC: crc(name), compressedSize: compressed))
        self.dataStart = dataStart
        if flags & 0x0008 != 0 {
            descriptorIsZip64 = zip64 != nil
            scan.removeAll(keepingCapacity: true)
            scanBase = dataStart
            state = .descriptorData
        } else if compressed > 0 {
            state = .data(remaining: compressed)
        }
    }

    private mutating func readCentralEntry() throws(WAError) {
        let flags = pending.littleEndian16(at: 8)
        let method = pending.littleEndian16(at: 10)
        let nameLength = pending.littleEndian16(at: 28)
        let name = 46..<(46 + nameLength)
        try checkName(name)
        var compressed = Int64(pending.littleEndian32(at: 20))
        var uncompressed = Int64(pending.littleEndian32(at: 24))
        var localOffset = Int64(pending.littleEndian32(at: 42))
        var disk = pending.littleEndian16(at: 34)
        if var reader = zip64Fields(extraAt: name.upperBound, length: pending.littleEndian16(at: 30)) {
            if uncompressed == 0xFFFF_FFFF { uncompressed = try reader.next() }
            if compressed == 0xFFFF_FFFF { compressed = try reader.next() }
            if localOffset == 0xFFFF_FFFF { localOffset = try reader.next() }
            if disk == 0xFFFF { disk = Int(try reader.nextDisk()) }
        }
        guard disk == 0 else { throw Self.malformed("the archive is split across several files") }
        guard compressed >= 0, uncompressed >= 0, localOffset >= 0 else {
            throw Self.malformed("the entry '\(text(name))' declares an impossible size or offset")
        }
        guard summary.entryCount < limits.maximumArchiveEntries else { throw tooManyEntries }

        // The local entry it points at: found, not shared, and the same.
        var low = 0
        var high = locals.count
        while low < high {
            let middle = (low + high) / 2
            if locals[middle].offset < localOffset { low = middle + 1 } else { high = middle }
        }
        guard low < locals.count, locals[low].offset == localOffset else {
            throw Self.malformed("the entry '\(text(name))' points at no local entry")
        }
        guard !locals[low].isReferenced else {
            throw WAError(
                .mediaDecompressionBomb, "several entries share the data of '\(text(name))' (overlapping entries)",
                field: "file")
        }
        guard locals[low].nameCRC == crc(name) else {
            throw Self.malformed("the entry '\(text(name))' has another name in its local header")
        }
        guard locals[low].compressedSize == compressed else {
            throw Self.malformed("the entry '\(text(name))' has another size in its local header")
        }
        locals[low].isReferenced = true
        let encrypted = flags & 0x0001 != 0
        if method == 0 && !encrypted && compressed != uncompressed {
            throw Self.malformed("the stored entry '\(text(name))' declares two different sizes")
        }

        // The bomb checks, on what the directory declares.
        summary.entryCount += 1
        if encrypted { summary.encryptedEntryCount += 1 }
        summary.compressedByteCount += compressed
        let (total, overflow) = summary.uncompressedByteCount.addingReportingOverflow(uncompressed)
        guard !overflow, total <= limits.maximumUncompressedBytes else {
            throw WAError(
                .mediaDecompressionBomb,
                "the archive's entries declare more than \(limits.maximumUncompressedBytes) bytes uncompressed",
                field: "file")
        }
        summary.uncompressedByteCount = total
        if uncompressed > 0 {
            let ratio = Double(uncompressed) / Double(max(compressed, 1))
            summary.highestCompressionRatio = max(summary.highestCompressionRatio, ratio)
            if uncompressed > MediaInspectionLimits.compressionRatioFloor
                && ratio > Double(limits.maximumCompressionRatio)
            {
                throw WAError(
                    .mediaDecompressionBomb,
                    "the entry '\(text(name))' expands \(Int(ratio)) times (\(compressed) to \(uncompressed) bytes), over the limit of \(limits.maximumCompressionRatio)",
                    field: "file")
            }
        }
        parts.note(pending.bytes[name])
    }

    private mutating func readZip64End(at start: Int64) throws(WAError) {
        let size = Int64(bitPattern: pending.littleEndian64(at: 4))
        guard size >= 44, pending.littleEndian32(at: 16) == 0, pending.littleEndian32(at: 20) == 0 else {
            throw Self.malformed("the archive's ZIP64 end record is malformed or the archive is split")
        }
        zip64EndOffset = start
        zip64Totals = (
            Int64(bitPattern: pending.littleEndian64(at: 32)), Int64(bitPattern: pending.littleEndian64(at: 40)),
            Int64(bitPattern: pending.littleEndian64(at: 48))
        )
        state = size > 44 ? .zip64Extensible(remaining: size - 44) : .record
    }

    private mutating func readZip64Locator() throws(WAError) {
        guard pending.littleEndian32(at: 4) == 0, pending.littleEndian32(at: 16) <= 1,
            Int64(bitPattern: pending.littleEndian64(at: 8)) == zip64EndOffset
        else { throw Self.malformed("the archive's ZIP64 locator does not point at its ZIP64 end record") }
    }

    private mutating func readEnd() throws(WAError) {
        let zip64 = zip64Totals
        func value(_ raw: Int, _ escape: Int, _ wide: Int64?) -> Int64 {
            raw == escape ? wide ?? Int64(raw) : Int64(raw)
        }
        let diskIsZero = pending.littleEndian16(at: 4) == 0 || (zip64 != nil && pending.littleEndian16(at: 4) == 0xFFFF)
        let entriesHere = value(pending.littleEndian16(at: 8), 0xFFFF, zip64?.entries)
        let entries = value(pending.littleEndian16(at: 10), 0xFFFF, zip64?.entries)
        let size = value(Int(pending.littleEndian32(at: 12)), 0xFFFF_FFFF, zip64?.size)
        let directoryOffset = value(Int(pending.littleEndian32(at: 16)), 0xFFFF_FFFF, zip64?.offset)
        guard diskIsZero, entriesHere == entries else {
            throw Self.malformed("the archive is split across several files")
        }
        let start = centralStart ?? 0
        guard entries == Int64(summary.entryCount), size == centralEnd - start, directoryOffset == start else {
            throw Self.malformed("the archive's end record disagrees with its central directory")
        }
        guard summary.entryCount == locals.count else {
            throw Self.malformed("the archive has local entries its central directory leaves out")
        }
        let commentLength = pending.littleEndian16(at: 20)
        state = commentLength > 0 ? .comment(remaining: commentLength) : .trailing
    }

    // MARK: Data descriptors

    /// Looks for the end of the current entry's data in `bytes` from `index`; returns where the walk goes on.
    ///
    /// The data ends at a descriptor whose compressed size is the number of bytes since the data began: either
    /// `PK 07 08`, CRC, sizes; or (without the optional signature) CRC and sizes followed by the next local or
    /// central header. Each pattern holds by chance with odds of one in 2⁶⁴ or less.
    private mutating func searchDescriptor(_ bytes: UnsafeRawBufferPointer, from index: Int) throws(WAError) -> Int {
        let carried = scan.count
        let piece = min(bytes.count - index, 16 * 1024)
        scan.append(contentsOf: bytes[index..<(index + piece)])
        let sizeWidth = descriptorIsZip64 ? 8 : 4
        let withSignature = 8 + 2 * sizeWidth  // PK 07 08, CRC, two sizes
        let withoutSignature = 4 + 2 * sizeWidth
        var found: (resume: Int, size: Int64)?
        var stop = max(0, scan.count - 3)
        scan.withUnsafeBytes { window in
            var position = 0
            while position + 4 <= window.count {
                guard window[position] == 0x50, window[position + 1] == 0x4B else {
                    position += 1
                    continue
                }
                let third = window[position + 2]
                let fourth = window[position + 3]
                let dataLength = scanBase + Int64(position) - dataStart
                if third == 0x07 && fourth == 0x08 {
                    guard position + withSignature <= window.count else {
                        stop = position
                        return
                    }
                    let size = Self.size(window, at: position + 8, width: sizeWidth)
                    if size == dataLength {
                        found = (position + withSignature, size)
                        return
                    }
                } else if (third == 0x03 && fourth == 0x04) || (third == 0x01 && fourth == 0x02) {
                    let descriptor = position - withoutSignature
                    if descriptor >= 0,
                        Self.size(window, at: descriptor + 4, width: sizeWidth) == dataLength - Int64(withoutSignature)
                    {
                        found = (position, dataLength - Int64(withoutSignature))
                        return
                    }
                }
                position += 1
            }
        }
        guard let found else {
            // Keep what a pattern may still need: bytes from 24 before the first unresolved position.
            let keep = max(0, stop - withoutSignature - 4)
            scan.removeFirst(keep)
            scanBase += Int64(keep)
            return index + piece
        }
        locals[locals.count - 1].compressedSize = found.size
        state = .record
        // The bytes after the descriptor are the next record's: those from this call are read again; those
        // carried from an earlier call (at most the first bytes of a signature) start the record.
        let resume = found.resume
        if resume < carried {
            pending.reset()
            pending.append(contentsOf: scan[resume..<carried])
            scan.removeAll(keepingCapacity: true)
            return index
        }
        scan.removeAll(keepingCapacity: true)
        return index + (resume - carried)
    }

    private static func size(_ window: UnsafeRawBufferPointer, at position: Int, width: Int) -> Int64 {
        width == 8
            ? Int64(bitPattern: window.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian)
            : Int64(window.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
    }

    // MARK: Names and fields

    /// Refuses a name that would write outside the extraction folder.
    private func checkName(_ range: Range<Int>) throws(WAError) {
        let name = pending.bytes[range]
        func unsafe(_ reason: String) -> WAError {
            WAError(.mediaUnsafePath, "the archive entry '\(text(range))' \(reason)", field: "file")
        }
        guard !name.isEmpty else { throw Self.malformed("an archive entry has no name") }
        if name.first == UInt8(ascii: "/") { throw unsafe("is an absolute path") }
        if name.count >= 2, name[name.startIndex + 1] == UInt8(ascii: ":") { throw unsafe("starts with a drive") }
        var componentStart = name.startIndex
        for index in name.indices {
            switch name[index] {
            case 0: throw unsafe("contains a NUL")
            case UInt8(ascii: "\\"): throw unsafe("contains a backslash")
            case UInt8(ascii: "/"):
                if index - componentStart == 2, name[componentStart] == 0x2E, name[componentStart + 1] == 0x2E {
                    throw unsafe("has a '..' component")
                }
                componentStart = index + 1
            default: break
            }
        }
        if name.endIndex - componentStart == 2, name[componentStart] == 0x2E, name[componentStart + 1] == 0x2E {
            throw unsafe("has a '..' component")
        }
    }

    /// The name in `range` of `pending`, for messages.
    private func text(_ range: Range<Int>) -> String {
        String(decoding: pending.bytes[range], as: UTF8.self)
    }

    private func crc(_ range: Range<Int>) -> UInt32 {
        pending.bytes.withUnsafeBytes { CRC32.update(0, with: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    private var tooManyEntries: WAError {
        WAError(
            .mediaDecompressionBomb, "the archive has more than \(limits.maximumArchiveEntries) entries",
            field: "file")
    }

    /// The values of the ZIP64 extra field (id 1) in the extra data at `start`, or `nil` when it has none.
    private func zip64Fields(extraAt start: Int, length: Int) -> Zip64Fields? {
        var position = start
        while position + 4 <= start + length {
            let id = pending.littleEndian16(at: position)
            let size = pending.littleEndian16(at: position + 2)
            guard position + 4 + size <= start + length else { return nil }
            if id == 1 { return Zip64Fields(bytes: Array(pending.bytes[(position + 4)..<(position + 4 + size)])) }
            position += 4 + size
        }
        return nil
    }

    /// Reads a ZIP64 extra field's values in order: only those whose 32-bit field is all ones are present.
    private struct Zip64Fields {
        let bytes: [UInt8]
        var position = 0

        mutating func next() throws(WAError) -> Int64 {
            guard position + 8 <= bytes.count else { throw ZipInspector.malformed("a ZIP64 extra field is short") }
            defer { position += 8 }
            return bytes.withUnsafeBytes {
                Int64(bitPattern: $0.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian)
            }
        }

        mutating func nextDisk() throws(WAError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw ZipInspector.malformed("a ZIP64 extra field is short") }
            defer { position += 4 }
            return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian }
        }
    }
}
