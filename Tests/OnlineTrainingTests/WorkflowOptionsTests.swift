import Foundation
import Testing
import OnlineTraining
import TandemPlot

@Suite struct WorkflowOptionsTests {
    @Test func theDefaultsAreTheTutorials() {
        let options = WorkflowOptions()
        #expect(options.replicas == 2 && options.steps == 100 && options.size == 64)
        #expect(options.depth == 4 && options.epochs == 40 && options.checkpointEvery == 10 && options.port == 6780)
        #expect(options.checkpointEpochs == [10, 20, 30, 40])
        #expect(options.checkpointName(3) == "DiffusionResNet_4_3")
        #expect(options.simulationBatch == 50)
        #expect(options.sampleCount == 5 && options.samplePool == 20, "5 among the first steps/5")
        #expect(options.problem() == nil)
    }

    @Test func smallRunsStillHaveSamplesBatchesAndACheckpoint() {
        var options = WorkflowOptions()
        options.steps = 20
        options.epochs = 4
        options.checkpointEvery = 2
        #expect(options.samplePool == 5 && options.sampleCount == 5, "steps/5 = 4 would hold too few")
        #expect(options.simulationBatch == 20)
        #expect(options.checkpointEpochs == [2, 4])
        options.steps = 3
        #expect(options.sampleCount == 3 && options.samplePool == 3)
        options.epochs = 7
        options.checkpointEvery = 10
        #expect(options.checkpointEpochs == [7], "fewer epochs than the interval: the trainer stores the last")
        options.checkpointEvery = 3
        #expect(options.checkpointEpochs == [3, 6])
    }

    @Test func outOfRangeOptionsAreNamed() {
        func problem(_ change: (inout WorkflowOptions) -> Void) -> String? {
            var options = WorkflowOptions()
            change(&options)
            return options.problem()
        }
        #expect(problem { $0.replicas = 0 }?.contains("--replicas") == true)
        #expect(problem { $0.steps = 0 }?.contains("--steps") == true)
        #expect(problem { $0.size = 2 }?.hasPrefix("--size") == true)
        #expect(problem { $0.size = 4 }?.hasPrefix("--depth") == true, "2^4 > 4")
        #expect(problem { $0.depth = 7 }?.contains("--depth") == true, "2^7 > 64")
        #expect(problem { $0.depth = 6 } == nil)
        #expect(problem { $0.epochs = 0 }?.contains("--epochs") == true)
        #expect(problem { $0.checkpointEvery = 0 }?.contains("--checkpoint-every") == true)
        #expect(problem { $0.port = 70000 }?.contains("--port") == true)
    }
}

@Suite struct AccuracyMeterTests {
    @Test func errorsAreAveragedOverEveryPointBesideTheTrivialPredictors() throws {
        var meter = AccuracyMeter()
        #expect(meter.result == nil)
        try meter.add(input: [1, 0, 0, 0], truth: [1, 0.5, 0.25, 0], prediction: [0.9, 0.5, 0.5, 0])
        try meter.add(input: [0, 1], truth: [0.5, 1], prediction: [0.5, 0.2])
        let result = try #require(meter.result)
        #expect(result.samples == 2)
        // model: |−0.1| + 0 + 0.25 + 0 + 0 + 0.8 over 6 points
        #expect(abs(result.meanAbsoluteError - 1.15 / 6) < 1e-7)
        #expect(abs(result.maxAbsoluteError - 0.8) < 1e-7)
        // zeros: 1 + 0.5 + 0.25 + 0 + 0.5 + 1; identity: 0 + 0.5 + 0.25 + 0 + 0.5 + 0
        #expect(abs(result.zerosMeanAbsoluteError - 3.25 / 6) < 1e-7)
        #expect(abs(result.identityMeanAbsoluteError - 1.25 / 6) < 1e-7)
    }

    @Test func mismatchedFieldsAreRefused() {
        var meter = AccuracyMeter()
        #expect(throws: WorkflowError.self) { try meter.add(input: [0, 0], truth: [0, 0], prediction: [0]) }
        #expect(throws: WorkflowError.self) { try meter.add(input: [], truth: [], prediction: []) }
        #expect(meter.result == nil, "nothing was counted")
    }

    @Test func aNaNPredictionMakesTheFiguresNaN() throws {
        var meter = AccuracyMeter()
        try meter.add(input: [0, 0], truth: [0.5, 0.5], prediction: [.nan, 0.5])
        #expect(meter.result!.meanAbsoluteError.isNaN && meter.result!.maxAbsoluteError.isNaN)
    }
}

@Suite struct ProgramsTests {
    @Test func aMissingProgramIsNamedWithHowToBuildIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-programs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("fd-sim").path, contents: Data(),
                                       attributes: [.posixPermissions: 0o755])
        #expect {
            try Programs.find(in: directory)
        } throws: { error in
            "\(error)".contains("surrogate-train was not found") && "\(error)".contains("swift build -c release --product surrogate-train")
        }
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("surrogate-train").path, contents: Data(),
                                       attributes: [.posixPermissions: 0o755])
        let programs = try Programs.find(in: directory)
        #expect(programs.simulation.hasSuffix("/fd-sim") && programs.trainer.hasSuffix("/surrogate-train"))
    }
}
