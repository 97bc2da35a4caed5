import Testing
import TandemClient
import TandemTensor

/// The local Dataset object's rules (see “Datasets” in Documentation/SmartRedisWire.md).
@Suite struct DatasetTests {
    @Test func tensorsKeepTheirOrderAndNames() throws {
        var ds = Dataset(name: "d")
        try ds.addTensor("b", [1, 2] as [Float], shape: [2])
        try ds.addTensor("a", Tensor(shape: [1], scalars: [7] as [Int64]))
        #expect(ds.tensorNames == ["b", "a"])
        #expect(try ds.tensor("b", as: Float.self) == [1, 2])
        #expect(try ds.tensor("a").dtype == .int64)
    }

    @Test func tensorNamesAreChecked() throws {
        var ds = Dataset(name: "d")
        try ds.addTensor("x", [1] as [Float], shape: [1])
        for name in ["x", ".meta", "meta", ""] {
            #expect(throws: ClientError.self, "\(name)") { try ds.addTensor(name, [1] as [Float], shape: [1]) }
        }
        #expect(throws: ClientError.self) { try ds.addTensor("y", [1, 2, 3] as [Float], shape: [2]) }
        #expect(throws: ClientError.self) { try ds.addTensor("y", [] as [Float], shape: [0]) }
        #expect(ds.tensorNames == ["x"], "refused tensors leave no trace")
    }

    @Test func missingTensorsAreKeyErrorsAndWrongTypesTypeErrors() throws {
        var ds = Dataset(name: "d")
        try ds.addTensor("x", [1] as [Float], shape: [1])
        do { _ = try ds.tensor("nope"); Issue.record("must throw") } catch { #expect(error.code == .keyNotFound) }
        do { _ = try ds.tensor("x", as: Double.self); Issue.record("must throw") } catch { #expect(error.code == .typeMismatch) }
    }

    @Test func metadataFieldsAppendAndKeepOneType() throws {
        var ds = Dataset(name: "d")
        try ds.addMetaScalar("i64", 7)
        try ds.addMetaScalar("i64", Int64(-1))
        try ds.addMetaString("s", "hello")
        try ds.addMetaString("s", "world!")
        try ds.addMetaScalar("f32", Float(2.5))
        #expect(try ds.metaScalars("i64", as: Int64.self) == [7, -1])
        #expect(try ds.metaStrings("s") == ["hello", "world!"])
        #expect(ds.metadataFieldNames == ["i64", "s", "f32"])
        #expect(try ds.metadataFieldType("f32") == .float)
        do { try ds.addMetaScalar("i64", 1.5); Issue.record("must throw") } catch { #expect(error.code == .typeMismatch) }
        do { try ds.addMetaString("i64", "x"); Issue.record("must throw") } catch { #expect(error.code == .typeMismatch) }
        do { try ds.addMetaScalar("s", Int32(1)); Issue.record("must throw") } catch { #expect(error.code == .typeMismatch) }
        do { _ = try ds.metaStrings("i64"); Issue.record("must throw") } catch { #expect(error.code == .typeMismatch) }
        do { _ = try ds.metaScalars("nope", as: Double.self); Issue.record("must throw") } catch { #expect(error.code == .keyNotFound) }
        #expect(throws: ClientError.self) { try ds.addMetaString(".tensor_names", "x") }
        #expect(throws: ClientError.self) { try ds.addMetaScalar(".COMPLETE", 1) }
        #expect(try ds.metaScalars("i64", as: Int64.self) == [7, -1], "refused values leave the field unchanged")
    }

    @Test func fieldsCanBeCleared() throws {
        var ds = Dataset(name: "d")
        try ds.addMetaScalar("a", 1.0)
        #expect(ds.hasField("a"))
        ds.clearField("a")
        #expect(!ds.hasField("a"))
        #expect(ds.metadataFieldNames.isEmpty)
    }
}
