/// The knobs of ``ProxyRotation``.
public struct ProxyRotationPolicy: Sendable, Hashable, Codable {
    /// Proxies whose health score is below this are not assigned. Default 0.2.
    public var minimumHealth: Double
    /// The weight of the newest observation in the health score's exponentially weighted moving average
    /// (0 < α ≤ 1): a success moves the score α of the way towards 1, a failure α of the way towards 0.
    /// Default 0.3.
    public var healthSmoothing: Double
    /// The cool-down after a failure of a fully healthy proxy. Default 60 s.
    public var coolDownBase: Duration
    /// The cool-down after a failure of a dead proxy. Default 30 min. In between, the cool-down grows with the
    /// square of the lost health: `base + (max − base) × (1 − health)²`.
    public var coolDownMax: Duration

    /// A policy; every parameter defaults to the value documented on its property.
    public init(
        minimumHealth: Double = 0.2, healthSmoothing: Double = 0.3, coolDownBase: Duration = .seconds(60),
        coolDownMax: Duration = .seconds(1_800)
    ) {
        self.minimumHealth = minimumHealth
        self.healthSmoothing = healthSmoothing
        self.coolDownBase = coolDownBase
        self.coolDownMax = coolDownMax
    }

    /// The defaults described on each property.
    public static let standard = ProxyRotationPolicy()
}
