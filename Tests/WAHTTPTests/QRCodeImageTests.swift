import CZlib
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore

@testable import WAHTTP

/// QR codes as PNG images: a well-formed file whose pixels are exactly libqrencode's modules, scaled, inside the
/// quiet zone; over HTTP, the image of the code the instance shows.
@Suite struct QRCodeImageTests {
    /// A decoded 8-bit greyscale PNG as the encoder writes it (one IDAT), checking the framing on the way.
    struct DecodedPNG {
        var width = 0
        var height = 0
        var pixels: [UInt8] = []

        init(_ png: [UInt8]) throws {
            try #require(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            var offset = 8
            var types: [String] = []
            var idat: [UInt8] = []
            while offset < png.count {
                let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
                let type = Array(png[(offset + 4)..<(offset + 8)])
                let data = Array(png[(offset + 8)..<(offset + 8 + length)])
                let stored = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let computed = (type + data).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
                #expect(UInt32(computed) == stored, "CRC of \(String(decoding: type, as: UTF8.self))")
                types.append(String(decoding: type, as: UTF8.self))
                if types.last == "IHDR" {
                    width = data[0..<4].reduce(0) { $0 << 8 | Int($1) }
                    height = data[4..<8].reduce(0) { $0 << 8 | Int($1) }
                    #expect(Array(data[8...]) == [8, 0, 0, 0, 0], "8-bit greyscale, not interlaced")
                }
                if types.last == "IDAT" { idat += data }
                offset += 12 + length
            }
            #expect(types == ["IHDR", "IDAT", "IEND"])
            var size = uLong((width + 1) * height)
            var raw = [UInt8](repeating: 0, count: Int(size))
            let status = raw.withUnsafeMutableBufferPointer { out in
                idat.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
            }
            try #require(status == Z_OK && Int(size) == (width + 1) * height)
            for row in 0..<height {
                #expect(raw[row * (width + 1)] == 0, "filter type of row \(row)")
                pixels += raw[(row * (width + 1) + 1)..<((row + 1) * (width + 1))]
            }
        }
    }

    @Test(arguments: [1, 3, 8])
    func theImageIsTheModulesScaledInsideTheQuietZone(scale: Int) throws {
        let text = "2@Hs1p7q9Zx,AbCdEfGhIjKlMnOp==,QrStUvWxYz0123456789=,0123456789abcdef=="
        let matrix = try QRMatrix(encoding: text)
        #expect(matrix.width >= 21 && (matrix.width - 17) % 4 == 0, "a QR version's size")
        // The finder pattern's top row: seven dark modules in the top-left corner.
        #expect((0..<7).allSatisfy { matrix[$0, 0] } && !matrix[7, 0])
        let image = try DecodedPNG(try QRCodeImage.png(for: text, scale: scale))
        let side = (matrix.width + 8) * scale
        #expect(image.width == side && image.height == side)
        #expect(Set(image.pixels) == [0, 255])
        for y in 0..<side {
            for x in 0..<side {
                let module = (x / scale - 4, y / scale - 4)
                let inCode = (0..<matrix.width).contains(module.0) && (0..<matrix.width).contains(module.1)
                let dark = inCode && matrix[module.0, module.1]
                guard image.pixels[y * side + x] == (dark ? 0 : 255) else {
                    Issue.record("pixel (\(x), \(y)) of scale \(scale) is wrong")
                    return
                }
            }
        }
    }

    @Test func anInstanceShowsItsQRCodeAsAnImage() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"main"}"#).object["id"] as? String)
            let early = try await client.call(.get, "/v1/instances/\(id)/qr.png", key: key)
            #expect(early.status == .conflict)
            #expect(early.problemCode == "invalid_instance_state")
            _ = try await client.call(.post, "/v1/instances/\(id)/start", key: key)
            try await client.waitFor("a QR code") {
                try await client.call(.get, "/v1/instances/\(id)/qr", key: key).status == .ok
            }
            let code = try #require(try await client.call(.get, "/v1/instances/\(id)/qr", key: key).object["value"] as? String)
            let image = try await client.call(.get, "/v1/instances/\(id)/qr.png?scale=2", key: key)
            #expect(image.status == .ok)
            #expect(image.headers[.contentType] == "image/png")
            #expect(image.headers[.cacheControl] == "no-store")
            let decoded = try DecodedPNG(Array(image.body.readableBytesView))
            let matrix = try QRMatrix(encoding: code)
            #expect(decoded.width == (matrix.width + 8) * 2)
            #expect(decoded.pixels[(4 * 2) * decoded.width + 4 * 2] == 0, "the finder pattern's corner is dark")

            let tooLarge = try await client.call(.get, "/v1/instances/\(id)/qr.png?scale=33", key: key)
            #expect(tooLarge.status == .unprocessableContent || tooLarge.status == .badRequest)
            let stranger = try await client.call(.get, "/v1/instances/\(id)/qr.png", key: harness.globex.adminKey)
            #expect(stranger.status == .notFound)
        }
    }
}
