import CZlib
import Foundation

/// A PNG file read back independently of the encoder: chunk CRCs checked, the image data
/// inflated and its size checked against the header.
struct PNGFile {
    let width: Int
    let height: Int
    /// The inflated scanlines (filter byte + RGB per row).
    let scanlines: [UInt8]

    struct Invalid: Error, CustomStringConvertible { let description: String }

    init(contentsOf url: URL) throws {
        let png = [UInt8](try Data(contentsOf: url))
        guard png.count > 8, Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Invalid(description: "\(url.lastPathComponent): no PNG signature")
        }
        var offset = 8, idat: [UInt8] = [], header: [UInt8] = [], types: [String] = []
        while offset + 12 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            guard offset + 12 + length <= png.count else { throw Invalid(description: "\(url.lastPathComponent): truncated chunk") }
            let body = Array(png[(offset + 4)..<(offset + 8 + length)])
            let stored = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt(0)) { $0 << 8 | UInt($1) }
            let computed = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            guard stored == computed else { throw Invalid(description: "\(url.lastPathComponent): bad CRC") }
            let type = String(decoding: body[0..<4], as: UTF8.self)
            types.append(type)
            if type == "IHDR" { header = Array(body[4...]) }
            if type == "IDAT" { idat += body[4...] }
            offset += 12 + length
        }
        guard types.first == "IHDR", types.last == "IEND", header.count == 13 else {
            throw Invalid(description: "\(url.lastPathComponent): chunks \(types)")
        }
        width = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
        height = header[4..<8].reduce(0) { $0 << 8 | Int($1) }
        guard header[8] == 8, header[9] == 2 else { throw Invalid(description: "\(url.lastPathComponent): not 8-bit RGB") }
        var raw = [UInt8](repeating: 0, count: (3 * width + 1) * height)
        var rawLength = uLong(raw.count)
        guard uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK, Int(rawLength) == raw.count else {
            throw Invalid(description: "\(url.lastPathComponent): image data does not inflate to \(width)×\(height)")
        }
        scanlines = raw
    }

    /// How many different colors the image holds (a blank picture has one or two).
    var distinctColors: Int {
        var colors = Set<UInt32>()
        let rowBytes = 3 * width + 1
        for row in 0..<height {
            for x in 0..<width {
                let i = row * rowBytes + 1 + 3 * x
                colors.insert(UInt32(scanlines[i]) << 16 | UInt32(scanlines[i + 1]) << 8 | UInt32(scanlines[i + 2]))
            }
        }
        return colors.count
    }
}
