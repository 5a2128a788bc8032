import Foundation
import Testing
import WACore

/// The sniffer against real files made by standard tools (`scripts/make-media-corpus`) and against `file(1)`.
@Suite("Media corpus")
struct MediaCorpusTests {
    @Test("the manifest lists every supported type")
    func manifestCoversEverySupportedType() {
        let covered = Set(MediaCorpus.samples.map(\.expected))
        // application/x-ole-storage is the fallback for an OLE file whose application is unknown: no Office tool
        // writes one on purpose, and the unit tests cover it.
        let missing = Set(MediaType.allCases).subtracting(covered).subtracting([.oleStorage])
        #expect(missing.isEmpty, "no sample for \(missing.map(\.rawValue).sorted())")
        #expect(MediaCorpus.samples.count >= 28)
    }

    @Test("each sample is sniffed as the manifest expects", arguments: MediaCorpus.samples)
    func sniffMatchesManifest(sample: MediaCorpus.Sample) throws {
        let bytes = try sample.contents()
        let verdict = try MediaSniffer.sniff(file: bytes)
        #expect(verdict.type == sample.expected)
        // The manifest's `file` verdict, at generation time, agrees with ours (up to the listed equivalences).
        #expect(MediaCorpus.ourType(forFileMIMEType: sample.fileMIMEType) == sample.expected)
        switch sample.trait {
        case "animated": #expect(verdict.isAnimated)
        case "static": #expect(!verdict.isAnimated)
        case "opus": #expect(verdict.audioCodec == .opus)
        case "vorbis": #expect(verdict.audioCodec == .vorbis)
        default: #expect(verdict.audioCodec == nil && !verdict.isAnimated)
        }
    }

    @Test(
        "a recommended-length prefix gives the whole file's verdict, or its container for OLE",
        arguments: MediaCorpus.samples)
    func prefixMatchesWholeFile(sample: MediaCorpus.Sample) throws {
        let bytes = try sample.contents()
        let whole = try MediaSniffer.sniff(file: bytes)
        let prefix = try MediaSniffer.sniff(
            bytes.prefix(MediaSniffer.recommendedPrefixLength), totalLength: Int64(bytes.count))
        if bytes.count <= MediaSniffer.recommendedPrefixLength {
            #expect(prefix == whole)
        } else {
            // Only an OLE file's directory can lie past the prefix (LibreOffice's .ppt).
            #expect(prefix == whole || (prefix.type == .oleStorage && whole.type.generalization == .oleStorage))
        }
    }

    static let fileCommand: String? = ["/usr/bin/file", "/bin/file"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        "file(1) run now agrees with the sniffer on every sample",
        .enabled(if: fileCommand != nil, "needs the `file` command (Debian package `file`)"))
    func agreesWithFileCommand() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.fileCommand))
        process.arguments =
            ["--brief", "--mime-type"]
            + MediaCorpus.samples.map {
                MediaCorpus.directory.appendingPathComponent($0.name).path
            }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(lines.count == MediaCorpus.samples.count)
        for (sample, fileMIMEType) in zip(MediaCorpus.samples, lines) {
            let ours = try MediaSniffer.sniff(file: try sample.contents()).type
            #expect(
                MediaCorpus.ourType(forFileMIMEType: fileMIMEType) == ours,
                "\(sample.name): file says \(fileMIMEType), we say \(ours.rawValue)")
        }
    }
}
