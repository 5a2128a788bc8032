import Foundation
import NIOCore

/// One page (tab) of a ``Browser``, through its flat DevTools session.
///
/// Values cross as JSON: ``evaluate(_:as:awaitPromise:timeout:)`` and ``callFunction(_:arguments:as:timeout:)``
/// return the script's result decoded as a `Decodable` type, and throw ``CDPError/evaluation(message:line:column:)``
/// when the script throws or its promise rejects.
public struct Page: Sendable {
    public let connection: CDPConnection
    public let session: CDPSessionID
    public let targetID: String

    public init(connection: CDPConnection, session: CDPSessionID, targetID: String) {
        self.connection = connection
        self.session = session
        self.targetID = targetID
    }

    /// Sends a typed command to this page.
    public func send<Command: CDPCommand>(_ command: Command, timeout: Duration? = nil) async throws -> Command.Response {
        try await connection.send(command, session: session, timeout: timeout)
    }

    /// This page's events (all, or only `methods`), from now on.
    public func events(_ methods: Set<String>? = nil) async -> AsyncStream<CDPEvent> {
        await connection.events(session: session, methods: methods)
    }

    /// `Page.enable`, `Runtime.enable` (bindings need it) and lifecycle events, all at once.
    func enableEvents() async throws {
        async let page = send(CDP.Page.Enable())
        async let runtime = send(CDP.Runtime.Enable())
        async let lifecycle = send(CDP.Page.SetLifecycleEventsEnabled(enabled: true))
        _ = try await (page, runtime, lifecycle)
    }

    // MARK: Navigation

    /// A load milestone of the main frame.
    public enum LoadMilestone: String, Sendable {
        case domContentLoaded = "DOMContentLoaded"
        case load
        /// No more than two network connections for 500 ms.
        case networkAlmostIdle
        /// No network connection for 500 ms.
        case networkIdle
    }

    /// Navigates the main frame to `url` and waits for `milestone` of the new document.
    ///
    /// - Throws: ``CDPError/navigation(errorText:url:)`` when no document could be loaded (`net::ERR_…`),
    ///   ``CDPError/timeout(method:after:)`` when the milestone does not come within `timeout`.
    public func navigate(
        to url: String, waitUntil milestone: LoadMilestone = .load, timeout: Duration = .seconds(30)
    ) async throws {
        let lifecycle = await events(["Page.lifecycleEvent"])
        let answer = try await send(CDP.Page.Navigate(url: url), timeout: timeout)
        if let errorText = answer.errorText, !errorText.isEmpty {
            throw CDPError.navigation(errorText: errorText, url: url)
        }
        guard let loader = answer.loaderId else { return }  // within the same document
        let frame = answer.frameId
        let session = session
        try await withDeadline(timeout, waitingFor: "\(milestone.rawValue) of \(url)") {
            for await event in lifecycle {
                guard let step = try? event.decode(CDP.Page.LifecycleEvent.self) else { continue }
                if step.frameId == frame, step.loaderId == loader, step.name == milestone.rawValue { return }
            }
            throw CDPError.targetClosed(session)
        }
    }

    /// Reloads the page and waits for `milestone`.
    public func reload(waitUntil milestone: LoadMilestone = .load, timeout: Duration = .seconds(30)) async throws {
        let lifecycle = await events(["Page.lifecycleEvent"])
        _ = try await send(CDP.Page.Reload(), timeout: timeout)
        let session = session
        try await withDeadline(timeout, waitingFor: "\(milestone.rawValue) after a reload") {
            for await event in lifecycle {
                guard let step = try? event.decode(CDP.Page.LifecycleEvent.self) else { continue }
                if step.name == milestone.rawValue { return }
            }
            throw CDPError.targetClosed(session)
        }
    }

    // MARK: Scripts

    /// Evaluates `expression` in the page's main world and returns its value (awaited if it is a promise).
    ///
    /// `undefined` and `null` decode as nil for an optional `Value`; top-level `NaN` and infinities cannot be
    /// returned as JSON and fail to decode.
    public func evaluate<Value: Decodable & Sendable>(
        _ expression: String, as _: Value.Type = Value.self, awaitPromise: Bool = true, timeout: Duration? = nil
    ) async throws -> Value {
        let outcome = try await connection.send(
            method: CDP.Runtime.Evaluate.method,
            params: CDP.Runtime.Evaluate(expression: expression, awaitPromise: awaitPromise),
            session: session, timeout: timeout, as: EvaluationOutcome<Value>.self)
        return try outcome.value(method: CDP.Runtime.Evaluate.method)
    }

    /// Evaluates `expression` (statements are fine) for its effect, ignoring its value; throws if it throws.
    public func run(_ expression: String, awaitPromise: Bool = true, timeout: Duration? = nil) async throws {
        let outcome = try await connection.send(
            method: CDP.Runtime.Evaluate.method,
            params: CDP.Runtime.Evaluate(expression: expression, returnByValue: false, awaitPromise: awaitPromise),
            session: session, timeout: timeout, as: EvaluationOutcome<Ignored?>.self)
        _ = try outcome.value(method: CDP.Runtime.Evaluate.method)
    }

    /// Calls `declaration` (a JavaScript function, e.g. `(a, b) => a + b`) with `arguments` and returns its value.
    ///
    /// The arguments travel as JSON (a JSON text is a JavaScript expression), so no value is ever spliced into
    /// code as text.
    public func callFunction<Value: Decodable & Sendable>(
        _ declaration: String, arguments: [CDP.Runtime.CallArgument] = [], as _: Value.Type = Value.self,
        timeout: Duration? = nil
    ) async throws -> Value {
        let encoded: Data
        do {
            encoded = try JSONEncoder().encode(arguments.map(\.value))
        } catch {
            throw CDPError.malformedResponse(method: CDP.Runtime.Evaluate.method, detail: "cannot encode the arguments: \(error)")
        }
        let expression = "(\(declaration))(...\(String(decoding: encoded, as: UTF8.self)))"
        return try await evaluate(expression, as: Value.self, timeout: timeout)
    }

    /// Runs `source` in every new document of this page before the page's own scripts (and, with
    /// `runImmediately`, in the current one). Returns the identifier that removes it.
    @discardableResult
    public func addInitScript(_ source: String, runImmediately: Bool = false) async throws -> String {
        try await send(CDP.Page.AddScriptToEvaluateOnNewDocument(source: source, runImmediately: runImmediately))
            .identifier
    }

    /// Adds a global function `name(payload: string)` to the page (and every later document of it) and returns the
    /// payloads it is called with, in order. The stream ends when the page goes away.
    public func exposeBinding(_ name: String) async throws -> AsyncStream<String> {
        let calls = await events(["Runtime.bindingCalled"])
        _ = try await send(CDP.Runtime.AddBinding(name: name))
        let (payloads, continuation) = AsyncStream.makeStream(of: String.self)
        let forwarding = Task {
            for await event in calls {
                guard let call = try? event.decode(CDP.Runtime.BindingCalled.self), call.name == name else { continue }
                continuation.yield(call.payload)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in forwarding.cancel() }
        return payloads
    }

    // MARK: Capture

    /// A PNG of the viewport, or of `clip` (CSS pixels, at scale 1 unless given).
    public func screenshotPNG(clip: CDP.Page.Viewport? = nil) async throws -> [UInt8] {
        let answer = try await send(CDP.Page.CaptureScreenshot(format: "png", clip: clip))
        guard let bytes = Data(base64Encoded: answer.data) else {
            throw CDPError.malformedResponse(method: CDP.Page.CaptureScreenshot.method, detail: "the image is not base64")
        }
        return Array(bytes)
    }

    // MARK: Emulation

    /// Overrides the user agent, client hints and `navigator.platform` for this page.
    public func setUserAgent(
        _ userAgent: String, acceptLanguage: String? = nil, platform: String? = nil,
        metadata: CDP.Emulation.UserAgentMetadata? = nil
    ) async throws {
        _ = try await send(CDP.Emulation.SetUserAgentOverride(
            userAgent: userAgent, acceptLanguage: acceptLanguage, platform: platform, userAgentMetadata: metadata))
    }

    /// Makes the page see `timeZone` (IANA) and `locale` (ICU) in `Date` and `Intl`.
    public func emulate(timeZone: String? = nil, locale: String? = nil) async throws {
        if let timeZone { _ = try await send(CDP.Emulation.SetTimezoneOverride(timezoneId: timeZone)) }
        if let locale { _ = try await send(CDP.Emulation.SetLocaleOverride(locale: locale)) }
    }

    // MARK: Lifetime

    /// Crashes the page's renderer (`Page.crash`), for testing recovery: the session then reports
    /// ``CDPError/targetCrashed(_:)``.
    public func crash() async throws {
        try await connection.post(method: CDP.Page.crashMethod, params: CDPNoParameters(), session: session)
    }

    /// Closes the page (`Target.closeTarget`).
    public func close() async throws {
        _ = try await connection.send(CDP.Target.CloseTarget(targetId: targetID))
    }
}

/// What `Runtime.evaluate` and `Runtime.callFunctionOn` answer: a value, or the exception that replaced it.
private struct EvaluationOutcome<Value: Decodable & Sendable>: Decodable, Sendable {
    var exception: CDP.Runtime.ExceptionDetails?
    var result: Value?
    var type: String?

    private enum CodingKeys: String, CodingKey { case result, exceptionDetails }
    private enum ResultKeys: String, CodingKey { case type, value, unserializableValue }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        exception = try container.decodeIfPresent(CDP.Runtime.ExceptionDetails.self, forKey: .exceptionDetails)
        guard exception == nil else { return }
        let remote = try container.nestedContainer(keyedBy: ResultKeys.self, forKey: .result)
        type = try remote.decodeIfPresent(String.self, forKey: .type)
        result = try remote.decodeIfPresent(Value.self, forKey: .value)
    }

    func value(method: String) throws -> Value {
        if let exception {
            let message = exception.exception?.description ?? exception.text
            throw CDPError.evaluation(message: message, line: exception.lineNumber, column: exception.columnNumber)
        }
        if let result { return result }
        // undefined (no value) or null: fine for an optional Value.
        if let none = try? JSONDecoder().decode(Value.self, from: Data("null".utf8)) { return none }
        throw CDPError.malformedResponse(method: method, detail: "the script returned \(type ?? "nothing"), not a value")
    }
}

/// Any JSON value, thrown away.
private struct Ignored: Decodable, Sendable {
    init(from decoder: any Decoder) throws {}
}
