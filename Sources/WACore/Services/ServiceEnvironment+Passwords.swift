extension ServiceEnvironment {
    /// ``PasswordHasher/hash(_:)`` of the environment's hasher, run on ``blockingWork``.
    func hashPassword(_ password: String) async throws -> String {
        let hasher = passwordHasher
        let result: Result<String, WAError> = try await blockingWork.run {
            do throws(WAError) { return .success(try hasher.hash(password)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// ``PasswordHasher/verify(_:against:)`` of the environment's hasher, run on ``blockingWork``.
    func verifyPassword(_ password: String, against hash: String) async throws -> Bool {
        let hasher = passwordHasher
        return try await blockingWork.run { hasher.verify(password, against: hash) }
    }
}
