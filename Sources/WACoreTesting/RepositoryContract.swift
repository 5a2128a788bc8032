public import WACore

/// The behaviour every ``WACore/Store`` must have, as a list of runnable cases.
///
/// Storage adapters run every case against their store; the memory store runs them too. With Swift Testing:
///
/// ```swift
/// @Test(arguments: RepositoryContract.cases)
/// func contract(_ contractCase: RepositoryContract.Case) async throws {
///     try await contractCase.run(on: MemoryStore())
/// }
/// ```
///
/// Cases create their own organizations with fresh identifiers and random slugs, so one store may be shared by all
/// cases (a PostgreSQL database need not be emptied between them). A failed expectation throws a
/// ``ContractViolation`` naming the case and what differed.
public enum RepositoryContract {
    /// One named behaviour, run against a store.
    public typealias Case = ContractCase<any Store>

    /// Every case of the contract.
    public static var cases: [Case] {
        crudCases + tenantIsolationCases + uniquenessCases + paginationCases + filterCases + transactionCases
            + concurrencyCases + jobQueueCases + leaseCases + instanceCases + secretRecordCases + eventLogCases
            + analyticsCases + purgeCases + memberCases
    }
}

/// A contract expectation that did not hold.
public struct ContractViolation: Error, CustomStringConvertible {
    public let message: String
    public let location: String

    public var description: String { "\(location): \(message)" }
}

/// Fails the running case unless `condition` holds.
func check(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) throws {
    if !condition { throw ContractViolation(message: message(), location: "\(file):\(line)") }
}

/// Fails the running case unless `body` throws a ``WAError`` with `code` (and, if given, `field`).
func checkThrows<R>(
    _ code: WAError.Code, field: String? = nil, _ what: String, file: StaticString = #fileID, line: UInt = #line,
    _ body: () async throws -> R
) async throws {
    do {
        _ = try await body()
    } catch let error as WAError {
        try check(error.code == code, "\(what): expected \(code), got \(error)", file: file, line: line)
        if let field {
            try check(error.field == field, "\(what): expected field \(field), got \(error)", file: file, line: line)
        }
        return
    }
    throw ContractViolation(message: "\(what): expected \(code), but nothing was thrown", location: "\(file):\(line)")
}
