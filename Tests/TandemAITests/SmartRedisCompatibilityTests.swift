import Foundation
import Testing
import TandemTesting

/// The real SmartRedis Python client (0.6.1, the test peer in `TANDEM_PYTHON`) against the
/// module: tensors of every dtype and several shapes bit-exactly, datasets with metadata,
/// and ONNX models (`Python/smartredis_roundtrip.py`).
@Suite(.needsModule)
struct SmartRedisCompatibilityTests {
    @Test func smartRedisPythonClientRoundTrips() throws {
        let server = try Peers.moduleServer()
        let python = try Peers.python()
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
