import Foundation
import Testing
import WACore

/// Declared-versus-sniffed reconciliation, kinds, allow-lists and size caps.
@Suite("Media policy")
struct MediaPolicyTests {
    static func sample(_ name: String) throws -> [UInt8] {
        try MediaCorpus.Sample(name: name, fileMIMEType: "", expected: .zip, trait: "-").contents()
    }

    static func evaluate(
        _ name: String, declared: String?, kind: Message.Kind? = nil, byteCount: Int64? = nil,
        fileName: String? = nil, policy: MediaPolicy = MediaPolicy()
    ) throws -> AcceptedMedia {
        let bytes = try sample(name)
        return try policy.evaluate(
            prefix: bytes, byteCount: byteCount ?? Int64(bytes.count), declaredMIMEType: declared, kind: kind,
            fileName: fileName)
    }

    static func error(
        _ name: String, declared: String?, kind: Message.Kind? = nil, byteCount: Int64? = nil,
        policy: MediaPolicy = MediaPolicy()
    ) throws -> WAError? {
        do {
            _ = try evaluate(name, declared: declared, kind: kind, byteCount: byteCount, policy: policy)
            return nil
        } catch let error as WAError { return error }
    }

    @Test("every sample passes when declared with the name file(1) gives it", arguments: MediaCorpus.samples)
    func corpusDeclaredByFile(sample: MediaCorpus.Sample) throws {
        let accepted = try Self.evaluate(sample.name, declared: sample.fileMIMEType)
        #expect(accepted.type == sample.expected)
        #expect(accepted.kind == sample.expected.defaultKind)
        #expect(accepted.mimeType == sample.expected.rawValue)
    }

    @Test(
        "aliases and equivalences",
        arguments: [
            ("sample.jpg", "image/jpg", MediaType.jpeg), ("sample.jpg", "IMAGE/JPEG; q=1", .jpeg),
            ("sample.wav", "audio/x-wav", .wav), ("sample.wav", "audio/wave", .wav),
            ("sample-id3.mp3", "audio/mp3", .mpegAudio), ("sample.m4a", "audio/x-m4a", .mp4Audio),
            ("sample.mp4", "audio/mp4", .mp4Audio),  // audio-only MP4 with video brands
            ("sample-opus.ogg", "audio/opus", .ogg), ("sample-opus.ogg", "audio/ogg; codecs=opus", .ogg),
            ("sample.docx", "application/zip", .docx), ("sample.xls", "application/x-ole-storage", .msExcel),
            ("sample.csv", "text/plain", .csv), ("sample.txt", "text/csv", .csv),
            ("sample.csv", "application/vnd.ms-excel", .csv), ("sample.3g2", "video/3gpp2", .threeGPP),
            ("sample.png", nil, .png), ("sample.png", "", .png), ("sample.png", "application/octet-stream", .png),
        ] as [(String, String?, MediaType)])
    func equivalences(name: String, declared: String?, expected: MediaType) throws {
        #expect(try Self.evaluate(name, declared: declared).type == expected)
    }

    @Test("a legacy Office type is kept when only the OLE container could be sniffed")
    func declaredLegacyOffice() throws {
        let doc = try Self.sample("sample.ppt")
        let accepted = try MediaPolicy().evaluate(
            prefix: doc.prefix(MediaSniffer.recommendedPrefixLength), byteCount: Int64(doc.count),
            declaredMIMEType: "application/vnd.ms-powerpoint", kind: nil, fileName: "deck.ppt")
        #expect(accepted.sniffed.type == .oleStorage)
        #expect(accepted.type == .msPowerPoint && accepted.kind == .document && accepted.fileName == "deck.ppt")
    }

    @Test(
        "mismatches are rejected",
        arguments: [
            ("sample.jpg", "image/png"), ("sample.pdf", "image/jpeg"), ("sample-vorbis.ogg", "audio/opus"),
            ("sample.zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("sample.docx", "application/msword"), ("sample.doc", "application/vnd.ms-excel"),
            ("sample.txt", "application/pdf"), ("sample.m4a", "video/mp4"), ("sample.mov", "video/mp4"),
        ])
    func mismatches(name: String, declared: String) throws {
        let error = try #require(try Self.error(name, declared: declared))
        #expect(error.code == .mediaTypeMismatch && error.field == "mimeType")
    }

    @Test("an unknown declared type is unsupported")
    func unknownDeclaredType() throws {
        let error = try #require(try Self.error("sample.pdf", declared: "application/x-msdownload"))
        #expect(error.code == .mediaUnsupportedType && error.field == "mimeType")
    }

    @Test("kinds: defaults, permitted kinds, stickers and voice notes")
    func kinds() throws {
        #expect(try Self.evaluate("sample.pdf", declared: nil).kind == .document)
        #expect(try Self.evaluate("sample.jpg", declared: nil, kind: .document).kind == .document)
        #expect(try Self.evaluate("sample-static.webp", declared: nil, kind: .sticker).kind == .sticker)
        #expect(try Self.evaluate("sample-opus.ogg", declared: "audio/ogg", kind: .voice).kind == .voice)
        for (name, kind) in [
            ("sample.pdf", Message.Kind.image), ("sample.png", .sticker), ("sample.mp4", .audio),
            ("sample-vorbis.ogg", .voice), ("sample-id3.mp3", .voice),
        ] {
            let error = try #require(try Self.error(name, declared: nil, kind: kind))
            #expect(error.code == .mediaTypeMismatch && error.field == "kind", "\(name) as \(kind)")
        }
        let text = try #require(try Self.error("sample.txt", declared: nil, kind: .text))
        #expect(text.code == .invalidArgument && text.field == "kind")
    }

    @Test("the organization's allow-list")
    func allowList() throws {
        let policy = try MediaPolicy(allowedMIMETypes: ["image/jpg", "application/pdf"])
        #expect(policy.allowedTypes == [.jpeg, .pdf])
        #expect(try Self.evaluate("sample.jpg", declared: nil, policy: policy).type == .jpeg)
        let error = try #require(try Self.error("sample.png", declared: "image/png", policy: policy))
        #expect(error.code == .mediaTypeNotAllowed)
        #expect(MediaPolicy().allowedTypes == Set(MediaType.allCases))
        #expect(
            throws: WAError(
                .mediaUnsupportedType, "'image/bmp' is not a supported media type",
                field: "allowedMIMETypes")
        ) { try MediaPolicy(allowedMIMETypes: ["image/bmp"]) }
    }

    @Test("size caps follow the WhatsApp Cloud API per kind")
    func sizeCaps() throws {
        let caps = MediaSizeCaps.whatsAppCloudAPI
        let megabyte: Int64 = 1_048_576
        let kilobyte: Int64 = 1_024
        #expect(caps.limit(for: .image) == 5 * megabyte)
        #expect(caps.limit(for: .video) == 16 * megabyte && caps.limit(for: .audio) == 16 * megabyte)
        #expect(caps.limit(for: .voice) == 16 * megabyte && caps.limit(for: .document) == 100 * megabyte)
        #expect(caps.limit(for: .sticker) == 100 * kilobyte)
        #expect(caps.limit(for: .sticker, animated: true) == 500 * kilobyte)
        #expect(caps.limit(for: .text) == nil && caps.limit(for: .location) == nil && caps.limit(for: .contact) == nil)

        #expect(try Self.evaluate("sample.jpg", declared: nil, byteCount: 5 << 20).byteCount == 5 << 20)
        #expect(try Self.error("sample.jpg", declared: nil, byteCount: (5 << 20) + 1)?.code == .mediaTooLarge)
        #expect(try Self.evaluate("sample.jpg", declared: nil, kind: .document, byteCount: 50 << 20).kind == .document)
        #expect(try Self.error("sample.pdf", declared: nil, byteCount: (100 << 20) + 1)?.code == .mediaTooLarge)
        let sticker = (100 << 10) + 1
        #expect(
            try Self.error("sample-static.webp", declared: nil, kind: .sticker, byteCount: Int64(sticker))?
                .code == .mediaTooLarge)
        #expect(
            try Self.evaluate("sample-animated.webp", declared: nil, kind: .sticker, byteCount: 500 << 10).kind
                == .sticker)
        #expect(
            try Self.error("sample-animated.webp", declared: nil, kind: .sticker, byteCount: (500 << 10) + 1)?
                .code == .mediaTooLarge)
        // Before reading the file, from its announced length.
        expectWAError(.mediaTooLarge) { try MediaPolicy().checkSize(byteCount: 17 << 20, kind: .video) }
        try MediaPolicy().checkSize(byteCount: 16 << 20, kind: .video)
    }

    @Test("empty files and negative sizes")
    func emptyFiles() throws {
        #expect(try Self.error("sample.jpg", declared: nil, byteCount: 0)?.code == .mediaEmpty)
        #expect(try Self.error("sample.jpg", declared: nil, byteCount: -1)?.code == .invalidArgument)
        expectWAError(.mediaEmpty) {
            try MediaPolicy().evaluate(prefix: [UInt8](), byteCount: 0, declaredMIMEType: nil, kind: nil, fileName: nil)
        }
    }

    @Test("file names: sanitised, and a fallback for documents")
    func fileNames() throws {
        #expect(try Self.evaluate("sample.pdf", declared: nil).fileName == "file.pdf")
        #expect(try Self.evaluate("sample.jpg", declared: nil).fileName == nil)
        #expect(try Self.evaluate("sample.jpg", declared: nil, fileName: "../IMG 1.JPG").fileName == "IMG 1.JPG")
        #expect(
            try Self.evaluate("sample.pdf", declared: nil, fileName: "C:\\tmp\\bill.exe").fileName == "bill.exe.pdf")
    }
}
