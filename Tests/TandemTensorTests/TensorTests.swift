import Testing
import TandemTensor

@Suite struct TensorTests {
    @Test func scalarsRoundTripThroughBytes() {
        let t = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5] as [Float])
        #expect(t.dtype == .float)
        #expect(t.bytes.count == 24)
        #expect(t.scalars(as: Float.self) == [0, 1, 2, 3, 4, 5])
    }

    @Test func bytesMustMatchShapeAndType() {
        #expect(throws: TensorError.byteCountMismatch(expected: 8, actual: 7)) {
            try Tensor(dtype: .int16, shape: [4], bytes: [UInt8](repeating: 0, count: 7))
        }
        #expect(throws: TensorError.emptyShape) { try Tensor(dtype: .int8, shape: [], bytes: []) }
        #expect(throws: TensorError.nonPositiveDimension(0)) { try Tensor(dtype: .int8, shape: [2, 0], bytes: []) }
        #expect(throws: TensorError.tooLarge) { try Tensor(dtype: .int8, shape: [Int.max, 3], bytes: []) }
        #expect(throws: TensorError.byteCountMismatch(expected: nil, actual: 0)) {
            try Tensor(dtype: .double, shape: [Int.max / 4], bytes: [])
        }
    }

    @Test func stringTensorsNeedOneTerminatorPerElement() throws {
        let ok = try Tensor(dtype: .string, shape: [2], bytes: Array("ab\0c\0".utf8))
        #expect(ok.count == 2)
        #expect(throws: TensorError.self) { try Tensor(dtype: .string, shape: [2], bytes: Array("ab\0c".utf8)) }
    }

    @Test func copiesDoNotShareMutations() {
        let a = Tensor(shape: [3], scalars: [1, 2, 3] as [Int32])
        var b = a
        b.withUnsafeMutableBufferPointer(as: Int32.self) { $0[0] = 9 }
        #expect(a.scalars(as: Int32.self) == [1, 2, 3])
        #expect(b.scalars(as: Int32.self) == [9, 2, 3])
    }

    @Test func dtypeNamesParseLikeRedisAI() {
        #expect(DType(wireName: "float") == .float)
        #expect(DType(wireName: "Uint16") == .uint16)
        #expect(DType(wireName: "UINT32") == nil)
        #expect(DType(wireName: "HALF") == nil)
        #expect(DType.allCases.compactMap(\.elementSize) == [4, 8, 1, 2, 4, 8, 1, 2, 1])
    }

    @Test func seededGeneratorRepeatsAndDiffersBySeed() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let xs = (0..<4).map { _ in a.next() }
        #expect(xs == (0..<4).map { _ in b.next() })
        #expect(xs != (0..<4).map { _ in c.next() })
    }
}
