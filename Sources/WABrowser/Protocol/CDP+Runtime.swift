extension CDP {
    /// The `Runtime` domain: running JavaScript in the page and bindings from the page.
    public enum Runtime {
        /// `Runtime.enable`: needed for bindings and execution-context events.
        public struct Enable: CDPCommand {
            public static let method = "Runtime.enable"
            public typealias Response = CDPEmptyResponse
            public init() {}
        }

        /// `Runtime.addBinding`: a global function `name(string)` in the page whose calls arrive as
        /// `Runtime.bindingCalled`. It survives reloads.
        public struct AddBinding: CDPCommand {
            public static let method = "Runtime.addBinding"
            public typealias Response = CDPEmptyResponse
            public var name: String
            public var executionContextName: String?
            public init(name: String, executionContextName: String? = nil) {
                self.name = name
                self.executionContextName = executionContextName
            }
        }

        /// A JavaScript value as the protocol describes it.
        public struct RemoteObject: Decodable, Sendable {
            /// `object`, `function`, `undefined`, `string`, `number`, `boolean`, `symbol`, `bigint`.
            public var type: String
            public var subtype: String?
            public var className: String?
            /// Present when the value was returned by value; its JSON is decoded by the caller.
            public var description: String?
            /// `NaN`, `-0`, `Infinity`, `-Infinity` or a BigInt literal, which JSON cannot carry.
            public var unserializableValue: String?
            public var objectId: String?
        }

        /// Why an evaluation threw.
        public struct ExceptionDetails: Decodable, Sendable {
            public var text: String
            public var lineNumber: Int
            public var columnNumber: Int
            public var exception: RemoteObject?
        }

        /// `Runtime.evaluate` with the result returned by value. The result's `value` is decoded by
        /// ``Page/evaluate(_:as:awaitPromise:timeout:)``.
        public struct Evaluate: Encodable, Sendable {
            public static let method = "Runtime.evaluate"
            public var expression: String
            public var returnByValue: Bool
            public var awaitPromise: Bool
            public var userGesture: Bool?
            public var contextId: Int?
            public init(expression: String, returnByValue: Bool = true, awaitPromise: Bool = true,
                        userGesture: Bool? = nil, contextId: Int? = nil) {
                self.expression = expression
                self.returnByValue = returnByValue
                self.awaitPromise = awaitPromise
                self.userGesture = userGesture
                self.contextId = contextId
            }
        }

        /// `Runtime.releaseObject`: lets the page collect an object an evaluation returned by reference.
        public struct ReleaseObject: CDPCommand {
            public static let method = "Runtime.releaseObject"
            public typealias Response = CDPEmptyResponse
            public var objectId: String
            public init(objectId: String) { self.objectId = objectId }
        }

        /// `Runtime.callFunctionOn`: calls a function declaration with JSON arguments (no JavaScript is spliced).
        public struct CallFunctionOn: Encodable, Sendable {
            public static let method = "Runtime.callFunctionOn"
            public var functionDeclaration: String
            public var arguments: [CallArgument]
            public var objectId: String?
            public var executionContextId: Int?
            public var returnByValue: Bool
            public var awaitPromise: Bool
            public var userGesture: Bool?
            public init(functionDeclaration: String, arguments: [CallArgument] = [], objectId: String? = nil,
                        executionContextId: Int? = nil, returnByValue: Bool = true, awaitPromise: Bool = true,
                        userGesture: Bool? = nil) {
                self.functionDeclaration = functionDeclaration
                self.arguments = arguments
                self.objectId = objectId
                self.executionContextId = executionContextId
                self.returnByValue = returnByValue
                self.awaitPromise = awaitPromise
                self.userGesture = userGesture
            }

            private enum CodingKeys: String, CodingKey {
                case functionDeclaration, arguments, objectId, executionContextId, returnByValue, awaitPromise
                case userGesture
            }

            private struct WireArgument: Encodable {
                var value: AnyEncodableValue
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(functionDeclaration, forKey: .functionDeclaration)
                try container.encode(arguments.map { WireArgument(value: $0.value) }, forKey: .arguments)
                try container.encodeIfPresent(objectId, forKey: .objectId)
                try container.encodeIfPresent(executionContextId, forKey: .executionContextId)
                try container.encode(returnByValue, forKey: .returnByValue)
                try container.encode(awaitPromise, forKey: .awaitPromise)
                try container.encodeIfPresent(userGesture, forKey: .userGesture)
            }
        }

        /// One argument of ``CallFunctionOn`` (and of ``Page/callFunction(_:arguments:as:timeout:)``): any
        /// encodable value, passed as JSON.
        public struct CallArgument: Encodable, Sendable {
            /// The value itself, encoded as its JSON.
            public let value: AnyEncodableValue

            public init(_ value: some Encodable & Sendable) {
                self.value = AnyEncodableValue(value)
            }
        }

        /// An encodable value of any type, encoded as the value itself.
        public struct AnyEncodableValue: Encodable, Sendable {
            private let base: any Encodable & Sendable

            public init(_ base: some Encodable & Sendable) {
                self.base = base
            }

            public func encode(to encoder: any Encoder) throws {
                try base.encode(to: encoder)
            }
        }

        /// Parameters of `Runtime.bindingCalled`.
        public struct BindingCalled: Decodable, Sendable {
            public var name: String
            public var payload: String
            public var executionContextId: Int
        }
    }
}
