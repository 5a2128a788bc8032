import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension FileHandle {
    /// Everything until end of file, reading again when a signal interrupts a read.
    ///
    /// Foundation's `readDataToEndOfFile()` traps on `EINTR` on Linux, and tests that run subprocesses in parallel
    /// get interrupted reads whenever another test's child exits (`SIGCHLD`); one such trap ended a whole test run.
    func readAllRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1_024)
        while true {
            let count = buffer.withUnsafeMutableBytes { posixRead(fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}

/// POSIX `read(2)` (inside `FileHandle`, `read` names its own method).
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
