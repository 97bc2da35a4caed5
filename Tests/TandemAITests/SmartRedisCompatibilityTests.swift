import Foundation
import Testing
import _TestSupport

/// The real SmartRedis Python client (0.6.1, the test peer in `TANDEM_PYTHON`) against the
/// module: tensors of every dtype and several shapes bit-exactly, datasets with metadata,
/// and ONNX models (`Python/smartredis_roundtrip.py`).
@Suite(.needsModule, .enabled(if: TestEnvironment.isCI || ProcessInfo.processInfo.environment["TANDEM_PYTHON"] != nil,
                              "TANDEM_PYTHON is not set: the SmartRedis compatibility test is SKIPPED (run `make test`)"))
struct SmartRedisCompatibilityTests {
    @Test func smartRedisPythonClientRoundTrips() throws {
        let server = try startModuleServer()
        let python = try TestEnvironment.pythonPath()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Python/smartredis_roundtrip.py").path
        var environment = ProcessInfo.processInfo.environment
        environment["SR_LOG_LEVEL"] = "QUIET"
        let result = try TestEnvironment.run(python, [script, "\(server.port)"], environment: environment)
        #expect(result.status == 0, "stdout:\n\(result.output)\nstderr:\n\(result.error)\nserver log:\n\(server.log.suffix(2000))")
        #expect(result.output.contains("OK tensors=40"), "\(result.output)")
        #expect(server.isRunning)
    }
}
