/// Ratios derived from ``MessageCounts``, each in 0…1 for consistent input.
///
/// Denominators (a rate is `nil`, never 0 or NaN, when its denominator is 0 — "no data", not "0 %"):
///
/// | rate | numerator | denominator |
/// |---|---|---|
/// | ``deliveryRate`` | delivered | sent (acknowledged by the server) |
/// | ``readRate`` | read | delivered (a message must reach the device to be read) |
/// | ``replyRate`` | replied | sent |
/// | ``failureRate`` | failed | attempted = sent + failed (attempts with an outcome; queued/pending excluded) |
///
/// Read receipts can be switched off by recipients, so ``readRate`` is a lower bound of the true read rate.
public struct MessageRates: Sendable, Hashable, Codable {
    /// delivered / sent.
    public var deliveryRate: Double?
    /// read / delivered.
    public var readRate: Double?
    /// replied / sent.
    public var replyRate: Double?
    /// failed / (sent + failed).
    public var failureRate: Double?

    /// Rates with the given values.
    public init(deliveryRate: Double?, readRate: Double?, replyRate: Double?, failureRate: Double?) {
        self.deliveryRate = deliveryRate
        self.readRate = readRate
        self.replyRate = replyRate
        self.failureRate = failureRate
    }

    /// The rates of `counts`.
    public init(_ counts: MessageCounts) {
        deliveryRate = MessageRates.ratio(counts.delivered, counts.sent)
        readRate = MessageRates.ratio(counts.read, counts.delivered)
        replyRate = MessageRates.ratio(counts.replied, counts.sent)
        failureRate = MessageRates.ratio(counts.failed, counts.attempted)
    }

    /// `numerator / denominator`, or `nil` when `denominator` is not positive.
    public static func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator > 0 ? Double(numerator) / Double(denominator) : nil
    }
}
