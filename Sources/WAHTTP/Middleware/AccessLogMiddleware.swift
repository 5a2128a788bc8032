import Hummingbird
import Logging

/// Logs one line per request at `info` once its response head is ready: request id, method, route (the pattern,
/// `/v1/instances/{instance_id}`, never the concrete path with ids), status, latency in milliseconds, client
/// address and, for authenticated requests, the organization and the credential's kind and id. Never a header, a
/// query string, a body or a credential. With the executable's JSON log handler each line is one JSON object.
///
/// Add it outside the middleware that turns errors into responses, so that failures are logged with the status
/// the client saw. The latency of a streamed response (an export, live events) is the time to its head.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "request_id": "\(context.id)",
            "method": "\(request.method.rawValue)",
            "route": "\(context.endpointPath ?? "unmatched")",
            "status": "\(response.status.code)",
            "duration_ms": "\(Self.milliseconds(elapsed))",
        ]
        if let info = RequestInfo.current {
            if let address = info.clientAddress { metadata["client"] = "\(address)" }
            for (key, value) in info.caller.logMetadata { metadata[key] = "\(value)" }
        }
        logger.info("request", metadata: metadata)
        return response
    }

    /// `elapsed` in milliseconds with one decimal.
    static func milliseconds(_ elapsed: Duration) -> String {
        let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
