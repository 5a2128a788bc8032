/// Why a DevTools call, or the connection it went over, failed.
public enum CDPError: Error, Sendable, Equatable {
    /// The browser answered the call with an error object (`-32601` unknown method, `-32602` invalid parameters,
    /// `-32000` server error, …).
    case protocolError(method: String, code: Int, message: String, data: String?)
    /// The target behind the session was closed or detached (or the browser said it does not know the session,
    /// `-32001`): the call will never be answered.
    case targetClosed(CDPSessionID)
    /// The target's renderer crashed (`Inspector.targetCrashed`): calls on the session are not answered any more.
    case targetCrashed(CDPSessionID)
    /// The connection to the browser ended (end of file, a read or write error, `close()`), with the last lines
    /// the browser printed when they are known.
    case connectionClosed(reason: String, recentOutput: [String])
    /// No answer within the call's timeout.
    case timeout(method: String, after: Duration)
    /// A page script threw (or a promise it returned rejected); `message` is the exception's description.
    case evaluation(message: String, line: Int?, column: Int?)
    /// A navigation failed before a document loaded (`net::ERR_…`).
    case navigation(errorText: String, url: String)
    /// The browser could not be started, with the last lines it printed.
    case launch(String, recentOutput: [String])
    /// A message from the browser could not be decoded as the answer expected.
    case malformedResponse(method: String, detail: String)
}

extension CDPError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .protocolError(let method, let code, let message, let data):
            "\(method) failed: \(message) (\(code))" + (data.map { ": \($0)" } ?? "")
        case .targetClosed(let session):
            "the target of session \(session.rawValue) was closed"
        case .targetCrashed(let session):
            "the target of session \(session.rawValue) crashed"
        case .connectionClosed(let reason, let output):
            "the connection to the browser closed: \(reason)" + Self.tail(output)
        case .timeout(let method, let after):
            "\(method) got no answer within \(after)"
        case .evaluation(let message, let line, let column):
            "the page script threw: \(message)" + (line.map { " (line \($0 + 1), column \((column ?? 0) + 1))" } ?? "")
        case .navigation(let errorText, let url):
            "\(errorText) at \(url)"
        case .launch(let message, let output):
            "cannot start the browser: \(message)" + Self.tail(output)
        case .malformedResponse(let method, let detail):
            "\(method): the browser's answer could not be decoded: \(detail)"
        }
    }

    private static func tail(_ lines: [String]) -> String {
        lines.isEmpty ? "" : "\nthe browser's last output:\n" + lines.suffix(20).joined(separator: "\n")
    }
}
