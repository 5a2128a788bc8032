import Crypto
import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// A media store in memory that also reports what it holds and what it was asked to do.
final class RecordingMediaStore: MediaStore {
    private struct Key: Hashable {
        var organization: OrganizationID
        var id: MediaObjectID
    }

    private struct State {
        var objects: [Key: [UInt8]] = [:]
        var puts = 0
        var removes = 0
        /// Makes `put` fail after writing (a partial write).
        var failPuts = false
    }

    private let state = Mutex(State())

    func write<Chunks: AsyncSequence & Sendable>(
        _ id: MediaObjectID, in organization: OrganizationID, from chunks: Chunks
    ) async throws -> Int64 where Chunks.Element == [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in chunks { bytes += chunk }
        let written = bytes
        let fail = state.withLock { s in
            s.puts += 1
            s.objects[Key(organization: organization, id: id)] = written
            return s.failPuts
        }
        if fail { throw WAError(.internalError, "the disk is full") }
        return Int64(written.count)
    }

    func read(_ id: MediaObjectID, in organization: OrganizationID, range: Range<Int64>?) async throws
        -> MediaByteStream
    {
        let bytes = try stored(id, in: organization)
        let range = try Self.validate(range, byteCount: Int64(bytes.count))
        let slice = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
        return MediaByteStream { continuation in
            if !slice.isEmpty { continuation.yield(slice) }
            continuation.finish()
        }
    }

    func byteCount(of id: MediaObjectID, in organization: OrganizationID) async throws -> Int64 {
        Int64(try stored(id, in: organization).count)
    }

    private func stored(_ id: MediaObjectID, in organization: OrganizationID) throws -> [UInt8] {
        guard let bytes = state.withLock({ $0.objects[Key(organization: organization, id: id)] }) else {
            throw WAError.notFound("media")
        }
        return bytes
    }

    func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws {
        state.withLock { s in
            s.removes += 1
            s.objects[Key(organization: organization, id: id)] = nil
        }
    }

    func removeAll(in organization: OrganizationID) async throws {
        state.withLock { s in
            for key in s.objects.keys where key.organization == organization { s.objects[key] = nil }
        }
    }

    /// How many objects' bytes the store holds for `organization`.
    func count(in organization: OrganizationID) -> Int {
        state.withLock { $0.objects.keys.filter { $0.organization == organization }.count }
    }

    var puts: Int { state.withLock { $0.puts } }
    var removes: Int { state.withLock { $0.removes } }

    func failPuts(_ fail: Bool) { state.withLock { $0.failPuts = fail } }
}

@Suite("Media service")
struct MediaServiceTests {
    /// Two organizations (Acme with its admin Ana, Other with its admin Oz) sharing a recording media store.
    struct World {
        var env: ServiceEnvironment
        let store: RecordingMediaStore
        let org: OrganizationID
        let admin: Member
        let other: OrganizationID
        let stranger: Member

        init() async throws {
            store = RecordingMediaStore()
            env = .testing(clock: TestClock())
            env.media = store
            let team = TeamService(environment: env)
            let (org, admin) = try await team.createOrganization(
                name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
                adminPassword: "correct horse battery staple")
            let (other, stranger) = try await team.createOrganization(
                name: "Other", slug: "other", plan: .pro, adminEmail: "oz@example.com", adminName: "Oz",
                adminPassword: "correct horse battery staple")
            self.org = org.id
            self.admin = admin
            self.other = other.id
            self.stranger = stranger
        }

        /// A service over the environment as it is now (with its current media policy).
        var media: MediaService { MediaService(environment: env) }
        var ana: Principal { .acting(as: admin) }
        var oz: Principal { .acting(as: stranger) }

        /// Sets Acme's media storage quota through its limit overrides.
        func setQuota(_ bytes: Int64) async throws {
            let org = self.org
            _ = try await env.store.transaction(.organization(org)) { tx in
                var stored = try await tx.organizations.get(org, in: org)
                var limits = stored.limits
                limits.mediaStorageBytes = bytes
                stored.limitOverrides = limits
                return try await tx.organizations.update(stored)
            }
        }

        func organization(_ id: OrganizationID? = nil) async throws -> Organization {
            let id = id ?? org
            return try await env.store.transaction(.organization(id)) { try await $0.organizations.get(id, in: id) }
        }

        func objectCount(_ id: OrganizationID? = nil) async throws -> Int {
            let id = id ?? org
            return try await env.store.transaction(.organization(id)) {
                try await $0.mediaObjects.count(in: id, where: .init())
            }
        }

        func auditEvents(_ action: String) async throws -> [AuditEvent] {
            let org = self.org
            return try await env.store.transaction(.organization(org)) {
                try await $0.auditEvents.list(in: org, where: .init(action: action), page: .all).items
            }
        }
    }

    /// A sample file from `Fixtures/Media`.
    static func sample(_ name: String) throws -> [UInt8] {
        try #require(MediaCorpus.samples.first { $0.name == name }, "no sample \(name)").contents()
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Uploads

    struct Accepted: Sendable, CustomTestStringConvertible {
        let file: String
        let declared: String?
        let kind: Message.Kind?
        let fileName: String?
        let mimeType: String
        let storedKind: Message.Kind
        let storedFileName: String?
        var testDescription: String { file }
    }

    static let accepted: [Accepted] = [
        Accepted(
            file: "sample.jpg", declared: "image/jpg", kind: nil, fileName: nil, mimeType: "image/jpeg",
            storedKind: .image, storedFileName: nil),
        Accepted(
            file: "sample.pdf", declared: "application/pdf", kind: .document, fileName: "../Q3 report.pdf",
            mimeType: "application/pdf", storedKind: .document, storedFileName: "Q3 report.pdf"),
        Accepted(
            file: "sample.docx", declared: nil, kind: nil, fileName: "letter.docx",
            mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", storedKind: .document,
            storedFileName: "letter.docx"),
    ]

    @Test("an upload stores the bytes and an object with the sniffed type and the SHA-256", arguments: accepted)
    func upload(_ c: Accepted) async throws {
        let w = try await World()
        let bytes = try Self.sample(c.file)
        let object = try await w.media.upload(
            bytes, declaredMIMEType: c.declared, kind: c.kind, fileName: c.fileName, by: w.ana)
        #expect(object.organizationID == w.org)
        #expect(object.mimeType == c.mimeType)
        #expect(object.kind == c.storedKind)
        #expect(object.byteCount == Int64(bytes.count))
        #expect(object.sha256 == Self.sha256Hex(bytes))
        #expect(object.sha256.count == 64)
        #expect(object.fileName == c.storedFileName)
        #expect(object.createdAt == w.env.clock.now())

        #expect(try await w.media.get(object.id, by: w.ana) == object)
        let (read, content) = try await w.media.bytes(of: object.id, by: w.ana)
        #expect(read == object)
        #expect(content == bytes)
        #expect(w.store.count(in: w.org) == 1)
        #expect(try await w.media.list(by: w.ana).items == [object])
        #expect(try await w.organization().mediaBytesUsed == Int64(bytes.count))

        let events = try await w.auditEvents("media.uploaded")
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.actor == .member(w.admin.id))
        #expect(event.resourceID == object.id.description)
        #expect(event.metadata == [
            "mime_type": c.mimeType, "kind": c.storedKind.rawValue, "byte_count": String(bytes.count),
        ])
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: @Sendable () throws -> [UInt8]
        var declared: String? = nil
        var kind: Message.Kind? = nil
        /// The media policy in force for the refused upload.
        var policy = MediaPolicy()
        /// Acme's quota for the refused upload.
        var quota: Int64? = nil
        let code: WAError.Code
        /// Whether the bytes were written (and so had to be removed again).
        var written = false
        var testDescription: String { name }
    }

    /// 390 bytes: the PNG every refusal test stores first, so that "unchanged" is not just "zero".
    static let baselineSize: Int64 = 390

    static let refusals: [Refusal] = [
        Refusal(name: "declared type contradicts the content", bytes: { try sample("sample.jpg") },
                declared: "application/pdf", code: .mediaTypeMismatch),
        Refusal(name: "kind contradicts the content", bytes: { try sample("sample.pdf") }, kind: .image,
                code: .mediaTypeMismatch),
        Refusal(name: "empty file", bytes: { [] }, declared: "image/jpeg", code: .mediaEmpty),
        Refusal(name: "unrecognised content", bytes: { [UInt8](repeating: 0, count: 256) },
                code: .mediaUnsupportedType),
        Refusal(name: "unknown declared type", bytes: { try sample("sample.jpg") }, declared: "application/x-foo",
                code: .mediaUnsupportedType),
        Refusal(name: "larger than the cap for its kind", bytes: { try sample("sample.jpg") },
                policy: MediaPolicy(sizeCaps: MediaSizeCaps(
                    image: 100, video: 100, audio: 100, document: 100, staticSticker: 100, animatedSticker: 100)),
                code: .mediaTooLarge),
        Refusal(name: "type not on the allow-list", bytes: { try sample("sample.jpg") },
                policy: MediaPolicy(allowedTypes: [.pdf, .png]), code: .mediaTypeNotAllowed),
        Refusal(name: "over the storage quota", bytes: { try sample("sample.jpg") }, quota: baselineSize + 100,
                code: .mediaOverQuota, written: true),
        Refusal(name: "a PNG that is also HTML (inspected before anything is written)",
                bytes: { try sample("sample.png") + Array("<html><script>alert(1)</script></html>\n".utf8) + Array(repeating: 0x20, count: 64) },
                code: .mediaTrailingData),
        Refusal(name: "a PNG cut short", bytes: { Array(try sample("sample.png").dropLast(12)) }, code: .mediaTruncated),
    ]

    @Test("a refused upload leaves no object, no bytes and an unchanged counter", arguments: refusals)
    func refused(_ c: Refusal) async throws {
        var w = try await World()
        let baseline = try await w.media.upload(try Self.sample("sample.png"), declaredMIMEType: nil, by: w.ana)
        #expect(baseline.byteCount == Self.baselineSize)
        w.env.mediaPolicy = c.policy
        if let quota = c.quota { try await w.setQuota(quota) }

        let bytes = try c.bytes()
        await expectWAError(c.code) {
            try await w.media.upload(bytes, declaredMIMEType: c.declared, kind: c.kind, by: w.ana)
        }
        #expect(try await w.objectCount() == 1)
        #expect(try await w.media.list(by: w.ana).items.map(\.id) == [baseline.id])
        #expect(w.store.count(in: w.org) == 1)
        #expect(try await w.organization().mediaBytesUsed == Self.baselineSize)
        #expect(try await w.auditEvents("media.uploaded").count == 1)
        // Policy refusals come before any write; a quota refusal writes the bytes and removes them again.
        #expect(w.store.puts == (c.written ? 2 : 1))
        #expect(w.store.removes == (c.written ? 1 : 0))
    }

    @Test("bytes that fail to be written are removed, and nothing is recorded")
    func failedWrite() async throws {
        let w = try await World()
        w.store.failPuts(true)
        await expectWAError(.internalError) {
            try await w.media.upload(try Self.sample("sample.jpg"), declaredMIMEType: "image/jpeg", by: w.ana)
        }
        #expect(w.store.puts == 1)
        #expect(w.store.count(in: w.org) == 0)
        #expect(try await w.objectCount() == 0)
        #expect(try await w.organization().mediaBytesUsed == 0)
        #expect(try await w.auditEvents("media.").isEmpty)
    }

    // MARK: Streaming uploads and ranged reads

    @Test("a streamed upload in small chunks stores the same bytes, digest and object as one in memory")
    func streamedUpload() async throws {
        let w = try await World()
        let bytes = try Self.sample("sample.pdf")
        let object = try await w.media.upload(
            chunks: MediaChunks(bytes, chunkSize: 1_000), byteCount: Int64(bytes.count),
            declaredMIMEType: "application/pdf", fileName: "a.pdf", by: w.ana)
        #expect(object.mimeType == "application/pdf")
        #expect(object.byteCount == Int64(bytes.count))
        #expect(object.sha256 == Self.sha256Hex(bytes))
        #expect(try await w.media.bytes(of: object.id, by: w.ana).1 == bytes)
        #expect(try await w.organization().mediaBytesUsed == Int64(bytes.count))
        #expect(try await w.auditEvents("media.uploaded").count == 1)
    }

    @Test("a file refused by the inspection in mid-stream leaves no bytes, no object and no quota used")
    func refusedMidStream() async throws {
        var w = try await World()
        let memory = MemoryMediaStore()
        w.env.media = memory
        // A valid PNG, then 200 KB more: the sniffed prefix passes, the inspection refuses past the image's end.
        let bytes = try Self.sample("sample.png") + [UInt8](repeating: 0x41, count: 200_000)
        await expectWAError(.mediaTrailingData) {
            try await w.media.upload(
                chunks: MediaChunks(bytes, chunkSize: 4_096), byteCount: Int64(bytes.count),
                declaredMIMEType: "image/png", by: w.ana)
        }
        #expect(try await w.objectCount() == 0)
        #expect(try await w.organization().mediaBytesUsed == 0)
        #expect(try await w.auditEvents("media.").isEmpty)
        let org = w.org
        let stored = try await w.media.list(by: w.ana).items
        #expect(stored.isEmpty)
        // Nothing reached the store under any id: an organization-wide removal finds nothing to remove, and a
        // fresh upload is the only object afterwards.
        let good = try await w.media.upload(try Self.sample("sample.png"), declaredMIMEType: nil, by: w.ana)
        #expect(try await memory.byteCount(of: good.id, in: org) == good.byteCount)
        #expect(try await w.organization().mediaBytesUsed == good.byteCount)
    }

    @Test("a stream shorter or longer than its announced length is refused and leaves nothing")
    func lengthMismatch() async throws {
        let w = try await World()
        let bytes = try Self.sample("sample.pdf")
        await expectWAError(.mediaTruncated) {
            try await w.media.upload(
                chunks: MediaChunks(bytes, chunkSize: 1_000), byteCount: Int64(bytes.count) + 10,
                declaredMIMEType: "application/pdf", by: w.ana)
        }
        await expectWAError(.invalidArgument) {
            try await w.media.upload(
                chunks: MediaChunks(bytes, chunkSize: 1_000), byteCount: Int64(bytes.count) - 10,
                declaredMIMEType: "application/pdf", by: w.ana)
        }
        // Longer than the sniffing prefix too: the mismatch shows only at the end of the write.
        let large = bytes + [UInt8](repeating: 0x20, count: 100_000)
        await expectWAError(.mediaTruncated) {
            try await w.media.upload(
                chunks: MediaChunks(large, chunkSize: 8_192), byteCount: Int64(large.count) + 1,
                declaredMIMEType: "application/pdf", by: w.ana)
        }
        #expect(w.store.count(in: w.org) == 0)
        #expect(w.store.puts == 0)
        #expect(try await w.objectCount() == 0)
        #expect(try await w.organization().mediaBytesUsed == 0)
    }

    @Test("content streams the whole object or a range of it; ranges outside it and other tenants are refused")
    func rangedContent() async throws {
        let w = try await World()
        let bytes = try Self.sample("sample.pdf")
        let object = try await w.media.upload(bytes, declaredMIMEType: nil, by: w.ana)
        func collect(_ stream: MediaByteStream) async throws -> [UInt8] {
            var all: [UInt8] = []
            for try await chunk in stream { all += chunk }
            return all
        }
        let (whole, wholeStream) = try await w.media.content(of: object.id, by: w.ana)
        #expect(whole == object)
        #expect(try await collect(wholeStream) == bytes)
        let (_, part) = try await w.media.content(of: object.id, range: 100..<600, by: w.ana)
        #expect(try await collect(part) == Array(bytes[100..<600]))
        let (_, tail) = try await w.media.content(of: object.id, by: w.ana) { $0.byteCount - 10..<$0.byteCount }
        #expect(try await collect(tail) == Array(bytes.suffix(10)))
        await expectWAError(.invalidArgument) {
            try await w.media.content(of: object.id, range: 0..<(object.byteCount + 1), by: w.ana)
        }
        await expectWAError(.notFound) { try await w.media.content(of: object.id, by: w.oz) }
    }

    // MARK: Deleting and usage

    @Test("deleting frees the quota: an upload that did not fit then fits")
    func deleteFreesQuota() async throws {
        let w = try await World()
        let pdf = try Self.sample("sample.pdf")
        let jpeg = try Self.sample("sample.jpg")
        try await w.setQuota(Int64(pdf.count) + 200)
        let document = try await w.media.upload(pdf, declaredMIMEType: "application/pdf", by: w.ana)
        await expectWAError(.mediaOverQuota) {
            try await w.media.upload(jpeg, declaredMIMEType: "image/jpeg", by: w.ana)
        }

        try await w.media.delete(document.id, by: w.ana)
        #expect(try await w.organization().mediaBytesUsed == 0)
        #expect(w.store.count(in: w.org) == 0)
        #expect(try await w.objectCount() == 0)
        await expectWAError(.notFound) { try await w.media.get(document.id, by: w.ana) }
        let deleted = try #require(try await w.auditEvents("media.deleted").first)
        #expect(deleted.resourceID == document.id.description)
        #expect(deleted.metadata == ["mime_type": "application/pdf", "kind": "document", "byte_count": "\(pdf.count)"])

        let image = try await w.media.upload(jpeg, declaredMIMEType: "image/jpeg", by: w.ana)
        #expect(try await w.organization().mediaBytesUsed == Int64(jpeg.count))
        #expect(try await w.media.list(by: w.ana).items.map(\.id) == [image.id])
        await expectWAError(.notFound) { try await w.media.delete(document.id, by: w.ana) }
        #expect(try await w.organization().mediaBytesUsed == Int64(jpeg.count))
    }

    @Test("usage reports the bytes stored, the quota and what is left")
    func usage() async throws {
        let w = try await World()
        let empty = try await w.media.usage(by: w.ana)
        #expect(empty == MediaService.Usage(usedBytes: 0, limitBytes: 20 << 30, availableBytes: 20 << 30))

        let jpeg = try await w.media.upload(try Self.sample("sample.jpg"), declaredMIMEType: nil, by: w.ana)
        let pdf = try await w.media.upload(try Self.sample("sample.pdf"), declaredMIMEType: nil, by: w.ana)
        let used = jpeg.byteCount + pdf.byteCount
        #expect(used == 366 + 11_311)
        #expect(
            try await w.media.usage(by: w.ana)
                == MediaService.Usage(usedBytes: used, limitBytes: 20 << 30, availableBytes: (20 << 30) - used))

        // A limit lowered below the usage leaves nothing free (and never a negative number).
        try await w.setQuota(1_000)
        #expect(
            try await w.media.usage(by: w.ana)
                == MediaService.Usage(usedBytes: used, limitBytes: 1_000, availableBytes: 0))

        try await w.media.delete(pdf.id, by: w.ana)
        #expect(
            try await w.media.usage(by: w.ana)
                == MediaService.Usage(usedBytes: jpeg.byteCount, limitBytes: 1_000, availableBytes: 1_000 - 366))
        let events = try await w.auditEvents("media.")
        #expect(events.map(\.action).sorted() == ["media.deleted", "media.uploaded", "media.uploaded"])
    }

    // MARK: Tenancy

    @Test("another organization's media is not_found, and its uploads count against its own quota")
    func tenantIsolation() async throws {
        let w = try await World()
        let bytes = try Self.sample("sample.jpg")
        let object = try await w.media.upload(bytes, declaredMIMEType: "image/jpeg", by: w.ana)

        await expectWAError(.notFound) { try await w.media.get(object.id, by: w.oz) }
        await expectWAError(.notFound) { try await w.media.bytes(of: object.id, by: w.oz) }
        await expectWAError(.notFound) { try await w.media.delete(object.id, by: w.oz) }
        #expect(try await w.media.list(by: w.oz).items.isEmpty)
        #expect(try await w.media.usage(by: w.oz).usedBytes == 0)

        // Acme's object is untouched.
        #expect(try await w.media.bytes(of: object.id, by: w.ana).1 == bytes)
        #expect(try await w.organization().mediaBytesUsed == Int64(bytes.count))
        #expect(w.store.count(in: w.org) == 1)

        let theirs = try await w.media.upload(try Self.sample("sample.pdf"), declaredMIMEType: nil, by: w.oz)
        #expect(try await w.organization(w.other).mediaBytesUsed == theirs.byteCount)
        #expect(try await w.organization().mediaBytesUsed == Int64(bytes.count))
        #expect(try await w.objectCount(w.other) == 1)
        await expectWAError(.notFound) { try await w.media.get(theirs.id, by: w.ana) }
    }

    // MARK: Stored organizations

    @Test("an organization stored before the media counter existed decodes with a zero counter")
    func organizationWithoutCounter() async throws {
        var organization = try await World().organization()
        organization.mediaBytesUsed = 1_234
        let encoded = try JSONEncoder().encode(organization)
        var fields = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(fields["mediaBytesUsed"] as? Int == 1_234)
        #expect(try JSONDecoder().decode(Organization.self, from: encoded) == organization)

        fields["mediaBytesUsed"] = nil
        let old = try JSONDecoder().decode(Organization.self, from: try JSONSerialization.data(withJSONObject: fields))
        var expected = organization
        expected.mediaBytesUsed = 0
        #expect(old == expected)
    }
}
