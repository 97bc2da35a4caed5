import Testing
import TandemClient

/// The metadata byte encodings against the test vectors in “Datasets” of
/// Documentation/SmartRedisWire.md, and SmartRedis's decoding rules.
@Suite struct MetadataTests {
    @Test func scalarEncodingsMatchTheSpecVectors() {
        #expect(MetadataField.scalars([42] as [Int64]).encoded() == hex("04 2a 00 00 00 00 00 00 00"))
        #expect(MetadataField.scalars([0.5] as [Float]).encoded() == hex("02 00 00 00 3f"))
        #expect(MetadataField.scalars([1.5] as [Double]).encoded() == hex("01 00 00 00 00 00 00 f8 3f"))
        #expect(MetadataField.scalars([-2] as [Int32]).encoded() == hex("03 fe ff ff ff"))
        #expect(MetadataField.scalars([3] as [UInt32]).encoded() == hex("05 03 00 00 00"))
        #expect(MetadataField.scalars([(1 << 63) + 5] as [UInt64]).encoded() == hex("06 05 00 00 00 00 00 00 80"))
        #expect(MetadataField.scalars([7, -1] as [Int64]).encoded() == hex("04 0700000000000000 ffffffffffffffff"))
        #expect(MetadataField.scalars([42] as [Int]).encoded() == hex("04 2a 00 00 00 00 00 00 00"), "Int is stored as Int64, as a Python int")
        #expect(MetadataField.scalars([2.5] as [Float]).encoded() == hex("02 00002040"))
    }

    @Test func stringEncodingsMatchTheSpecVectors() {
        #expect(MetadataField.strings([Array("hello".utf8), Array("world!".utf8)]).encoded()
                == hex("07 05 00 00 00 00 00 00 00 68 65 6c 6c 6f 06 00 00 00 00 00 00 00 77 6f 72 6c 64 21"))
        #expect(MetadataField.strings([Array("samples".utf8), Array("targets".utf8)]).encoded()
                == [7, 7, 0, 0, 0, 0, 0, 0, 0] + Array("samples".utf8) + [7, 0, 0, 0, 0, 0, 0, 0] + Array("targets".utf8))
        #expect(MetadataField.strings([Array("a".utf8), Array("b".utf8)]).encoded() == hex("07 0100000000000000 61 0100000000000000 62"))
        #expect(MetadataField.strings([[]]).encoded() == hex("07 0000000000000000"), "an empty string is its zero length")
        #expect(MetadataField.strings([Array("run-7".utf8)]).encoded() == [7, 5, 0, 0, 0, 0, 0, 0, 0] + Array("run-7".utf8))
    }

    @Test func decodingInvertsEncoding() throws {
        let fields: [MetadataField] = [
            .scalars([1.5, -0.0, .infinity, .leastNonzeroMagnitude] as [Double]),
            .scalars([Float(bitPattern: 0x7fc0_1234), 0.5] as [Float]),
            .scalars([Int32.min, -2, Int32.max]),
            .scalars([Int64.min, 0, Int64.max]),
            .scalars([0, UInt32.max]),
            .scalars([0, UInt64.max]),
            .strings([Array("héllo".utf8), [], [0, 255, 7]]),
        ]
        for field in fields {
            let decoded = try MetadataField(decoding: field.encoded())
            #expect(decoded == field)
            #expect(decoded.encoded() == field.encoded())
        }
        let floats = try MetadataField(decoding: hex("02 3412c07f")).scalars(as: Float.self)!
        #expect(floats[0].bitPattern == 0x7fc0_1234, "NaN payloads survive bit for bit")
    }

    @Test func decodedValuesReadBackTyped() throws {
        let field = try MetadataField(decoding: hex("06 0500000000000080"))
        #expect(field.type == .uint64)
        #expect(field.scalars(as: UInt64.self) == [(UInt64(1) << 63) + 5])
        #expect(field.scalars(as: Int64.self) == nil, "another type is not converted")
        #expect(try MetadataField(decoding: hex("04 2a00000000000000")).scalars(as: Int.self) == [42])
        #expect(try MetadataField(decoding: [7, 5, 0, 0, 0, 0, 0, 0, 0] + Array("run-7".utf8)).strings == [Array("run-7".utf8)])
    }

    @Test func decodingFollowsSmartRedisRulesForEdgeCases() throws {
        #expect(try MetadataField(decoding: []) == .strings([]), "an empty value is an empty string field")
        #expect(try MetadataField(decoding: [4]).count == 0, "only the type byte: no values")
        #expect(try MetadataField(decoding: [7]).strings == [])
        for bad in [hex("08 00"), hex("00"), hex("04 2a0000"), hex("02 000000"), hex("07 0500000000000000 6868"), hex("07 050000")] {
            #expect(throws: ClientError.self) { try MetadataField(decoding: bad) }
        }
    }

    @Test func typeIdsAndNamesAreSmartRedis() {
        #expect(MetadataType.allCases.map(\.rawValue) == [1, 2, 3, 4, 5, 6, 7])
        #expect(MetadataType.allCases.map(\.name) == ["DOUBLE", "FLOAT", "INT32", "INT64", "UINT32", "UINT64", "STRING"])
    }
}
