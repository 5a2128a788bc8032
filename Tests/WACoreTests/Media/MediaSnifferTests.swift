import Foundation
import Testing
import WACore

/// The sniffer on hand-made headers: edge cases the corpus does not show.
@Suite("Media sniffer")
struct MediaSnifferTests {
    static func sniff(_ bytes: [UInt8]) throws(WAError) -> SniffedMedia { try MediaSniffer.sniff(file: bytes) }

    static func sniffError(_ bytes: [UInt8], totalLength: Int64?) -> WAError? {
        do {
            _ = try MediaSniffer.sniff(bytes, totalLength: totalLength)
            return nil
        } catch { return error }
    }

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16(value >> 16 & 0xFFFF) }
    static func be32(_ value: Int) -> [UInt8] { le32(value).reversed() }

    /// A zip local file header and its stored data; with `descriptor`, sizes are left out of the header.
    static func zipEntry(_ name: String, _ data: [UInt8], descriptor: Bool = false) -> [UInt8] {
        let size = descriptor ? 0 : data.count
        var entry: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(descriptor ? 0x08 : 0) + le16(0)
        entry += le16(0) + le16(0) + le32(0) + le32(size) + le32(size) + le16(name.utf8.count) + le16(0)
        entry += ascii(name) + data
        if descriptor { entry += [0x50, 0x4B, 0x07, 0x08] + le32(0) + le32(data.count) + le32(data.count) }
        return entry
    }

    static func ftyp(major: String, compatible: [String]) -> [UInt8] {
        let body = ascii(major) + [0, 0, 2, 0] + compatible.flatMap(ascii)
        return be32(8 + body.count) + ascii("ftyp") + body + be32(8) + ascii("free")
    }

    // MARK: - Signatures

    @Test("simple signatures")
    func simpleSignatures() throws {
        #expect(try Self.sniff([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0, count: 20)).type == .jpeg)
        #expect(try Self.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).type == .png)
        #expect(try Self.sniff(Self.ascii("GIF87a") + [1, 0, 1, 0]).type == .gif)
        #expect(try Self.sniff(Self.ascii("%PDF-1.7\n%\u{E2}\u{E3}")).type == .pdf)
        #expect(try Self.sniff(Self.ascii("#!AMR\n") + [0x3C, 0x48, 0xF5]).type == .amr)
        #expect(try Self.sniff(Self.ascii("RIFF") + Self.le32(36) + Self.ascii("WAVEfmt ")).type == .wav)
    }

    @Test("WebP animation comes from the VP8X flags")
    func webpAnimation() throws {
        let vp8x = Self.ascii("RIFF") + Self.le32(100) + Self.ascii("WEBPVP8X") + Self.le32(10)
        #expect(try Self.sniff(vp8x + [0x02, 0, 0, 0] + Array(repeating: 0, count: 6)).isAnimated)
        #expect(try !Self.sniff(vp8x + [0x10, 0, 0, 0] + Array(repeating: 0, count: 6)).isAnimated)
        let lossy = Self.ascii("RIFF") + Self.le32(100) + Self.ascii("WEBPVP8 ") + Self.le32(10) + [0, 0]
        #expect(try Self.sniff(lossy) == SniffedMedia(type: .webp))
        // Other RIFF forms (AVI) are not supported.
        let avi = Self.ascii("RIFF") + Self.le32(100) + Self.ascii("AVI LIST") + [0, 0, 0, 0]
        #expect(Self.sniffError(avi, totalLength: Int64(avi.count))?.code == .mediaUnsupportedType)
    }

    @Test(
        "ISO base media brands",
        arguments: [
            ("isom", ["isom", "mp41"], MediaType.mp4), ("mp42", [], .mp4), ("M4V ", ["M4V "], .mp4),
            ("3gp5", ["3gp5", "isom"], .threeGPP), ("3g2a", ["3g2a"], .threeGPP), ("qt  ", ["qt  "], .quickTime),
            ("M4A ", ["M4A ", "mp42"], .mp4Audio), ("M4B ", [], .mp4Audio), ("XXXX", ["zzzz", "mp42"], .mp4),
        ] as [(String, [String], MediaType)])
    func isoBrands(major: String, compatible: [String], expected: MediaType) throws {
        #expect(try Self.sniff(Self.ftyp(major: major, compatible: compatible)).type == expected)
    }

    @Test("HEIF and AVIF still images and unknown brands are unsupported")
    func stillImageBrands() {
        for (major, compatible) in [
            ("heic", ["mif1", "heic"]), ("avif", ["avif", "mif1", "miaf"]),
            ("XXXX", ["mif1", "mp42"]), ("XXXX", ["zzzz"]),
        ] {
            let bytes = Self.ftyp(major: major, compatible: compatible)
            #expect(Self.sniffError(bytes, totalLength: Int64(bytes.count))?.code == .mediaUnsupportedType)
        }
    }

    @Test("legacy QuickTime atoms, but not text that spells one")
    func legacyQuickTime() throws {
        let wide =
            Self.be32(8) + Self.ascii("wide") + Self.be32(16) + Self.ascii("mdat") + Array(repeating: 0, count: 8)
        #expect(try Self.sniff(wide).type == .quickTime)
        #expect(try Self.sniff(Self.ascii("I'm free to go.\n")).type == .plainText)
    }

    @Test("Ogg codecs; Theora video is unsupported")
    func oggCodecs() throws {
        func page(_ packet: [UInt8]) -> [UInt8] {
            Self.ascii("OggS") + [0, 2] + Array(repeating: 0, count: 20) + [1, UInt8(packet.count)] + packet
        }
        #expect(try Self.sniff(page(Self.ascii("OpusHead") + [1, 1, 0, 0])).audioCodec == .opus)
        #expect(try Self.sniff(page([1] + Self.ascii("vorbis") + [0, 0, 0, 0])).audioCodec == .vorbis)
        #expect(try Self.sniff(page(Self.ascii("Speex   1.2"))).audioCodec == .speex)
        #expect(try Self.sniff(page([0x7F] + Self.ascii("FLAC") + [1, 0])).audioCodec == .flac)
        let unknown = try Self.sniff(page(Self.ascii("fishead\u{0}") + [3, 0]))
        #expect(unknown == SniffedMedia(type: .ogg))
        let theora = page([0x80] + Self.ascii("theora") + [3, 2])
        #expect(Self.sniffError(theora, totalLength: Int64(theora.count))?.code == .mediaUnsupportedType)
        // A whole file that ends inside the codec identifier is truncated.
        let cut = Array(page(Self.ascii("OpusHead")).dropLast(3))
        #expect(Self.sniffError(cut, totalLength: Int64(cut.count))?.code == .mediaTruncatedHeader)
    }

    @Test("MPEG audio frames, ADTS, and ID3 tags")
    func mpegAudio() throws {
        #expect(try Self.sniff([0xFF, 0xFB, 0x90, 0x64] + Array(repeating: 0, count: 10)).type == .mpegAudio)
        #expect(try Self.sniff([0xFF, 0xF3, 0x48, 0xC4] + Array(repeating: 0, count: 10)).type == .mpegAudio)
        let adts: [UInt8] = [0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC]
        #expect(try Self.sniff(adts + [0x21, 0x00]).type == .aac)
        // Reserved version, reserved bitrate or sampling rate: not MPEG audio.
        for header: [UInt8] in [[0xFF, 0xEB, 0x90, 0x64], [0xFF, 0xFB, 0xF0, 0x64], [0xFF, 0xFB, 0x9C, 0x64]] {
            #expect(Self.sniffError(header + [0, 0], totalLength: 6)?.code == .mediaUnsupportedType)
        }
        let tag = Self.ascii("ID3") + [4, 0, 0, 0, 0, 0, 2] + [0, 0]
        #expect(try Self.sniff(tag + [0xFF, 0xFB, 0x90, 0x64]).type == .mpegAudio)
        #expect(try Self.sniff(tag + adts).type == .aac)
        #expect(try Self.sniff(Self.ascii("ID3") + [3, 0, 0, 0, 0, 0x7F, 0x7F]).type == .mpegAudio)
    }

    @Test("AMR-WB and multichannel AMR are unsupported")
    func amrVariants() {
        for header in ["#!AMR-WB\n", "#!AMR_MC1.0\n"] {
            let bytes = Self.ascii(header) + [0x04, 0x00, 0x81, 0x90]
            #expect(Self.sniffError(bytes, totalLength: Int64(bytes.count))?.code == .mediaUnsupportedType)
        }
    }

    // MARK: - Zip and Office

    @Test("Office Open XML needs package parts and a word/, xl/ or ppt/ part")
    func officeOpenXML() throws {
        let types = Self.zipEntry("[Content_Types].xml", Self.ascii("<Types/>"))
        #expect(try Self.sniff(types + Self.zipEntry("word/document.xml", Self.ascii("<w/>"))).type == .docx)
        #expect(try Self.sniff(types + Self.zipEntry("xl/workbook.xml", Self.ascii("<x/>"))).type == .xlsx)
        let rels = Self.zipEntry("_rels/.rels", Self.ascii("<R/>"), descriptor: true)
        #expect(try Self.sniff(rels + Self.zipEntry("ppt/presentation.xml", Self.ascii("<p/>"))).type == .pptx)
        // A folder called word/ in an ordinary archive does not make it a document.
        #expect(try Self.sniff(Self.zipEntry("word/notes.txt", Self.ascii("hi"))).type == .zip)
        #expect(try Self.sniff(types).type == .zip)
    }

    @Test("an Office document stored inside a plain zip does not make the zip a document")
    func nestedDocument() throws {
        let docx = try MediaCorpus.Sample(
            name: "sample.docx", fileMIMEType: "", expected: .docx, trait: "-"
        ).contents()
        let outer = Self.zipEntry("readme.txt", Self.ascii("see attachment")) + Self.zipEntry("report.docx", docx)
        #expect(try Self.sniff(outer).type == .zip)
    }

    @Test("an empty zip is a zip")
    func emptyZip() throws {
        #expect(try Self.sniff([0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18)).type == .zip)
    }

    @Test("an OLE file whose directory is past the bytes passed is generic OLE storage")
    func oleWithoutDirectory() throws {
        let doc = try MediaCorpus.Sample(name: "sample.doc", fileMIMEType: "", expected: .msWord, trait: "-").contents()
        #expect(try MediaSniffer.sniff(doc.prefix(512), totalLength: Int64(doc.count)).type == .oleStorage)
        #expect(try MediaSniffer.sniff(doc, totalLength: Int64(doc.count)).type == .msWord)
    }

    // MARK: - Text

    @Test("text: UTF-8 with few control characters")
    func text() throws {
        #expect(try Self.sniff([0xEF, 0xBB, 0xBF] + Self.ascii("hello\r\n")).type == .plainText)
        #expect(try Self.sniff(Self.ascii("bell \u{07} esc \u{1B}[0m tab\t")).type == .plainText)
        #expect(try Self.sniff(Self.ascii("emoji 😀 ok")).type == .plainText)
        #expect(try Self.sniff(Self.ascii("GIF8")).type == .plainText)  // too short for GIF, and text
        for bad: [UInt8] in [
            Self.ascii("caf") + [0xE9],  // Latin-1
            Self.ascii("nul\u{0}here"), Self.ascii("del\u{7F}"), Self.ascii("ctl\u{01}"),
            [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        ] {
            #expect(Self.sniffError(bad, totalLength: Int64(bad.count))?.code == .mediaUnsupportedType)
        }
        // A prefix of a longer file may cut a character in two.
        let prefix = Array(String(repeating: "é", count: 40).utf8).dropLast()
        #expect(try MediaSniffer.sniff(prefix, totalLength: 10_000).type == .plainText)
    }

    @Test(
        "the CSV heuristic of file(1)",
        arguments: [
            ("a,b\n1,2\n3,4\n", MediaType.csv),
            ("a,b\n1,2\n", .plainText),  // fewer than three lines
            ("a,b\n1,2\n3\n", .plainText),  // field counts differ
            ("a;b\n1;2\n3;4\n", .plainText),  // semicolons are not counted
            ("name,note\n\"x\",\"a, b\"\n\"y\",\"say \"\"hi\"\"\"\n", .csv),  // quoted commas and quotes
            ("no commas\nat all\nhere\n", .plainText),
            (String(repeating: "a,b,c\n", count: 12) + "x\n", .csv),  // decided at the tenth line
        ] as [(String, MediaType)])
    func csvHeuristic(text: String, expected: MediaType) throws {
        #expect(try Self.sniff(Self.ascii(text)).type == expected)
    }

    // MARK: - Errors

    @Test("empty files, truncated headers and caller mistakes are typed errors")
    func errors() {
        #expect(Self.sniffError([], totalLength: 0)?.code == .mediaEmpty)
        #expect(Self.sniffError([], totalLength: nil)?.code == .mediaEmpty)
        #expect(Self.sniffError([], totalLength: 100)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError([0x89, 0x50, 0x4E, 0x47], totalLength: 4)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError([0xFF, 0xD8], totalLength: 2)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError([0xD0, 0xCF, 0x11, 0xE0], totalLength: 4)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError(Self.ascii("RIFF") + [0x24, 0, 0, 0], totalLength: 8)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError([0, 0, 0, 0x20, 0x66, 0x74], totalLength: 6)?.code == .mediaTruncatedHeader)
        #expect(
            Self.sniffError([0, 0, 0, 0x20] + Self.ascii("ftypis"), totalLength: 10)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError(Self.ascii("ID3") + [4, 0], totalLength: 5)?.code == .mediaTruncatedHeader)
        // Too few bytes of a longer file, or of a file of unknown length.
        #expect(Self.sniffError(Self.ascii("hello"), totalLength: 1_000)?.code == .mediaTruncatedHeader)
        #expect(Self.sniffError(Self.ascii("hello"), totalLength: nil)?.code == .mediaTruncatedHeader)
        // More bytes than the file has.
        let error = Self.sniffError(Self.ascii("hello"), totalLength: 3)
        #expect(error?.code == .invalidArgument && error?.field == "totalLength")
    }

    @Test("random bytes are unsupported, never a crash")
    func randomBytes() {
        let random = SeededRandomSource(seed: 42)
        for length in [1, 7, 64, 1_000, 70_000] {
            let bytes = random.bytes(length)
            if let error = Self.sniffError(bytes, totalLength: Int64(length)) {
                #expect([.mediaUnsupportedType, .mediaTruncatedHeader].contains(error.code))
            }
        }
    }
}
