import Foundation

/// A web site served from a local directory at its real origin, with every other request failed: WhatsApp Web's
/// offline mode.
///
/// Give it to ``RequestInterception`` (or ``Page/serveOffline(_:)``) and the page believes it loaded
/// `https://web.whatsapp.com/` (same origin, so `localStorage` and IndexedDB persist in the profile as they would),
/// while nothing leaves the machine: requests to any other origin fail as `InternetDisconnected`. Users test their
/// own code against a page of their own this way, without a phone or the internet; the repository's WhatsApp Web
/// fixture is served like this.
public struct OfflineSite: Sendable, Equatable {
    /// The directory whose files are served; `/` is its `index.html`.
    public var directory: String
    /// The origin the files are served at, without a trailing slash.
    public var origin: String

    public init(directory: String, origin: String = "https://web.whatsapp.com") {
        self.directory = directory
        self.origin = origin.hasSuffix("/") ? String(origin.dropLast()) : origin
    }

    /// The answer to `request`: the file for a path at ``origin`` (404 when there is none), a failure for anything
    /// else.
    public func decide(_ request: InterceptedRequest) -> RequestDecision {
        guard let path = path(of: request.url) else { return .fail(reason: "InternetDisconnected") }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let relative = path == "/" || path.isEmpty ? "index.html" : String(path.dropFirst())
        let file = URL(fileURLWithPath: root).appendingPathComponent(relative).standardizedFileURL.path
        guard file.hasPrefix(root + "/"), let body = FileManager.default.contents(atPath: file) else {
            return .fulfill(status: 404, headers: [.init(name: "Content-Type", value: "text/plain")], body: Array("not found".utf8))
        }
        return .fulfill(
            status: 200,
            headers: [
                .init(name: "Content-Type", value: Self.contentType(of: file)),
                .init(name: "Cache-Control", value: "no-store"),
            ],
            body: Array(body))
    }

    /// The path of `url` when it is at ``origin``, without query or fragment.
    private func path(of url: String) -> String? {
        guard url == origin || url.hasPrefix(origin + "/") || url.hasPrefix(origin + "?") else { return nil }
        var rest = url.dropFirst(origin.count)
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        let path = String(rest)
        return path.removingPercentEncoding ?? path
    }

    static func contentType(of file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "wasm": "application/wasm"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

extension Page {
    /// Serves `site` to this page (and fails every other request) until the returned interception is stopped.
    public func serveOffline(_ site: OfflineSite) async throws -> RequestInterception {
        try await RequestInterception.start(on: self) { request in site.decide(request) }
    }
}
