import CWASpawn
import Foundation
import WACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion and collects what it printed (standard output and error together).
///
/// Not Foundation's `Process`: on Linux that reports a child's exit only once every copy of a descriptor it
/// hands the child is closed, and `pg_ctl start` leaves the server running with that copy, so the exit of
/// `pg_ctl` would never be reported. The child gets no descriptor of ours (see `cwa_spawn`), and a dedicated
/// thread waits for it. The output goes to a temporary file rather than a pipe, so a chatty program can never
/// block on a full pipe, and a server it leaves behind holds nothing of ours.
struct ChildProcess: Sendable {
    var executable: String
    var arguments: [String]
    /// The working directory; programs run as another user need one they may enter.
    var currentDirectory: String

    /// The exit status (128 + the signal number when a signal ended it) and the output.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs the program and waits for it to exit without blocking a task's thread.
    func run() async throws(WAError) -> Outcome {
        let (pid, outputFile) = try spawn()
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let waiter = Thread { continuation.resume(returning: Self.waitForExit(pid)) }
            waiter.name = "wa-child-\(pid)"
            waiter.start()
        }
        return Outcome(status: status, output: Self.collect(outputFile))
    }

    /// Runs the program and blocks the calling thread until it exits: only for places that cannot suspend (an
    /// `atexit` handler).
    func runBlocking() throws(WAError) -> Outcome {
        let (pid, outputFile) = try spawn()
        return Outcome(status: Self.waitForExit(pid), output: Self.collect(outputFile))
    }

    private func spawn() throws(WAError) -> (pid_t, String) {
        let outputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-child-\(UUID().uuidString).log").path
        let output = open(outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw WAError(.internalError, "cannot create a temporary file to run \(executable): \(Self.errnoText(errno))")
        }
        defer { close(output) }  // the child has its own copy

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let error = cwa_spawn(executable, argv, environment, currentDirectory, output, &pid)
        guard error == 0 else {
            try? FileManager.default.removeItem(atPath: outputFile)
            throw WAError(.internalError, "cannot run \(executable): \(Self.errnoText(error))")
        }
        return (pid, outputFile)
    }

    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func collect(_ outputFile: String) -> String {
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        guard let data = FileManager.default.contents(atPath: outputFile) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
