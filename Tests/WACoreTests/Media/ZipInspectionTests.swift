import Foundation
import Testing

@testable import WACore

/// Whole-file inspection of zip archives: the local entries and the central directory walked as the bytes arrive,
/// and every disagreement, unsafe name and bomb refused.
@Suite("Zip inspection")
struct ZipInspectionTests {
    /// One entry of a stored (uncompressed) test archive.
    struct Entry {
        var name: String
        var data: [UInt8]
        /// Sizes in a data descriptor after the data (flag bit 3), with or without its signature.
        var descriptor: Descriptor = .none
        var encrypted = false
        /// The name the central directory gives it, when it differs.
        var centralName: String?
        /// The uncompressed size the central directory declares, when it differs.
        var declaredSize: UInt32?
        /// The compression method written (the data is never actually compressed: the inspection reads sizes).
        var method = 0

        enum Descriptor { case none, signed, unsigned }
    }

    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }

    /// A stored archive of `entries`, as a minimal writer lays it out.
    static func archive(_ entries: [Entry], comment: [UInt8] = [], between: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let offset = UInt32(bytes.count)
            let crc = CRC32.checksum(entry.data)
            let size = UInt32(entry.data.count)
            let flags = (entry.descriptor == .none ? 0 : 0x0008) | (entry.encrypted ? 1 : 0)
            let name = Array(entry.name.utf8)
            let sizesInHeader = entry.descriptor == .none ? le32(crc) + le32(size) + le32(size) : le32(0) + le32(0) + le32(0)
            bytes += [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(flags) + le16(entry.method) + le32(0) + sizesInHeader
                + le16(name.count) + le16(0) + name + entry.data
            switch entry.descriptor {
            case .none: break
            case .signed: bytes += [0x50, 0x4B, 0x07, 0x08] + le32(crc) + le32(size) + le32(size)
            case .unsigned: bytes += le32(crc) + le32(size) + le32(size)
            }
            bytes += between
            let centralName = Array((entry.centralName ?? entry.name).utf8)
            central += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(flags) + le16(entry.method) + le32(0) + le32(crc)
                + le32(size) + le32(entry.declaredSize ?? size) + le16(centralName.count) + le16(0) + le16(0)
                + le16(0) + le16(0) + le32(0) + le32(offset) + centralName
        }
        let directoryOffset = UInt32(bytes.count)
        bytes += central
        bytes += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
            + le32(UInt32(central.count)) + le32(directoryOffset) + le16(comment.count) + comment
        return bytes
    }

    /// Inspects `bytes` as a zip (or `type`), fed whole, one byte at a time and in pieces of 7: the verdict must
    /// not depend on how they arrive. Returns the archive summary, or throws the refusal.
    static func inspect(_ bytes: [UInt8], type: MediaType = .zip, limits: MediaInspectionLimits = .standard) throws
        -> SniffedMedia
    {
        var results: [Result<SniffedMedia, WAError>] = []
        for step in [bytes.count, 1, 7] {
            var inspection = MediaInspection(SniffedMedia(type: type), limits: limits)
            results.append(
                Result { () throws(WAError) -> SniffedMedia in
                    var offset = 0
                    while offset < bytes.count {
                        try inspection.consume(bytes[offset..<min(bytes.count, offset + max(step, 1))])
                        offset += max(step, 1)
                    }
                    return try inspection.finish()
                })
        }
        let verdicts = results.map { result in
            switch result {
            case .success(let media): "\(media)"
            case .failure(let error): error.code.rawValue
            }
        }
        #expect(Set(verdicts).count == 1, "the verdict depends on how the bytes arrive: \(verdicts)")
        return try results[0].get()
    }

    // MARK: Accepted

    @Test func aStoredArchiveIsSummarised() throws {
        let media = try Self.inspect(
            Self.archive([
                Entry(name: "docs/", data: []), Entry(name: "docs/readme.txt", data: Array("hello\n".utf8)),
                Entry(name: "secret.bin", data: [1, 2, 3], encrypted: true),
            ]))
        let archive = try #require(media.archive)
        #expect(archive.entryCount == 3 && archive.encryptedEntryCount == 1)
        #expect(archive.uncompressedByteCount == 9 && archive.compressedByteCount == 9)
        #expect(archive.highestCompressionRatio == 1)
        #expect(media.trailingByteCount == 0)
    }

    @Test func theCorpusArchivesPassWithTheirEntries() throws {
        let expected = ["sample.zip": 1, "sample-stream.zip": 2, "sample-zip64.zip": 2, "sample.docx": 9]
        for (name, entries) in expected {
            let sample = try #require(MediaCorpus.samples.first { $0.name == name })
            let media = try Self.inspect(try sample.contents(), type: sample.expected)
            #expect(media.archive?.entryCount == entries, "\(name)")
        }
    }

    @Test func dataDescriptorsAreFoundWithAndWithoutSignature() throws {
        // Data that holds what looks like a descriptor and a header, but with sizes that do not fit.
        let decoy: [UInt8] = [0x50, 0x4B, 0x07, 0x08] + Self.le32(0) + Self.le32(99) + Self.le32(99)
            + [0x50, 0x4B, 0x03, 0x04, 0x50, 0x4B, 0x01, 0x02] + Array("tail".utf8)
        let media = try Self.inspect(
            Self.archive([
                Entry(name: "a.bin", data: decoy, descriptor: .signed),
                Entry(name: "b.bin", data: decoy + decoy, descriptor: .unsigned),
                Entry(name: "empty", data: [], descriptor: .signed),
                Entry(name: "c.txt", data: Array("plain".utf8)),
            ]))
        #expect(media.archive?.entryCount == 4)
        #expect(media.archive?.uncompressedByteCount == Int64(decoy.count * 3 + 5))
    }

    @Test func aCommentAndAFewTrailingBytesAreTolerated() throws {
        let bytes = Self.archive([Entry(name: "a.txt", data: [0x61])], comment: Array("made by a test".utf8))
        #expect(try Self.inspect(bytes + [0, 0, 0]).trailingByteCount == 3)
        #expect(try Self.inspect(Self.archive([])).archive?.entryCount == 0)
    }

    @Test func namesThatOnlyLookUnsafeAreAccepted() throws {
        let names = ["..data", "a..b/c", "dir/...", "dots../x", "C", "notes:1.txt"]
        let media = try Self.inspect(Self.archive(names.map { Entry(name: $0, data: [1]) }))
        #expect(media.archive?.entryCount == names.count)
    }

    // MARK: Refused

    @Test func unsafeNamesAreRefused() {
        for name in ["/etc/passwd", "../evil", "a/../../evil", "a\\b", "C:evil.bat", "c:/windows/evil", "nul\u{0}.txt"] {
            expectWAError(.mediaUnsafePath, "\(name)") {
                try Self.inspect(Self.archive([Entry(name: name, data: [1])]))
            }
            // Unsafe in the central directory only is refused too (unzip reads that one).
            expectWAError(.mediaUnsafePath, "\(name) (central)") {
                try Self.inspect(
                    Self.archive([Entry(name: String(repeating: "x", count: name.utf8.count), data: [1], centralName: name)]))
            }
        }
    }

    @Test func theLimitsAreConfigurable() {
        let entries = (0..<5).map { Entry(name: "f\($0)", data: Array(repeating: 0x41, count: 100)) }
        expectWAError(.mediaDecompressionBomb) {
            try Self.inspect(Self.archive(entries), limits: MediaInspectionLimits(maximumArchiveEntries: 4))
        }
        expectWAError(.mediaDecompressionBomb) {
            try Self.inspect(Self.archive(entries), limits: MediaInspectionLimits(maximumUncompressedBytes: 499))
        }
        #expect((try? Self.inspect(Self.archive(entries), limits: MediaInspectionLimits(maximumArchiveEntries: 5))) != nil)
        // The ratio is judged only above 1 MiB declared.
        let bomb = [Entry(name: "zeros", data: [1, 2, 3], declaredSize: 2 << 20, method: 8)]
        let small = [Entry(name: "zeros", data: [1, 2, 3], declaredSize: 1 << 20, method: 8)]
        expectWAError(.mediaDecompressionBomb) { try Self.inspect(Self.archive(bomb)) }
        #expect((try? Self.inspect(Self.archive(small)))?.archive?.highestCompressionRatio == Double(1 << 20) / 3)
        #expect((try? Self.inspect(Self.archive(bomb), limits: MediaInspectionLimits(maximumCompressionRatio: 1 << 20))) != nil)
        // A stored entry must declare its size twice alike.
        expectWAError(.mediaMalformed) {
            try Self.inspect(Self.archive([Entry(name: "a", data: [1], declaredSize: 2)]))
        }
    }

    @Test func disagreementsAreRefused() {
        // The central directory names another file than the local header.
        expectWAError(.mediaMalformed) {
            try Self.inspect(Self.archive([Entry(name: "invoice.exe", data: [1], centralName: "invoice.pdf")]))
        }
        // Bytes between entries that are no record.
        expectWAError(.mediaMalformed) {
            try Self.inspect(Self.archive([Entry(name: "a", data: [1]), Entry(name: "b", data: [2])], between: [0, 0, 0, 0]))
        }
        // The end record counts another number of entries.
        var bytes = Self.archive([Entry(name: "a", data: [1])])
        bytes[bytes.count - 22 + 10] = 2
        bytes[bytes.count - 22 + 8] = 2
        expectWAError(.mediaMalformed) { try Self.inspect(bytes) }
        // Cut anywhere before the end of its comment.
        let whole = Self.archive([Entry(name: "a", data: [1])], comment: [0x21])
        for length in [10, 40, whole.count - 22, whole.count - 1] {
            expectWAError(.mediaTruncated, "cut to \(length)") { try Self.inspect(Array(whole.prefix(length))) }
        }
    }

    @Test func packagesMustHaveTheirTypesParts() throws {
        let parts = ["[Content_Types].xml", "_rels/.rels", "word/document.xml"].map { Entry(name: $0, data: [0x3C]) }
        #expect(try Self.inspect(Self.archive(parts), type: .docx).archive?.entryCount == 3)
        expectWAError(.mediaMalformed) { try Self.inspect(Self.archive(parts), type: .xlsx) }
        expectWAError(.mediaMalformed) { try Self.inspect(Self.archive(Array(parts.dropLast())), type: .docx) }
        expectWAError(.mediaMalformed) {
            try Self.inspect(Self.archive(parts + [Entry(name: "word/vbaProject.bin", data: [0])]), type: .docx)
        }
        // Part names are case-insensitive; a plain zip has no required parts.
        let upper = parts.map { Entry(name: $0.name.uppercased(), data: [0x3C]) }
        #expect(try Self.inspect(Self.archive(upper), type: .docx).archive?.entryCount == 3)
        #expect(try Self.inspect(Self.archive(parts + [Entry(name: "x/vbaProject.bin", data: [0])])).archive != nil)
        let odt = [
            Entry(name: "mimetype", data: Array(MediaType.openDocumentText.rawValue.utf8)),
            Entry(name: "META-INF/manifest.xml", data: [0x3C]),
        ]
        #expect(try Self.inspect(Self.archive(odt), type: .openDocumentText).archive?.entryCount == 2)
        expectWAError(.mediaMalformed) { try Self.inspect(Self.archive([odt[0]]), type: .openDocumentText) }
    }

    @Test func theSnifferKnowsOpenDocumentByItsMimetypeEntry() throws {
        for type in [MediaType.openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation] {
            let bytes = Self.archive([
                Entry(name: "mimetype", data: Array(type.rawValue.utf8)), Entry(name: "META-INF/manifest.xml", data: [0x3C]),
            ])
            #expect(try MediaSniffer.sniff(file: bytes).type == type)
        }
        let other = Self.archive([Entry(name: "mimetype", data: Array("application/epub+zip".utf8))])
        #expect(try MediaSniffer.sniff(file: other).type == .zip)
    }
}
