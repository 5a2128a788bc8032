/// A country as the fingerprint generator knows it: the locales its people use and the IANA time zones they live
/// in, with weights. Time zones belong to exactly one region, so a fingerprint's time zone names its country.
public struct FingerprintRegion: Sendable, Hashable {
    /// ISO 3166-1 alpha-2 code (`BR`).
    public let code: String
    /// BCP 47 locales in use, most common first (`["pt-BR"]`, `["de-CH", "fr-CH", "it-CH"]`).
    public let locales: [String]
    /// IANA time zones with relative weights (roughly by population).
    public let timeZones: [TimeZoneWeight]

    /// A time zone and how often it is chosen.
    public struct TimeZoneWeight: Sendable, Hashable {
        public let identifier: String
        public let weight: Int
    }

    init(_ code: String, _ locales: [String], _ zones: [(String, Int)]) {
        self.code = code
        self.locales = locales
        self.timeZones = zones.map { TimeZoneWeight(identifier: $0.0, weight: $0.1) }
    }

    /// The primary languages spoken (`["de", "fr", "it"]` for `CH`).
    public var languages: [String] {
        var seen: [String] = []
        for locale in locales {
            let language = FingerprintRegion.language(of: locale)
            if !seen.contains(language) { seen.append(language) }
        }
        return seen
    }

    /// Whether a person using `locale` plausibly lives here: the locale names this country, or its language is
    /// spoken here, or it is English (the browser language of choice almost everywhere).
    public func accepts(locale: String) -> Bool {
        let language = FingerprintRegion.language(of: locale)
        return FingerprintRegion.region(of: locale) == code || languages.contains(language) || language == "en"
    }

    /// The region with this ISO code (case-insensitive), if the generator knows it.
    public static func named(_ code: String) -> FingerprintRegion? {
        let upper = code.uppercased()
        return all.first { $0.code == upper }
    }

    /// The region a time zone belongs to.
    public static func owning(timeZone: String) -> FingerprintRegion? {
        all.first { region in region.timeZones.contains { $0.identifier == timeZone } }
    }

    /// The language subtag of a locale (`pt` for `pt-BR`).
    public static func language(of locale: String) -> String {
        String(locale.split(separator: "-").first ?? Substring(locale)).lowercased()
    }

    /// The region subtag of a locale (`BR` for `pt-BR`), if it has one.
    public static func region(of locale: String) -> String? {
        let parts = locale.split(separator: "-")
        guard parts.count >= 2, let last = parts.last, last.count == 2 else { return nil }
        return last.uppercased()
    }

    /// Every region the generator knows.
    public static let all: [FingerprintRegion] = [
        FingerprintRegion(
            "BR", ["pt-BR"],
            [
                ("America/Sao_Paulo", 70), ("America/Bahia", 6), ("America/Fortaleza", 6), ("America/Recife", 5),
                ("America/Manaus", 4), ("America/Belem", 4), ("America/Cuiaba", 2), ("America/Campo_Grande", 2),
                ("America/Porto_Velho", 1),
            ]),
        FingerprintRegion(
            "US", ["en-US", "es-US"],
            [
                ("America/New_York", 45), ("America/Chicago", 28), ("America/Denver", 6), ("America/Phoenix", 3),
                ("America/Los_Angeles", 16), ("America/Anchorage", 1), ("Pacific/Honolulu", 1),
            ]),
        FingerprintRegion(
            "MX", ["es-MX"],
            [
                ("America/Mexico_City", 80), ("America/Monterrey", 8), ("America/Tijuana", 6),
                ("America/Cancun", 3), ("America/Hermosillo", 3),
            ]),
        FingerprintRegion(
            "AR", ["es-AR"], [("America/Argentina/Buenos_Aires", 85), ("America/Argentina/Cordoba", 15)]),
        FingerprintRegion("CO", ["es-CO"], [("America/Bogota", 1)]),
        FingerprintRegion("CL", ["es-CL"], [("America/Santiago", 1)]),
        FingerprintRegion("PE", ["es-PE"], [("America/Lima", 1)]),
        FingerprintRegion("VE", ["es-VE"], [("America/Caracas", 1)]),
        FingerprintRegion(
            "CA", ["en-CA", "fr-CA"],
            [
                ("America/Toronto", 55), ("America/Vancouver", 15), ("America/Edmonton", 12),
                ("America/Winnipeg", 5), ("America/Halifax", 5), ("America/Regina", 3), ("America/St_Johns", 2),
            ]),
        FingerprintRegion("ES", ["es-ES", "ca-ES"], [("Europe/Madrid", 95), ("Atlantic/Canary", 5)]),
        FingerprintRegion("PT", ["pt-PT"], [("Europe/Lisbon", 1)]),
        FingerprintRegion("GB", ["en-GB"], [("Europe/London", 1)]),
        FingerprintRegion("IE", ["en-IE"], [("Europe/Dublin", 1)]),
        FingerprintRegion("DE", ["de-DE"], [("Europe/Berlin", 1)]),
        FingerprintRegion("AT", ["de-AT"], [("Europe/Vienna", 1)]),
        FingerprintRegion("CH", ["de-CH", "fr-CH", "it-CH"], [("Europe/Zurich", 1)]),
        FingerprintRegion("FR", ["fr-FR"], [("Europe/Paris", 1)]),
        FingerprintRegion("BE", ["nl-BE", "fr-BE"], [("Europe/Brussels", 1)]),
        FingerprintRegion("NL", ["nl-NL"], [("Europe/Amsterdam", 1)]),
        FingerprintRegion("IT", ["it-IT"], [("Europe/Rome", 1)]),
        FingerprintRegion("PL", ["pl-PL"], [("Europe/Warsaw", 1)]),
        FingerprintRegion(
            "RU", ["ru-RU"],
            [
                ("Europe/Moscow", 70), ("Asia/Yekaterinburg", 10), ("Asia/Novosibirsk", 8), ("Europe/Samara", 6),
                ("Asia/Vladivostok", 6),
            ]),
        FingerprintRegion("UA", ["uk-UA", "ru-UA"], [("Europe/Kyiv", 1)]),
        FingerprintRegion("TR", ["tr-TR"], [("Europe/Istanbul", 1)]),
        FingerprintRegion("IL", ["he-IL"], [("Asia/Jerusalem", 1)]),
        FingerprintRegion("SA", ["ar-SA"], [("Asia/Riyadh", 1)]),
        FingerprintRegion("AE", ["ar-AE", "en-AE"], [("Asia/Dubai", 1)]),
        FingerprintRegion("EG", ["ar-EG"], [("Africa/Cairo", 1)]),
        FingerprintRegion("NG", ["en-NG"], [("Africa/Lagos", 1)]),
        FingerprintRegion("ZA", ["en-ZA", "af-ZA"], [("Africa/Johannesburg", 1)]),
        FingerprintRegion("KE", ["en-KE", "sw-KE"], [("Africa/Nairobi", 1)]),
        FingerprintRegion("IN", ["en-IN", "hi-IN"], [("Asia/Kolkata", 1)]),
        FingerprintRegion("PK", ["en-PK", "ur-PK"], [("Asia/Karachi", 1)]),
        FingerprintRegion(
            "ID", ["id-ID"], [("Asia/Jakarta", 70), ("Asia/Makassar", 20), ("Asia/Jayapura", 10)]),
        FingerprintRegion("MY", ["ms-MY", "en-MY"], [("Asia/Kuala_Lumpur", 1)]),
        FingerprintRegion("SG", ["en-SG", "zh-SG"], [("Asia/Singapore", 1)]),
        FingerprintRegion("PH", ["en-PH", "fil-PH"], [("Asia/Manila", 1)]),
        FingerprintRegion(
            "AU", ["en-AU"],
            [
                ("Australia/Sydney", 40), ("Australia/Melbourne", 30), ("Australia/Brisbane", 15),
                ("Australia/Perth", 10), ("Australia/Adelaide", 5),
            ]),
        FingerprintRegion("NZ", ["en-NZ"], [("Pacific/Auckland", 1)]),
    ]
}
