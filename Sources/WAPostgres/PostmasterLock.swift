import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a data directory's `postmaster.pid` (the server's lock file) says about the server that wrote it.
///
/// The server writes the file when it starts and removes it when it stops cleanly; after a crash (SIGKILL, power
/// loss) the file stays behind and names a process that no longer exists. `pg_ctl start` and the server itself
/// recognise such a stale file, as long as the process it names is really gone.
struct PostmasterLock: Sendable, Equatable {
    /// The server's process id (line 1).
    var pid: Int32
    /// The port (line 4).
    var port: Int?
    /// The socket directory (line 5).
    var socketDirectory: String?

    /// Reads `<dataDirectory>/postmaster.pid`; `nil` when there is none or it is not (yet) a lock file.
    static func read(dataDirectory: String) -> PostmasterLock? {
        guard let data = FileManager.default.contents(atPath: "\(dataDirectory)/postmaster.pid") else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let pid = Int32(first.trimmingCharacters(in: .whitespaces)), pid > 0 else {
            return nil
        }
        func line(_ number: Int) -> String? {
            guard lines.count >= number else { return nil }
            let text = lines[number - 1].trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        return PostmasterLock(pid: pid, port: line(4).flatMap { Int($0) }, socketDirectory: line(5))
    }

    /// Whether a process is alive, already exited but not yet reaped by its parent (a zombie: it holds nothing,
    /// but the server's stale-lock check still sees it), or gone.
    enum ProcessState: Sendable, Equatable {
        case alive
        case zombie
        case gone
    }

    /// The state of the process the lock file names.
    var processState: ProcessState { Self.state(of: pid) }

    static func state(of pid: Int32) -> ProcessState {
        // EPERM: the process exists but belongs to another user, which still means alive.
        if kill(pid, 0) != 0 && errno == ESRCH { return .gone }
        // Linux only (/proc). Elsewhere a zombie counts as alive; init reaps orphans promptly there.
        if let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") {
            // "<pid> (<comm>) <state> …": the state follows the last ')', since comm may contain anything.
            let text = String(decoding: stat, as: UTF8.self)
            if let close = text.lastIndex(of: ")") {
                let state = text[text.index(after: close)...].drop(while: { $0 == " " }).first
                if state == "Z" || state == "X" { return .zombie }
            }
        }
        return .alive
    }
}
