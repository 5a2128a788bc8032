/// The inputs of the ``FingerprintGenerator`` for one instance.
///
/// The seed is the instance id plus the pairing ``generation``: the same request always yields the same
/// fingerprint, and bumping the generation on re-pairing yields a new one.
public struct FingerprintRequest: Sendable, Hashable {
    /// The instance the fingerprint belongs to (its 128 bits seed the choice).
    public var instanceID: InstanceID
    /// How many times the instance has been paired before (0 for the first link). Bump it on re-pairing only.
    public var generation: Int
    /// The real browser's version (from `Browser.getVersion`); the fingerprint claims exactly this major version.
    public var browserVersion: ChromiumVersion
    /// Which browser build the brand list names (default ``BrowserProduct/chromium``, what Debian ships).
    public var product: BrowserProduct
    /// The operating system to present; `nil` lets the seed choose (weighted Windows 70 %, macOS 20 %,
    /// Linux 10 %). Pass the host's real system where workers could reveal it.
    public var operatingSystem: BrowserOperatingSystem?
    /// ISO 3166-1 alpha-2 country the account lives in (decides the time zone). Must be a
    /// ``FingerprintRegion`` the generator knows.
    public var country: String?
    /// The account's own number: its region is used when ``country`` is not given.
    public var phone: PhoneNumber?
    /// The preferred locale (`pt-BR`, `de`, `en_GB`); `nil` picks one of the country's locales.
    public var locale: String?

    /// A request; only the instance and the real browser version are required.
    public init(
        instanceID: InstanceID, generation: Int = 0, browserVersion: ChromiumVersion,
        product: BrowserProduct = .chromium, operatingSystem: BrowserOperatingSystem? = nil,
        country: String? = nil, phone: PhoneNumber? = nil, locale: String? = nil
    ) {
        self.instanceID = instanceID
        self.generation = generation
        self.browserVersion = browserVersion
        self.product = product
        self.operatingSystem = operatingSystem
        self.country = country
        self.phone = phone
        self.locale = locale
    }

    /// The seed bytes: a domain tag, the instance id (big-endian) and the generation.
    var seedBytes: [UInt8] {
        var bytes = Array("wa.fingerprint.v1".utf8)
        for word in [instanceID.high, instanceID.low, UInt64(bitPattern: Int64(generation))] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return bytes
    }
}
