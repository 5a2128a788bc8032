import HTTPTypes
import WACore

/// An error whose response carries headers of its own besides the problem details' (a refused request's
/// `RateLimit-*`). ``ProblemMiddleware`` answers it like `error` and adds `headers`.
struct ProblemWithHeaders: Error {
    var error: WAError
    var headers: HTTPFields
}
