import Foundation
import Synchronization
import WACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers invitation and password-reset tokens by appending them to an owner-only file
/// (`<data-dir>/account-notifications.jsonl`), one JSON object per line, for an operator (or a script that mails
/// them) to pass on. The gateway's default channel: the tokens never appear in an API response or the log.
///
/// ```json
/// {"kind":"password_reset","organization":"default","email":"ana@example.com","name":"Ana","token":"…","expires_at":"2026-12-07T10:00:00Z"}
/// ```
///
/// Each line is written with one `write(2)` on a descriptor opened with `O_APPEND`, so concurrent writers never
/// interleave a line. A file that cannot be written fails the delivery, which ``WACore/TeamService`` logs (without
/// the token); the invitation or reset stands and can be requested again.
final class FileAccountNotifier: AccountNotifier {
    /// The file's default name in the data directory.
    static let defaultName = "account-notifications.jsonl"

    let path: String
    private let lock = Mutex(())

    init(path: String) {
        self.path = path
    }

    func deliver(_ notification: AccountNotification) async throws {
        let line = try Self.line(for: notification)
        try lock.withLock { _ in
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw SetupError("cannot open \(path): \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else {
                throw SetupError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The notification as one line of JSON, newline included.
    static func line(for notification: AccountNotification) throws -> Data {
        struct Line: Encodable {
            var kind: String
            var organization: String
            var email: String
            var name: String
            var token: String
            var expires_at: Date
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(
            Line(
                kind: notification.kind.rawValue, organization: notification.organization.slug,
                email: notification.member.email, name: notification.member.displayName,
                token: notification.token.reveal(), expires_at: notification.expiresAt))
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
