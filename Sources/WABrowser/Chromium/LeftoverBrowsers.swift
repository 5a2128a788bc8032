import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds browsers a previous run left behind on a profile (a gateway killed while its browser ran over a WebSocket,
/// which does not exit with it): Chromium will not open a profile another live process holds.
enum LeftoverBrowsers {
    /// The processes whose command line names `--user-data-dir=<directory>` (Linux: read from `/proc`).
    static func processes(using directory: String) -> [Int32] {
        let flag = "--user-data-dir=\(directory)"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let ownPID = getpid()
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != ownPID,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(flag) ? pid : nil
        }
    }

    /// Kills every process using `directory` (and its process group) and waits up to two seconds for them to go.
    static func stop(using directory: String) async {
        let pids = processes(using: directory)
        guard !pids.isEmpty else { return }
        for pid in pids {
            let group = getpgid(pid)
            if group > 1, group != getpgrp() { _ = kill(-group, SIGKILL) }
            _ = kill(pid, SIGKILL)
        }
        for _ in 0..<40 where !processes(using: directory).isEmpty {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
