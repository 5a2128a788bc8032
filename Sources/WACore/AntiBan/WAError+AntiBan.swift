extension WAError.Code {
    /// A browser fingerprint whose parts contradict each other (see ``FingerprintValidator``).
    public static let inconsistentFingerprint: WAError.Code = "inconsistent_fingerprint"
}
