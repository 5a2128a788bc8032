import CWASpawn
import Foundation
import Logging
public import NIOCore
public import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running Chromium started for DevTools over pipes: the browser process leads a process group of its own (so
/// its helpers can be stopped with it), its output is drained into an ``OutputLog``, and its exit is reaped.
public final class ChromiumProcess: Sendable {
    /// The browser's process id, which is also its process group's id.
    public let pid: Int32
    /// What the browser printed lately.
    public let output: OutputLog
    private let exit: Task<Int32, Never>
    private let outputChannel: (any Channel)?

    /// Starts `executable` with `arguments`; with `devToolsPipe`, a pair of new pipes becomes the browser's fds 3
    /// and 4.
    ///
    /// - Returns: the process and, with `devToolsPipe`, the descriptors for a ``PipeTransport`` (`input` reads what
    ///   the browser writes on fd 4, `output` writes to its fd 3), which the caller owns; else -1 for both.
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], devToolsPipe: Bool = true,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> (process: ChromiumProcess, input: CInt, output: CInt) {
        let commands = try Pipe()  // we write, the browser reads (its fd 3)
        let answers = try Pipe()  // the browser writes (its fd 4), we read
        let printed = try Pipe()  // its standard output and error
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let from: [CInt] = devToolsPipe
            ? [printed.write, printed.write, commands.read, answers.write] : [printed.write, printed.write]
        let to: [CInt] = devToolsPipe ? [1, 2, 3, 4] : [1, 2]
        var pid: pid_t = 0
        let error = cwa_spawn_mapped(executable, argv, envp, "/", from, to, CInt(from.count), 1, &pid)
        close(commands.read)
        close(answers.write)
        close(printed.write)
        guard error == 0 else {
            close(commands.write)
            close(answers.read)
            close(printed.read)
            throw CDPError.launch("cannot run \(executable): \(String(cString: strerror(error)))", recentOutput: [])
        }
        let log = OutputLog()
        let outputChannel = try? await NIOPipeBootstrap(group: eventLoopGroup)
            .takingOwnershipOfDescriptor(input: printed.read) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OutputDrain(log))
                    return channel
                }
            }
        if outputChannel == nil { close(printed.read) }
        let process = ChromiumProcess(pid: pid, output: log, outputChannel: outputChannel)
        guard devToolsPipe else {
            close(answers.read)
            close(commands.write)
            return (process, -1, -1)
        }
        return (process, answers.read, commands.write)
    }

    private init(pid: pid_t, output: OutputLog, outputChannel: (any Channel)?) {
        self.pid = pid
        self.output = output
        self.outputChannel = outputChannel
        exit = Task.detached {
            await withCheckedContinuation { continuation in
                let waiter = Thread { continuation.resume(returning: Self.waitForExit(pid)) }
                waiter.name = "wa-chromium-\(pid)"
                waiter.start()
            }
        }
    }

    /// Waits until the browser process has exited and returns its status (128 + the signal when a signal ended it).
    public func waitForExit() async -> Int32 {
        await exit.value
    }

    /// Waits up to `timeout` for the browser to exit; nil if it is still running then.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let exit = exit
        let outcome = ResumeOnce<Int32?>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            outcome.state.withLock { $0 = continuation }
            // Whichever comes first resumes the continuation; the other finds it taken.
            let waiting = Task {
                let status = await exit.value
                outcome.state.withLock { $0.take() }?.resume(returning: status)
            }
            Task {
                try? await Task.sleep(for: timeout)
                if let continuation = outcome.state.withLock({ $0.take() }) {
                    waiting.cancel()
                    continuation.resume(returning: nil)
                }
            }
        }
    }

    /// Sends SIGKILL to the browser's whole process group (the browser and every helper it started). Harmless once
    /// they are gone.
    public func killProcessGroup() {
        _ = kill(-pid, SIGKILL)
    }

    /// The processes running with `--user-data-dir=<directory>` on their command line: browsers (and their helpers)
    /// using that profile. Empty on systems without `/proc`.
    public static func processes(usingProfile directory: String) -> [Int32] {
        LeftoverBrowsers.processes(using: directory)
    }

    /// Stops draining the output (after the process exited).
    func closeOutput() async {
        output.finish()
        try? await outputChannel?.close()
    }

    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// A pipe whose two ends are moved to descriptors 10 and up with close-on-exec set: the child gets only the copies
/// `cwa_spawn_mapped` makes, and no source descriptor can be 3 or 4 (which the mapping overwrites).
private struct Pipe {
    var read: CInt
    var write: CInt

    init() throws {
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw CDPError.launch("cannot create a pipe: \(String(cString: strerror(errno)))", recentOutput: [])
        }
        read = Self.high(ends[0])
        write = Self.high(ends[1])
        guard read >= 0, write >= 0 else {
            throw CDPError.launch("cannot move a pipe: \(String(cString: strerror(errno)))", recentOutput: [])
        }
    }

    private static func high(_ descriptor: CInt) -> CInt {
        let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 10)
        close(descriptor)
        return moved
    }
}

/// A continuation that the first of several racing tasks takes and resumes.
private final class ResumeOnce<Value: Sendable>: Sendable {
    let state = Mutex<CheckedContinuation<Value, Never>?>(nil)
}

/// Appends everything read to an ``OutputLog``.
private final class OutputDrain: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let log: OutputLog

    init(_ log: OutputLog) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        log.append(unwrapInboundIn(data).readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
