import Foundation
import Testing

@testable import WACore

/// Whole-file inspection: PNG files walked chunk by chunk, refused when truncated, malformed, bombs or polyglots.
@Suite("Media inspection")
struct MediaInspectionTests {
    // MARK: PNG building

    /// One PNG chunk: length, type, data and its CRC.
    static func chunk(_ type: String, _ data: [UInt8], crc: UInt32? = nil) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let sum = crc ?? CRC32.checksum(typeBytes + data)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(sum)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func ihdr(width: UInt32, height: UInt32) -> [UInt8] {
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
    }

    /// A structurally complete PNG (its IDAT need not inflate: the inspection reads structure, not pixels).
    static func png(width: UInt32 = 4, height: UInt32 = 3, before: [[UInt8]] = [], after: [UInt8] = []) -> [UInt8] {
        signature + ihdr(width: width, height: height) + before.joined() + chunk("IDAT", [0x78, 0x9C, 1, 2, 3])
            + chunk("IEND", []) + after
    }

    /// Inspects `bytes` (of `type`, PNG unless they start like a GIF) fed in pieces of `step` bytes.
    static func inspect(_ bytes: [UInt8], step: Int? = nil, limits: MediaInspectionLimits = .standard) throws
        -> SniffedMedia
    {
        let type: MediaType =
            bytes.starts(with: Array("GIF".utf8)) ? .gif : bytes.starts(with: [0xFF, 0xD8]) ? .jpeg
            : bytes.starts(with: Array("RIFF".utf8)) ? .webp : .png
        var inspection = MediaInspection(SniffedMedia(type: type), limits: limits)
        let step = step ?? max(1, bytes.count)
        var offset = 0
        while offset < bytes.count {
            try inspection.consume(bytes[offset..<min(bytes.count, offset + step)])
            offset += step
        }
        return try inspection.finish()
    }

    /// The error code of inspecting `bytes`, the same whatever the pieces: whole, one byte at a time, seven.
    static func refusal(_ bytes: [UInt8], limits: MediaInspectionLimits = .standard) -> WAError.Code? {
        var codes: Set<WAError.Code?> = []
        for step in [nil, 1, 7] {
            do {
                _ = try inspect(bytes, step: step, limits: limits)
                codes.insert(nil)
            } catch let error as WAError {
                codes.insert(error.code)
            } catch {
                Issue.record("not a WAError: \(error)")
            }
        }
        #expect(codes.count == 1, "the verdict depends on how the bytes arrive: \(codes)")
        return codes.first ?? nil
    }

    // MARK: Accepted

    @Test func theCorpusPNGPassesWithItsDimensions() throws {
        let sample = try #require(MediaCorpus.samples.first { $0.name == "sample.png" })
        let bytes = try sample.contents()
        for step in [nil, 1, 13, 4_096] {
            let media = try Self.inspect(bytes, step: step)
            #expect(media.image == SniffedMedia.Image(width: 48, height: 32, frameCount: 1), "step \(step ?? 0)")
            #expect(media.trailingByteCount == 0)
        }
        #expect(try Self.inspect(bytes).description == "image/png, 48×32")
    }

    @Test func anAnimatedPNGCountsItsFrames() throws {
        let actl = Self.chunk("acTL", Self.bigEndian(12) + Self.bigEndian(0))
        let media = try Self.inspect(Self.png(width: 10, height: 20, before: [actl]), step: 3)
        #expect(media.image == SniffedMedia.Image(width: 10, height: 20, frameCount: 12))
    }

    @Test func aFewBytesOfPaddingAreTolerated() throws {
        let media = try Self.inspect(Self.png(after: Array(repeating: 0, count: 64)))
        #expect(media.trailingByteCount == 64)
    }

    @Test func otherTypesPassUnchanged() throws {
        var inspection = MediaInspection(SniffedMedia(type: .pdf))
        try inspection.consume(Array("%PDF-1.7 anything".utf8))
        #expect(try inspection.finish() == SniffedMedia(type: .pdf))
    }

    // MARK: Refused

    @Test func truncatedFilesAreRefused() {
        let whole = Self.png()
        #expect(Self.refusal(Array(whole.dropLast(12))) == .mediaTruncated, "no IEND")
        #expect(Self.refusal(Array(whole.dropLast(20))) == .mediaTruncated, "ends inside IDAT")
        #expect(Self.refusal(Array(whole.prefix(5))) == .mediaTruncated, "ends inside the signature")
        // A chunk whose length runs past the end of the file.
        let long = Self.signature + Self.ihdr(width: 1, height: 1) + Self.bigEndian(1_000_000) + Array("IDAT".utf8) + [1, 2, 3]
        #expect(Self.refusal(long) == .mediaTruncated)
    }

    @Test func polyglotsAreRefused() {
        let html = Array("<html><script>alert(1)</script></html>".utf8) + Array(repeating: 0x20, count: 40)
        #expect(Self.refusal(Self.png(after: html)) == .mediaTrailingData)
        #expect(Self.refusal(Self.png(after: Array(repeating: 0, count: 65))) == .mediaTrailingData, "one over")
        #expect(
            Self.refusal(Self.png(after: html), limits: .init(trailingByteTolerance: 1_000)) == nil,
            "the tolerance is configurable")
    }

    @Test func decompressionBombsAreRefused() {
        #expect(Self.refusal(Self.png(width: 100_000, height: 100_000)) == .mediaDecompressionBomb)
        let frames = Self.chunk("acTL", Self.bigEndian(1_000) + Self.bigEndian(0))
        #expect(Self.refusal(Self.png(width: 1_000, height: 1_000, before: [frames])) == .mediaDecompressionBomb, "frames count")
        #expect(Self.refusal(Self.png(width: 1_000, height: 1_000), limits: .init(maximumPixels: 999_999)) == .mediaDecompressionBomb)
        #expect(Self.refusal(Self.png(width: 1_000, height: 1_000), limits: .init(maximumPixels: 1_000_000)) == nil)
    }

    @Test func malformedStructureIsRefused() {
        var badSignature = Self.png()
        badSignature[1] = 0x51
        var badCRC = Self.png()
        badCRC[badCRC.count - 20] ^= 0xFF  // inside IDAT's data
        let cases: [(String, [UInt8])] = [
            ("signature", badSignature),
            ("CRC", badCRC),
            ("first chunk not IHDR", Self.signature + Self.chunk("IDAT", [1]) + Self.chunk("IEND", [])),
            ("IHDR of 12 bytes", Self.signature + Self.chunk("IHDR", Array(repeating: 1, count: 12)) + Self.chunk("IEND", [])),
            ("zero width", Self.png(width: 0, height: 5)),
            ("IEND before IDAT", Self.signature + Self.ihdr(width: 1, height: 1) + Self.chunk("IEND", [])),
            ("a second IHDR", Self.png(before: [Self.ihdr(width: 1, height: 1)])),
            ("chunk type not letters", Self.png(before: [Self.chunk("a1b2", [0])])),
            ("length over 2^31 - 1", Self.signature + Self.ihdr(width: 1, height: 1) + [0x80, 0, 0, 0] + Array("IDAT".utf8)),
            ("acTL with no frames", Self.png(before: [Self.chunk("acTL", Self.bigEndian(0) + Self.bigEndian(0))])),
        ]
        for (name, bytes) in cases {
            #expect(Self.refusal(bytes) == .mediaMalformed, "\(name)")
        }
    }

    // MARK: GIF

    /// A GIF: header, logical screen (no global colour table), the given blocks, the trailer and `after`.
    static func gif(width: Int = 2, height: Int = 2, blocks: [[UInt8]], trailer: Bool = true, after: [UInt8] = [])
        -> [UInt8]
    {
        let screen = [UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8), 0, 0, 0]
        return Array("GIF89a".utf8) + screen + blocks.joined() + (trailer ? [0x3B] : []) + after
    }

    /// An image block: descriptor, a local colour table of two entries, LZW code size 2, one sub-block of data.
    static func gifImage(width: Int = 2, height: Int = 2, codeSize: UInt8 = 2) -> [UInt8] {
        [0x2C, 0, 0, 0, 0, UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8), 0x80]
            + [0, 0, 0, 255, 255, 255] + [codeSize, 3, 0x84, 0x1D, 0x05, 0]
    }

    /// A graphic control extension (as animations carry before each frame).
    static let gifControl: [UInt8] = [0x21, 0xF9, 4, 0, 20, 0, 0, 0]

    @Test func theCorpusGIFPassesWithItsFrames() throws {
        let sample = try #require(MediaCorpus.samples.first { $0.name == "sample.gif" })
        let bytes = try sample.contents()
        for step in [nil, 1, 5] {
            let media = try Self.inspect(bytes, step: step)
            #expect(media.image == SniffedMedia.Image(width: 32, height: 32, frameCount: 2), "step \(step ?? 0)")
            #expect(media.trailingByteCount == 0)
        }
        let built = try Self.inspect(Self.gif(blocks: [Self.gifControl, Self.gifImage(), Self.gifControl, Self.gifImage()]), step: 2)
        #expect(built.image?.frameCount == 2)
        #expect(try Self.inspect(Self.gif(width: 0, height: 0, blocks: [Self.gifImage(width: 7, height: 9)])).image
            == SniffedMedia.Image(width: 7, height: 9), "a zero screen takes the first frame's size")
    }

    @Test func hostileGIFsAreRefused() {
        let image = Self.gifImage()
        #expect(Self.refusal(Self.gif(blocks: [image], trailer: false)) == .mediaTruncated, "no trailer")
        #expect(Self.refusal(Array(Self.gif(blocks: [image]).dropLast(4))) == .mediaTruncated, "cut inside the image")
        #expect(Self.refusal(Self.gif(blocks: [image], after: Array(repeating: 0x41, count: 65))) == .mediaTrailingData)
        #expect(Self.refusal(Self.gif(width: 65_535, height: 65_535, blocks: [image])) == .mediaDecompressionBomb)
        let frames = Array([[UInt8]](repeating: Self.gifControl + Self.gifImage(width: 1_000, height: 1_000), count: 101).joined())
        #expect(Self.refusal(Self.gif(width: 1_000, height: 1_000, blocks: [frames])) == .mediaDecompressionBomb, "frames add up")
        #expect(Self.refusal(Self.gif(blocks: [])) == .mediaMalformed, "no image")
        #expect(Self.refusal(Self.gif(blocks: [[0x99]])) == .mediaMalformed, "unknown block")
        #expect(Self.refusal(Self.gif(blocks: [Self.gifImage(codeSize: 0)])) == .mediaMalformed, "LZW code size 0")
        #expect(Self.refusal(Self.gif(blocks: [Self.gifImage(codeSize: 12)])) == .mediaMalformed, "LZW code size 12")
        var header = Self.gif(blocks: [image])
        header[4] = 0x38
        #expect(Self.refusal(header) == .mediaMalformed, "GIF88a")
    }

    // MARK: JPEG

    static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = body.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    static func frameHeader(width: Int = 4, height: Int = 3) -> [UInt8] {
        segment(0xC0, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0])
    }

    static let scanHeader = segment(0xDA, [1, 1, 0, 0, 63, 0])
    /// Entropy-coded data with a stuffed FF and a restart marker in it.
    static let scanData: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]

    static func jpeg(_ parts: [[UInt8]]? = nil, end: Bool = true, after: [UInt8] = []) -> [UInt8] {
        let body = parts ?? [segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]), frameHeader(), scanHeader, scanData]
        return [0xFF, 0xD8] + body.joined() + (end ? [0xFF, 0xD9] : []) + after
    }

    @Test func theCorpusJPEGPassesWithItsDimensions() throws {
        let sample = try #require(MediaCorpus.samples.first { $0.name == "sample.jpg" })
        let bytes = try sample.contents()
        for step in [nil, 1, 11] {
            let media = try Self.inspect(bytes, step: step)
            #expect(media.image == SniffedMedia.Image(width: 48, height: 32, frameCount: 1), "step \(step ?? 0)")
            #expect(media.trailingByteCount == 0)
        }
        #expect(try Self.inspect(Self.jpeg(), step: 1).image == SniffedMedia.Image(width: 4, height: 3))
        // A progressive JPEG: several scans, tables between them; stray bytes and fill before a marker.
        let progressive = Self.jpeg([
            Self.frameHeader(width: 9, height: 7), Self.scanHeader, Self.scanData, Self.segment(0xC4, [0, 1, 2]),
            Self.scanHeader, Self.scanData, [0x00, 0x00, 0xFF, 0xFF],
        ])
        #expect(try Self.inspect(progressive, step: 1).image == SniffedMedia.Image(width: 9, height: 7))
    }

    @Test func hostileJPEGsAreRefused() {
        #expect(Self.refusal(Self.jpeg(end: false)) == .mediaTruncated, "no EOI")
        #expect(Self.refusal(Array(Self.jpeg().prefix(12))) == .mediaTruncated, "cut inside a segment")
        #expect(Self.refusal(Self.jpeg(after: Array("<?php system($_GET['c']); ?>".utf8) + Array(repeating: 0x20, count: 60))) == .mediaTrailingData)
        #expect(Self.refusal(Self.jpeg([Self.frameHeader(width: 65_535, height: 65_535), Self.scanHeader, Self.scanData])) == .mediaDecompressionBomb)
        let malformed: [(String, [UInt8])] = [
            ("not SOI", [0xFF, 0xD9, 0xFF, 0xD9]),
            ("a second SOI", Self.jpeg([[0xFF, 0xD8], Self.frameHeader(), Self.scanHeader, Self.scanData])),
            ("SOS before SOF", Self.jpeg([Self.scanHeader, Self.scanData, Self.frameHeader()])),
            ("EOI before SOF", Self.jpeg([Self.segment(0xE0, [1, 2])])),
            ("segment length 1", Self.jpeg([[0xFF, 0xE1, 0x00, 0x01], Self.frameHeader(), Self.scanHeader])),
            ("zero width", Self.jpeg([Self.frameHeader(width: 0, height: 3), Self.scanHeader, Self.scanData])),
            ("frame header too short", Self.jpeg([Self.segment(0xC0, [8, 0, 3, 0, 4]), Self.scanHeader])),
            ("FF 00 between segments", Self.jpeg([[0xFF, 0x00], Self.frameHeader(), Self.scanHeader])),
        ]
        for (name, bytes) in malformed {
            #expect(Self.refusal(bytes) == .mediaMalformed, "\(name)")
        }
    }

    // MARK: WebP

    static func littleEndian(_ value: Int, bytes: Int = 4) -> [UInt8] {
        (0..<bytes).map { UInt8(value >> (8 * $0) & 0xFF) }
    }

    static func riffChunk(_ code: String, _ data: [UInt8]) -> [UInt8] {
        Array(code.utf8) + littleEndian(data.count) + data + (data.count % 2 == 1 ? [0] : [])
    }

    /// A lossy bitstream's first bytes: frame tag, start code, 14-bit width and height.
    static func vp8(width: Int = 4, height: Int = 3) -> [UInt8] {
        riffChunk("VP8 ", [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A] + littleEndian(width, bytes: 2) + littleEndian(height, bytes: 2) + [1, 2, 3])
    }

    static func vp8x(width: Int, height: Int, animated: Bool = false) -> [UInt8] {
        riffChunk("VP8X", [animated ? 0x02 : 0, 0, 0, 0] + littleEndian(width - 1, bytes: 3) + littleEndian(height - 1, bytes: 3))
    }

    static func anmf() -> [UInt8] { riffChunk("ANMF", Array(repeating: 0, count: 16) + vp8()) }

    static func webp(_ chunks: [[UInt8]], riffSize: Int? = nil, after: [UInt8] = []) -> [UInt8] {
        let body = Array("WEBP".utf8) + chunks.joined()
        return Array("RIFF".utf8) + littleEndian(riffSize ?? body.count) + body + after
    }

    @Test func theCorpusWebPsPassWithTheirFrames() throws {
        for (name, frames) in [("sample-static.webp", 1), ("sample-animated.webp", 2)] {
            let sample = try #require(MediaCorpus.samples.first { $0.name == name })
            let bytes = try sample.contents()
            for step in [nil, 1, 9] {
                let media = try Self.inspect(bytes, step: step)
                #expect(media.image == SniffedMedia.Image(width: 64, height: 64, frameCount: frames), "\(name) step \(step ?? 0)")
            }
        }
        #expect(try Self.inspect(Self.webp([Self.vp8(width: 5, height: 7)]), step: 1).image == SniffedMedia.Image(width: 5, height: 7))
        let lossless = Self.riffChunk("VP8L", [0x2F] + Self.littleEndian((10 - 1) | (20 - 1) << 14) + [0])
        #expect(try Self.inspect(Self.webp([lossless])).image == SniffedMedia.Image(width: 10, height: 20))
        let animated = Self.webp([Self.vp8x(width: 30, height: 40, animated: true), Self.riffChunk("ANIM", [0, 0, 0, 0, 0, 0]), Self.anmf(), Self.anmf(), Self.anmf()])
        #expect(try Self.inspect(animated, step: 3).image == SniffedMedia.Image(width: 30, height: 40, frameCount: 3))
    }

    @Test func hostileWebPsAreRefused() {
        let plain = Self.webp([Self.vp8()])
        #expect(Self.refusal(Array(plain.dropLast(3))) == .mediaTruncated)
        #expect(Self.refusal(Self.webp([Self.vp8()], after: Array(repeating: 0x3C, count: 65))) == .mediaTrailingData)
        #expect(Self.refusal(Self.webp([Self.vp8x(width: 16_384, height: 16_384), Self.vp8()])) == .mediaDecompressionBomb)
        let frames = Array([[UInt8]](repeating: Self.anmf(), count: 101).joined())
        #expect(Self.refusal(Self.webp([Self.vp8x(width: 1_000, height: 1_000, animated: true), frames])) == .mediaDecompressionBomb, "frames add up")
        var noStartCode = Self.vp8()
        noStartCode[11] = 0
        let malformed: [(String, [UInt8])] = [
            ("RIFF size under 4", Self.webp([Self.vp8()], riffSize: 2)),
            ("first chunk not VP8/VP8L/VP8X", Self.webp([Self.riffChunk("EXIF", [1, 2]), Self.vp8()])),
            ("a chunk past the RIFF end", Self.webp([Array("VP8 ".utf8) + Self.littleEndian(1_000) + Array(repeating: 0, count: 10)])),
            ("VP8 without its start code", Self.webp([noStartCode])),
            ("no image data", Self.webp([Self.vp8x(width: 2, height: 2)])),
            ("a VP8 chunk too short", Self.webp([Self.riffChunk("VP8 ", [1, 2, 3])])),
        ]
        for (name, bytes) in malformed {
            #expect(Self.refusal(bytes) == .mediaMalformed, "\(name)")
        }
    }
}
