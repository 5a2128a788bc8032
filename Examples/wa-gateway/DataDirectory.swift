import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gateway's data directory (`./wa-data` by default): created owner-only.
enum DataDirectory {
    /// Creates `path` (and its parents) unless it exists; a new directory is `0700`, an existing one keeps its
    /// mode. With `passableByOthers`, others get the search bit (`x`, never `r`): they may pass through to a
    /// directory inside but not list it. The embedded PostgreSQL needs that when the gateway runs as root, because
    /// its cluster then runs as another user that must reach its directory inside.
    static func prepare(_ path: String, passableByOthers: Bool = false) throws {
        do {
            if !FileManager.default.fileExists(atPath: path) {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            if passableByOthers {
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o700
                if mode & 0o001 == 0 {
                    try FileManager.default.setAttributes([.posixPermissions: mode | 0o001], ofItemAtPath: path)
                }
            }
        } catch {
            throw SetupError("cannot prepare the data directory \(path): \(error.localizedDescription)")
        }
    }
}

/// An exclusive lock on a data directory (`flock` on `<data-dir>/gateway.lock`), held by one `serve` for as long as
/// it runs: the operating system releases it when the process exits, however it exits. A second `serve` on the
/// same directory is refused; other commands see that a gateway runs there.
final class DataDirectoryLock: Sendable {
    /// The lock file's name in the data directory.
    static let fileName = "gateway.lock"

    private let descriptor: Int32

    /// Takes the lock, or returns `nil` when another process holds it.
    static func acquire(in directory: String) throws -> DataDirectoryLock? {
        let path = "\(directory)/\(fileName)"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SetupError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(descriptor)
            if busy { return nil }
            throw SetupError("cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        return DataDirectoryLock(descriptor: descriptor)
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
