import CZlib

/// Writes PNG files: 8-bit truecolor, no interlace, one zlib-compressed IDAT chunk, every
/// chunk with its CRC-32, so any viewer reads them.
public enum PNGEncoder {
    /// The PNG bytes of `image`.
    ///
    /// - Throws: ``PNGError`` if zlib fails (out of memory).
    public static func encode(_ image: RGBImage) throws(PNGError) -> [UInt8] {
        // Each scanline: filter type 0 (none), then the row's RGB bytes.
        let rowBytes = 3 * image.width
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * image.height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<image.height {
                let destination = row * (rowBytes + 1) + 1
                for i in 0..<rowBytes { raw[destination + i] = pixels[row * rowBytes + i] }
            }
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 6)
        guard status == Z_OK else { throw PNGError(zlibStatus: status) }
        compressed.removeSubrange(Int(compressedLength)...)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(image.width))
        header += bigEndian(UInt32(image.height))
        header += [8, 2, 0, 0, 0]   // bit depth 8, color type 2 (RGB), deflate, adaptive filters, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", compressed, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        let body = typeBytes + data
        png += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(crc))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// zlib refused to compress an image.
public struct PNGError: Error, CustomStringConvertible, Sendable {
    /// zlib's status code.
    public let zlibStatus: Int32
    public var description: String { "PNG compression failed (zlib status \(zlibStatus))" }
}
