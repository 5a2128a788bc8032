import WACore

/// A ``WACore/JSONValue`` as `Codable` JSON that keeps what `jsonb` would lose: the order of an object's members
/// (`jsonb` sorts keys, but `JSONValue` objects are ordered and compare so) and the difference between an integer
/// and a floating-point number. Each value is an object with a one-letter tag: `{"n":null}`, `{"b":true}`,
/// `{"i":3}`, `{"d":1.5}`, `{"s":"…"}`, `{"a":[…]}`, and `{"o":[["key", …], …]}` for objects, members in order.
struct StoredJSONValue: Codable, Sendable {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

    private enum Tag: String, CodingKey {
        case n, b, i, d, s, a, o
    }

    private struct Member: Codable {
        let key: String
        let value: StoredJSONValue

        init(key: String, value: StoredJSONValue) {
            self.key = key
            self.value = value
        }

        init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            key = try pair.decode(String.self)
            value = try pair.decode(StoredJSONValue.self)
        }

        func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(key)
            try pair.encode(value)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch value {
        case .null: try container.encodeNil(forKey: .n)
        case .bool(let value): try container.encode(value, forKey: .b)
        case .integer(let value): try container.encode(value, forKey: .i)
        case .number(let value): try container.encode(value, forKey: .d)
        case .string(let value): try container.encode(value, forKey: .s)
        case .array(let values): try container.encode(values.map(StoredJSONValue.init), forKey: .a)
        case .object(let object):
            try container.encode(object.members.map { Member(key: $0.key, value: StoredJSONValue($0.value)) }, forKey: .o)
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        if container.contains(.n) {
            value = .null
        } else if let value = try container.decodeIfPresent(Bool.self, forKey: .b) {
            self.value = .bool(value)
        } else if let value = try container.decodeIfPresent(Int64.self, forKey: .i) {
            self.value = .integer(value)
        } else if let value = try container.decodeIfPresent(Double.self, forKey: .d) {
            self.value = .number(value)
        } else if let value = try container.decodeIfPresent(String.self, forKey: .s) {
            self.value = .string(value)
        } else if let values = try container.decodeIfPresent([StoredJSONValue].self, forKey: .a) {
            value = .array(values.map(\.value))
        } else if let members = try container.decodeIfPresent([Member].self, forKey: .o) {
            value = .object(JSONObject(members.map { ($0.key, $0.value.value) }))
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no JSON value tag"))
        }
    }
}
