import Foundation
import Testing
import CZlib
import TandemPlot
import TandemTesting

@Suite struct PNGEncoderTests {
    static func sampleImage() -> RGBImage {
        var image = RGBImage(width: 5, height: 3)
        for y in 0..<3 { for x in 0..<5 { image[x, y] = RGB(UInt8(x * 50), UInt8(y * 100), UInt8(x * y * 10)) } }
        return image
    }

    @Test func chunksCarryValidCRCsAndTheScanlinesDecompress() throws {
        let png = try PNGEncoder.encode(Self.sampleImage())
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var types: [String] = []
        var idat: [UInt8] = []
        while offset < png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let body = Array(png[(offset + 4)..<(offset + 8 + length)])
            let stored = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt(0)) { $0 << 8 | UInt($1) }
            let computed = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            #expect(stored == computed)
            let type = String(decoding: body[0..<4], as: UTF8.self)
            types.append(type)
            if type == "IDAT" { idat += body[4...] }
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        var raw = [UInt8](repeating: 0, count: 3 * 16)
        var rawLength = uLong(raw.count)
        #expect(uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK)
        #expect(rawLength == 3 * 16)
        let pixels = Self.sampleImage().pixels
        for row in 0..<3 {
            #expect(raw[row * 16] == 0)
            #expect(Array(raw[(row * 16 + 1)..<(row * 16 + 16)]) == Array(pixels[(row * 15)..<(row * 15 + 15)]))
        }
    }

    /// An independent reader: Python's own zlib and struct parse the file.
    @Test func pythonReadsThePixelsBack() throws {
        let python = try Peers.python()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "png")
        let path = directory.appendingPathComponent("sample.png").path
        try Data(PNGEncoder.encode(Self.sampleImage())).write(to: URL(fileURLWithPath: path))
        let script = """
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        pos, idat, ihdr = 8, b'', None
        while pos < len(data):
            (n,) = struct.unpack('>I', data[pos:pos+4]); kind = data[pos+4:pos+8]; body = data[pos+8:pos+8+n]
            assert struct.unpack('>I', data[pos+8+n:pos+12+n])[0] == zlib.crc32(kind + body)
            if kind == b'IHDR': ihdr = struct.unpack('>IIBBBBB', body)
            if kind == b'IDAT': idat += body
            pos += 12 + n
        w, h = ihdr[0], ihdr[1]
        raw = zlib.decompress(idat)
        print(w, h, ','.join(str(b) for r in range(h) for b in raw[r*(3*w+1)+1:(r+1)*(3*w+1)]))
        """
        let result = try TestEnvironment.run(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.error)")
        let expected = "5 3 " + Self.sampleImage().pixels.map(String.init).joined(separator: ",")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }
}
