import WACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An operating-system account, looked up by name (the one an ``EmbeddedPostgres`` cluster runs as when this
/// process is root).
struct SystemUser: Sendable, Hashable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    /// Whether this process runs as root (effective user id 0).
    static var processIsRoot: Bool { geteuid() == 0 }

    /// Looks the user up in the password database.
    static func named(_ name: String) throws(WAError) -> SystemUser {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else {
            throw WAError(
                .invalidArgument,
                "the operating-system user \(name) does not exist; PostgreSQL cannot run as root, so the embedded "
                    + "cluster runs as that user (the Debian package postgresql creates the user postgres)",
                field: "postgres_system_user")
        }
        return SystemUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// Makes this user (and its primary group) the owner of `path`.
    func takeOwnership(of path: String) throws(WAError) {
        guard chown(path, uid, gid) == 0 else {
            let reason = String(cString: strerror(errno))
            throw WAError(.internalError, "cannot hand \(path) to the user \(name): \(reason)")
        }
    }
}
