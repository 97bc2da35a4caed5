import Testing
@testable import TandemExperiment

/// The orchestrator readiness machine, fed made-up probe results.
@Suite struct ReadinessCheckTests {
    let t0 = ContinuousClock.now
    let module = ReadinessCheck.ModuleEntry(name: "ai", path: "/m/libTandemAI.so")

    func check() -> ReadinessCheck {
        ReadinessCheck(address: "127.0.0.1:6780", modulePath: "/m/libTandemAI.so", directory: "/exp/orchestrator",
                       deadline: t0 + .seconds(10))
    }

    @Test func readyOnlyWhenItAnswersWithTheModuleInItsOwnDirectory() {
        var readiness = check()
        #expect(readiness.probed(.unreachable("refused"), at: t0) == .retry)
        #expect(readiness.probed(.loading, at: t0 + .milliseconds(5)) == .retry)
        #expect(readiness.probed(.answered(modules: [module], directory: "/exp/orchestrator"), at: t0) == .ready)
    }

    @Test func aServerWithoutTheModuleFails() {
        var readiness = check()
        let other = ReadinessCheck.ModuleEntry(name: "ai", path: "/elsewhere/redisai.so")
        guard case .failed(let reason) = readiness.probed(.answered(modules: [other], directory: "/exp/orchestrator"), at: t0) else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason.contains("/m/libTandemAI.so") && reason.contains("/elsewhere/redisai.so"))
    }

    @Test func anotherServerOnThePortFails() {
        var readiness = check()
        guard case .failed(let reason) = readiness.probed(.answered(modules: [module], directory: "/somewhere/else"), at: t0) else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason.contains("another redis-server"))
    }

    @Test func noAnswerByTheDeadlineFailsWithTheLastProblem() {
        var readiness = check()
        #expect(readiness.probed(.unreachable("connection refused"), at: t0 + .seconds(9)) == .retry)
        guard case .failed(let reason) = readiness.probed(.unreachable("connection refused"), at: t0 + .seconds(10)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason.contains("not ready in time") && reason.contains("connection refused"))
    }

    @Test func anEndedServerFails() {
        #expect(check().processExited(.exited(code: 1)) == .failed("redis-server for 127.0.0.1:6780 ended (exit code 1) before it was ready"))
    }
}
