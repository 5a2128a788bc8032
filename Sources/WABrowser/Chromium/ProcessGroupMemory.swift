import Foundation

/// How much memory a process group uses, from Linux's `/proc`: what the memory watchdog of a WhatsApp Web session
/// measures (a browser leads a process group of its own, with its renderers, GPU and utility processes in it).
public enum ProcessGroupMemory {
    /// The proportional set size (PSS) of every process in process group `group`, in bytes: each process's private
    /// memory plus its share of the memory it shares with others, so that the sum over a browser's processes counts
    /// shared libraries once. Read from `/proc/<pid>/smaps_rollup`; a process that ended while being read counts
    /// nothing. `nil` when `/proc` tells nothing about the group (not Linux, or no process left in it).
    public static func proportionalSetSize(ofGroup group: Int32) -> Int64? {
        let members = processes(inGroup: group)
        guard !members.isEmpty else { return nil }
        var total: Int64 = 0
        var measured = false
        for pid in members {
            guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else {
                continue
            }
            for line in rollup.split(separator: "\n") where line.hasPrefix("Pss:") {
                // `Pss:              123456 kB`
                guard let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Int64($0) }) else { continue }
                total += kibibytes * 1024
                measured = true
            }
        }
        return measured ? total : nil
    }

    /// The processes whose process group is `group` (field 5 of `/proc/<pid>/stat`).
    static func processes(inGroup group: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After the command in parentheses: state, parent, process group, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == group else { return nil }
            return pid
        }
    }
}
