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

    /// The first directory above `path` (an absolute path) that this user may not pass through, or `nil` when it
    /// may reach `path`: every ancestor must grant it search permission (`x`) as owner, through its primary or a
    /// supplementary group, or to others.
    func firstUnsearchableAncestor(of path: String) -> String? {
        let groups = groupIDs()
        var ancestor = ""
        for component in path.split(separator: "/").dropLast() {
            ancestor += "/" + component
            var info = stat()
            guard stat(ancestor, &info) == 0 else { return nil }  // missing: created later, by root, for the user
            let mode = info.st_mode
            let searchable =
                info.st_uid == uid ? mode & S_IXUSR != 0
                : groups.contains(info.st_gid) ? mode & S_IXGRP != 0
                : mode & S_IXOTH != 0
            if !searchable { return ancestor }
        }
        return nil
    }

    /// The user's primary and supplementary groups.
    private func groupIDs() -> Set<gid_t> {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        #if canImport(Darwin)
        var signedGroups = groups.map { Int32(bitPattern: $0) }
        if getgrouplist(name, Int32(bitPattern: gid), &signedGroups, &count) == -1 { return [gid] }
        groups = signedGroups.map { gid_t(bitPattern: $0) }
        #else
        if getgrouplist(name, gid, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, gid, &groups, &count) != -1 else { return [gid] }
        }
        #endif
        return Set(groups.prefix(Int(count))).union([gid])
    }

    /// Makes this user (and its primary group) the owner of `path`.
    func takeOwnership(of path: String) throws(WAError) {
        guard chown(path, uid, gid) == 0 else {
            let reason = String(cString: strerror(errno))
            throw WAError(.internalError, "cannot hand \(path) to the user \(name): \(reason)")
        }
    }
}
