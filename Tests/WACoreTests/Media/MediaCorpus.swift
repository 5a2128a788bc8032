import Foundation
import WACore

/// The sample files in `Tests/WACoreTests/Fixtures/Media` (made by `scripts/make-media-corpus`) and their
/// manifest.
enum MediaCorpus {
    /// One manifest line.
    struct Sample: Sendable, CustomStringConvertible {
        /// The file name inside the fixtures folder.
        let name: String
        /// What `file --mime-type` said when the corpus was generated.
        let fileMIMEType: String
        /// What our sniffer must say.
        let expected: MediaType
        /// `animated`/`static` for WebP, the codec for Ogg, `-` otherwise.
        let trait: String

        var description: String { name }

        /// The file's bytes.
        func contents() throws -> [UInt8] {
            [UInt8](try Data(contentsOf: MediaCorpus.directory.appendingPathComponent(name)))
        }
    }

    /// `Tests/WACoreTests/Fixtures/Media`, found from this source file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Media
        .deletingLastPathComponent()  // WACoreTests
        .appendingPathComponent("Fixtures/Media", isDirectory: true)

    /// The manifest's samples; empty if the manifest cannot be read (the tests then fail on the count).
    static let samples: [Sample] = {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4, let expected = MediaType(rawValue: columns[2]) else { return nil }
            return Sample(name: columns[0], fileMIMEType: columns[1], expected: expected, trait: columns[3])
        }
    }()

    /// One line of `hostile/manifest.tsv`: a file the gateway must refuse.
    struct HostileSample: Sendable, CustomStringConvertible {
        /// The file name inside `hostile/`.
        let name: String
        /// What `file --mime-type` took it for at generation time (its disguise).
        let fileMIMEType: String
        /// The error code it must be refused with.
        let expectedCode: String
        /// How it was made.
        let what: String

        var description: String { name }

        func contents() throws -> [UInt8] {
            [UInt8](try Data(contentsOf: MediaCorpus.directory.appendingPathComponent("hostile/\(name)")))
        }
    }

    /// The hostile manifest's files; empty if it cannot be read (the tests then fail on the count).
    static let hostileSamples: [HostileSample] = {
        let url = directory.appendingPathComponent("hostile/manifest.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4 else { return nil }
            return HostileSample(name: columns[0], fileMIMEType: columns[1], expectedCode: columns[2], what: columns[3])
        }
    }()

    /// What an upload of `bytes` goes through: the policy on the first 64 KiB, then the whole-file inspection
    /// fed in pieces of `step` bytes (the whole file at once by default).
    static func accept(
        _ bytes: [UInt8], fileName: String, policy: MediaPolicy = MediaPolicy(), step: Int? = nil
    ) throws -> AcceptedMedia {
        var accepted = try policy.evaluate(
            prefix: bytes.prefix(MediaSniffer.recommendedPrefixLength), byteCount: Int64(bytes.count),
            declaredMIMEType: nil, kind: nil, fileName: fileName)
        var inspection = policy.inspection(of: accepted)
        let step = step ?? max(1, bytes.count)
        var offset = 0
        while offset < bytes.count {
            try inspection.consume(bytes[offset..<min(bytes.count, offset + step)])
            offset += step
        }
        accepted.sniffed = try inspection.finish()
        return accepted
    }

    /// Where `file --mime-type` names a type differently from us, the names it uses, each mapped to ours. Any
    /// other difference is a disagreement.
    static let fileEquivalences: [String: MediaType] = [
        "audio/x-wav": .wav,  // `file` keeps the pre-RFC 2361 name.
        "audio/x-hx-aac-adts": .aac,  // `file`'s private name for AAC in ADTS framing.
        "audio/x-m4a": .mp4Audio,  // RFC 4337 registers audio/mp4.
        "video/x-m4v": .mp4,  // Apple's M4V brand is MPEG-4 video.
        "video/3gpp2": .threeGPP,  // 3GPP2 brands are reported as video/3gpp (the one WhatsApp accepts).
    ]

    /// Our verdict for what `file` said.
    static func ourType(forFileMIMEType mimeType: String) -> MediaType? {
        fileEquivalences[mimeType] ?? MediaType(rawValue: mimeType)
    }
}
