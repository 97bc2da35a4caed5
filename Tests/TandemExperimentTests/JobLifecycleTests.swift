import Testing
@testable import TandemExperiment

/// The job state machine driven by made-up instants: no process, no waiting.
@Suite struct JobLifecycleTests {
    let t0 = ContinuousClock.now

    @Test func aJobThatExitsZeroCompletesWithItsElapsedTime() {
        var job = JobLifecycle()
        #expect(job.status == .new)
        job.launched(at: t0)
        #expect(job.status == .running)
        #expect(job.elapsed(at: t0 + .seconds(2)) == .seconds(2))
        job.exited(.exited(code: 0), at: t0 + .seconds(3))
        #expect(job.status == .completed)
        #expect(job.termination?.returnCode == 0)
        #expect(job.elapsed(at: t0 + .seconds(100)) == .seconds(3))
    }

    @Test func aNonZeroExitOrAnUnrequestedSignalFails() {
        var exited = JobLifecycle()
        exited.launched(at: t0)
        exited.exited(.exited(code: 3), at: t0 + .seconds(1))
        #expect(exited.status == .failed)
        #expect(exited.termination?.returnCode == 3)

        var killed = JobLifecycle()
        killed.launched(at: t0)
        killed.exited(.signalled(signal: 9), at: t0 + .seconds(1))
        #expect(killed.status == .failed)
        #expect(killed.termination?.returnCode == -9)
    }

    @Test func stopTerminatesThenKillsOnceAfterTheGracePeriod() {
        var job = JobLifecycle()
        job.launched(at: t0)
        #expect(job.stopRequested(at: t0 + .seconds(1), grace: .seconds(2)) == .terminate)
        #expect(job.stopRequested(at: t0 + .seconds(1), grace: .seconds(2)) == .none)
        #expect(job.status == .running)
        #expect(job.tick(at: t0 + .milliseconds(2999)) == .none)
        #expect(job.tick(at: t0 + .seconds(3)) == .kill)
        #expect(job.tick(at: t0 + .seconds(4)) == .none)
        job.exited(.signalled(signal: 9), at: t0 + .seconds(4))
        #expect(job.status == .cancelled)
        #expect(job.termination?.returnCode == -9)
    }

    @Test func aStoppedJobIsCancelledEvenWhenItExitsCleanly() {
        var job = JobLifecycle()
        job.launched(at: t0)
        _ = job.stopRequested(at: t0, grace: .seconds(5))
        job.exited(.exited(code: 0), at: t0 + .milliseconds(10))
        #expect(job.status == .cancelled)
    }

    @Test func stoppingANewJobCancelsItWithoutSignals() {
        var job = JobLifecycle()
        #expect(job.stopRequested(at: t0, grace: .seconds(1)) == .none)
        #expect(job.status == .cancelled)
        #expect(job.termination == nil)
    }

    @Test func laterEventsDoNotChangeAFinishedJob() {
        var job = JobLifecycle()
        job.launched(at: t0)
        job.exited(.exited(code: 0), at: t0 + .seconds(1))
        #expect(job.stopRequested(at: t0 + .seconds(2), grace: .seconds(1)) == .none)
        job.exited(.exited(code: 1), at: t0 + .seconds(3))
        #expect(job.status == .completed)
    }

    @Test func terminalStatusesAreExactlyTheThreeEnds() {
        #expect(JobStatus.allCases.filter(\.isTerminal) == [.completed, .failed, .cancelled])
    }
}
