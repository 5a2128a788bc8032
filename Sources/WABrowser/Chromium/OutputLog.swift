import Synchronization

/// The last lines a child process printed (standard output and error together), kept for error messages: a
/// browser that fails to start or dies says why on its standard error.
public final class OutputLog: Sendable {
    /// How many lines are kept.
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var lines: [String] = []
        var next = 0
        var partial: [UInt8] = []
    }

    public init(capacity: Int = 1000) {
        precondition(capacity > 0, "an output log keeps at least one line")
        self.capacity = capacity
        state = Mutex(State())
    }

    /// The kept lines, oldest first.
    public var lines: [String] {
        state.withLock { state in
            state.lines.count < capacity
                ? state.lines : Array(state.lines[state.next...] + state.lines[..<state.next])
        }
    }

    /// Appends printed bytes; a line is kept once its newline arrives (or at ``finish()``).
    public func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        state.withLock { state in
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    Self.keep(&state, line: state.partial, capacity: capacity)
                    state.partial.removeAll(keepingCapacity: true)
                } else if state.partial.count < 4096 {
                    state.partial.append(byte)
                }
            }
        }
    }

    /// Keeps an unfinished last line.
    public func finish() {
        state.withLock { state in
            guard !state.partial.isEmpty else { return }
            Self.keep(&state, line: state.partial, capacity: capacity)
            state.partial = []
        }
    }

    private static func keep(_ state: inout State, line: [UInt8], capacity: Int) {
        var text = String(decoding: line, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if state.lines.count < capacity {
            state.lines.append(text)
        } else {
            state.lines[state.next] = text
            state.next = (state.next + 1) % capacity
        }
    }
}
