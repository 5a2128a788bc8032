import Foundation
import Testing

@testable import WACore

/// Text: UTF-8 and UTF-16 after a byte-order mark, active content told apart from inert text, and the whole file
/// checked to its last byte.
@Suite("Text inspection")
struct TextInspectionTests {
    static func utf16(_ text: String, bigEndian: Bool = false) -> [UInt8] {
        let units = Array(text.utf16)
        let mark: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        return mark + units.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// Sniffs and inspects `bytes` whole and one byte at a time; both verdicts must agree.
    static func inspect(_ bytes: [UInt8]) throws -> SniffedMedia {
        let sniffed = try MediaSniffer.sniff(file: bytes)
        var whole = MediaInspection(sniffed)
        var byByte = MediaInspection(sniffed)
        let first = Result { () throws(WAError) -> SniffedMedia in
            try whole.consume(bytes)
            return try whole.finish()
        }
        let second = Result { () throws(WAError) -> SniffedMedia in
            for byte in bytes { try byByte.consume([byte]) }
            return try byByte.finish()
        }
        #expect("\(first)" == "\(second)")
        return try first.get()
    }

    @Test func utf16WithAByteOrderMarkIsText() throws {
        let text = "Grüße, 😀 and a line\nsecond line\n"
        for bigEndian in [false, true] {
            let media = try Self.inspect(Self.utf16(text, bigEndian: bigEndian))
            #expect(media.type == .plainText)
            #expect(media.textEncoding == (bigEndian ? .utf16BigEndian : .utf16LittleEndian))
            #expect(media.activeContent == nil)
        }
        #expect(try Self.inspect(Array("plain\n".utf8)).textEncoding == .utf8)
        // Without its mark UTF-16 is not text (it has NULs); an unpaired surrogate or a control character is not.
        expectWAError(.mediaUnsupportedType) { try MediaSniffer.sniff(file: Array(Self.utf16("hello").dropFirst(2))) }
        expectWAError(.mediaUnsupportedType) { try MediaSniffer.sniff(file: [0xFE, 0xFF, 0xD8, 0x00, 0x00, 0x41]) }
        expectWAError(.mediaUnsupportedType) { try MediaSniffer.sniff(file: Self.utf16("a\u{01}b", bigEndian: true)) }
    }

    @Test func theWholeFileMustBeText() throws {
        let prefix = Array(String(repeating: "a long and innocent line\n", count: 4000).utf8)
        let sniffed = try MediaSniffer.sniff(prefix.prefix(MediaSniffer.recommendedPrefixLength), totalLength: 200_000)
        #expect(sniffed.type == .plainText)
        var inspection = MediaInspection(sniffed)
        try inspection.consume(prefix)
        let error = expectWAError(.mediaMalformed) { try inspection.consume([0x7F, 0x45, 0x4C, 0x46, 0x00]) }
        #expect(error?.message.contains("byte \(prefix.count)") == true)  // DEL is not a text character
        // Ending inside a character: UTF-8 cut in a multi-byte sequence, UTF-16 at an odd length or after a high
        // surrogate.
        for bytes in [Array("café".utf8).dropLast(), Self.utf16("ab").dropLast(), Self.utf16("a😀").dropLast(2)] {
            var cut = MediaInspection(SniffedMedia(type: .plainText, textEncoding: bytes.first == 0xFF ? .utf16LittleEndian : .utf8))
            try cut.consume(Array(bytes))
            expectWAError(.mediaMalformed) { try cut.finish() }
        }
    }

    @Test(
        "active content is recognised by how the text starts",
        arguments: [
            ("<!DOCTYPE html>\n<html></html>", SniffedMedia.ActiveContent.html),
            ("  \n<HTML lang=en>", .html), ("<p>hello</p>", .html), ("<!-- note -->\nplain", .html),
            ("<b>bold</b>", .html), ("<script>alert(1)</script>", .html), ("\u{FEFF}<html>", .html),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", .svg),
            ("<?xml version=\"1.0\"?>\n<!-- c -->\n<svg:svg xmlns:svg=\"x\"/>", .svg),
            ("<?xml version=\"1.0\"?><!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\"><svg/>", .svg),
            ("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"/>", .html),
            ("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><data/>", .styledXML),
            ("#!/usr/bin/env python3\nprint(1)", .script), ("<?PHP echo 1; ?>", .script),
        ])
    func activeContent(text: String, expected: SniffedMedia.ActiveContent) throws {
        let media = try MediaSniffer.sniff(file: Array(text.utf8))
        #expect(media.type == .plainText && media.activeContent == expected)
        expectWAError(.mediaActiveContent) {
            try MediaPolicy().evaluate(
                prefix: Array(text.utf8), byteCount: Int64(text.utf8.count), declaredMIMEType: "text/plain", kind: nil,
                fileName: "notes.txt")
        }
        let unmarked = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        #expect(try MediaSniffer.sniff(file: Self.utf16(unmarked)).activeContent == expected)
    }

    @Test(
        "inert text stays text",
        arguments: [
            "<abc>not a tag we know", "<pizza> is a word here", "Dear <b>Bob</b>, hello", "<p", "<a,b,c\n1,2,3\n",
            "<?xml version=\"1.0\"?><invoice><svg/></invoice>", "# a heading, not a shebang", " #!/bin/sh",
            "{\"json\": \"<html>\"}",
        ])
    func inertText(text: String) throws {
        let media = try MediaSniffer.sniff(file: Array(text.utf8))
        #expect(media.activeContent == nil, "\(text)")
        #expect([.plainText, .csv].contains(media.type))
    }
}
