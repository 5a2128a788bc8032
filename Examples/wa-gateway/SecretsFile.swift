import Foundation
import WACore

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// The gateway's persistent secrets in one owner-only JSON file (`<data-dir>/secrets.json` by default): today the
/// ``SecretKeyring`` that seals webhook secrets, proxy passwords and WhatsApp sessions at rest.
///
/// ```json
/// {"format": 1, "keyring": [{"id": 2, "key": "<base64 of 32 bytes>"}, {"id": 1, "key": "…"}]}
/// ```
/// The first key is the current one (new values are sealed with it); the others are retired keys that still open
/// what was sealed with them. ``loadOrCreate(random:)`` creates the file on the first start with one new key;
/// ``rotate(random:)`` adds a new current key and keeps the old ones.
///
/// The file is written whole to a temporary file beside it (mode `0600`, flushed to disk) that then takes its place,
/// so a crash leaves the old file or the new one, never half of one. Reading refuses a file that others may read or
/// write, or that another user owns, the way `ssh` treats its keys.
struct SecretsFile: Sendable {
    /// The only format written and read.
    static let format = 1
    /// The file's name in the data directory.
    static let defaultName = "secrets.json"

    /// Where the file is.
    let path: String

    /// The keyring in the file, which is created (with one new key, id 1) when there is none. When two processes
    /// create it at once, both end up with the one that was written first.
    func loadOrCreate(random: any RandomSource) throws -> SecretKeyring {
        if let keys = try loadIfPresent() { return try Self.keyring(keys, source: path) }
        let keys = [StoredKey(id: 1, bytes: random.bytes(SecretKeyring.Key.byteCount))]
        if try write(keys, replacing: false) { return try Self.keyring(keys, source: path) }
        // Another process created it between our look and our write: use theirs.
        guard let theirs = try loadIfPresent() else { throw SetupError("\(path) vanished while it was being created") }
        return try Self.keyring(theirs, source: path)
    }

    /// The keyring in the file; fails when there is no file.
    func load() throws -> SecretKeyring {
        try Self.keyring(try loadExisting(), source: path)
    }

    private func loadExisting() throws -> [StoredKey] {
        guard let keys = try loadIfPresent() else {
            throw SetupError("there is no secrets file at \(path) (the gateway creates it on its first start)")
        }
        return keys
    }

    /// Makes a new random key current and keeps every key the file had (the old current one retired), so values
    /// sealed before still open. Holds an exclusive lock on `<path>.lock` meanwhile (not on the file itself, which
    /// the new one replaces), so two rotations take turns.
    ///
    /// - Returns: The new keyring.
    func rotate(random: any RandomSource) throws -> SecretKeyring {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SetupError("cannot open \(lockPath): \(Self.errnoText())") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw SetupError("cannot lock \(lockPath): \(Self.errnoText())") }
        let keys = try loadExisting()
        let nextID = (keys.map(\.id).max() ?? 0) + 1
        let rotated = [StoredKey(id: nextID, bytes: random.bytes(SecretKeyring.Key.byteCount))] + keys
        let keyring = try Self.keyring(rotated, source: path)
        _ = try write(rotated, replacing: true)
        return keyring
    }

    // MARK: - Reading

    private func loadIfPresent() throws -> [StoredKey]? {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch CocoaError.fileReadNoSuchFile, CocoaError.fileNoSuchFile {
            return nil
        } catch {
            throw SetupError("cannot read \(path): \(error.localizedDescription)")
        }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner == geteuid() else {
            throw SetupError("\(path) belongs to another user (uid \(owner.map(String.init) ?? "?")); it must be this user's own")
        }
        let mode = ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777) & 0o777
        guard mode & 0o077 == 0 else {
            throw SetupError(
                "\(path) may be read or written by others (mode \(String(mode, radix: 8))); it holds the keys to "
                    + "every sealed secret: chmod 600 \(path)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SetupError("cannot read \(path): \(error.localizedDescription)")
        }
        return try Self.decode(data, path: path)
    }

    private struct Contents: Codable {
        var format: Int
        var keyring: [StoredKey]
    }

    /// One key as the file holds it: its id and its 32 bytes (base64 in JSON).
    struct StoredKey: Codable {
        var id: UInt32
        var bytes: [UInt8]

        init(id: UInt32, bytes: [UInt8]) {
            self.id = id
            self.bytes = bytes
        }

        private enum CodingKeys: String, CodingKey { case id, key }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(UInt32.self, forKey: .id)
            bytes = Array(Data(base64Encoded: try container.decode(String.self, forKey: .key)) ?? Data())
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(Data(bytes).base64EncodedString(), forKey: .key)
        }
    }

    private static func decode(_ data: Data, path: String) throws -> [StoredKey] {
        let contents: Contents
        do {
            contents = try JSONDecoder().decode(Contents.self, from: data)
        } catch {
            throw SetupError("\(path) is not a secrets file (expected {\"format\": 1, \"keyring\": [...]})")
        }
        guard contents.format == format else {
            throw SetupError("\(path) has format \(contents.format); this gateway reads format \(format)")
        }
        return contents.keyring
    }

    /// A keyring of `stored`, the first current; `source` names where they came from in errors.
    static func keyring(_ stored: [StoredKey], source: String) throws -> SecretKeyring {
        var keys: [SecretKeyring.Key] = []
        for entry in stored {
            guard entry.bytes.count == SecretKeyring.Key.byteCount else {
                throw SetupError("\(source): key \(entry.id) is not 32 bytes in base64")
            }
            keys.append(try SecretKeyring.Key(id: entry.id, bytes: entry.bytes))
        }
        guard let current = keys.first else { throw SetupError("\(source) holds no key") }
        do {
            return try SecretKeyring(current: current, retired: Array(keys.dropFirst()))
        } catch {
            throw SetupError("\(source): \(error.message)")
        }
    }

    // MARK: - Writing

    /// Writes `keyring` through a temporary file; `false` when the file exists and `replacing` is `false`.
    private func write(_ keys: [StoredKey], replacing: Bool) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SetupError("cannot create \(temporary): \(Self.errnoText())") }
        defer { unlink(temporary) }
        let bytes = Array(try Self.encode(keys))
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                close(descriptor)
                throw SetupError("cannot write \(temporary): \(Self.errnoText())")
            }
            written += count
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw SetupError("cannot write \(temporary): \(Self.errnoText())")
        }
        if replacing {
            guard rename(temporary, path) == 0 else { throw SetupError("cannot replace \(path): \(Self.errnoText())") }
        } else if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw SetupError("cannot create \(path): \(Self.errnoText())")
        }
        // The new name must reach the disk too.
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return true
    }

    private static func encode(_ keys: [StoredKey]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Contents(format: format, keyring: keys)) + Data("\n".utf8)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension SecretsFile {
    /// The environment variable that, when set, holds the keyring instead of the file:
    /// `WA_KEYRING=2:<base64 key>,1:<base64 key>`, the current key first.
    static let environmentVariable = "WA_KEYRING"

    /// The keyring written as `id:base64,id:base64` (the current key first), as ``environmentVariable`` holds it.
    static func keyring(environmentValue value: String) throws -> SecretKeyring {
        var keys: [StoredKey] = []
        for entry in value.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let id = UInt32(parts[0]),
                let bytes = Data(base64Encoded: String(parts[1]))
            else {
                throw SetupError("\(environmentVariable) must be id:base64key[,id:base64key…], the current key first")
            }
            keys.append(StoredKey(id: id, bytes: Array(bytes)))
        }
        return try keyring(keys, source: environmentVariable)
    }
}
