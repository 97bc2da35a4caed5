import Foundation
import Testing
import TandemTesting
@testable import TandemExperiment

@Suite struct GenerationTests {
    @Test func tagsAreReplacedByParameterValuesInOnePass() {
        let text = "steps = ;steps;\nsize=;size; ;unknown; keep;;this\n;steps;;size;"
        #expect(ConfiguredFile.replacingTags(in: text, parameters: ["steps": "100", "size": ";steps;"])
                == "steps = 100\nsize=;steps; ;unknown; keep;;this\n100;steps;")
        #expect(ConfiguredFile.replacingTags(in: "a @x@ b", parameters: ["x": "1"], tag: "@") == "a 1 b")
    }

    @Test func configuredCopiedAndLinkedFilesLandInEachMembersDirectory() throws {
        let (experiment, directory) = try makeExperiment()
        let input = directory.appendingPathComponent("in.crack")
        try "THERMO = ;thermo;\nSTEPS = ;steps;\nKEEP = ;other;\n".write(to: input, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data.bin")
        try Data([1, 2, 3]).write(to: data)
        let shared = directory.appendingPathComponent("shared", isDirectory: true)
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try "x".write(to: shared.appendingPathComponent("inside.txt"), atomically: true, encoding: .utf8)

        var ensemble = try experiment.createEnsemble("lammps", runSettings: RunSettings(executable: "/bin/true"),
                                                     parameters: ["thermo": ["10", "20"], "steps": ["1000"]],
                                                     strategy: .allPermutations)
        ensemble.attachFiles(copy: [data, shared], link: [data], configure: [input])
        // copy and link of the same name: the link, placed later, wins.
        ensemble.members[0].files.link = []
        try experiment.generate(ensemble)

        for (i, thermo) in ["10", "20"].enumerated() {
            let member = directory.appendingPathComponent("lammps/lammps_\(i)")
            #expect(try String(contentsOf: member.appendingPathComponent("in.crack"), encoding: .utf8)
                    == "THERMO = \(thermo)\nSTEPS = 1000\nKEEP = ;other;\n")
            #expect(try String(contentsOf: member.appendingPathComponent("shared/inside.txt"), encoding: .utf8) == "x")
            #expect(try Data(contentsOf: member.appendingPathComponent("data.bin")) == Data([1, 2, 3]))
        }
        let link = directory.appendingPathComponent("lammps/lammps_1/data.bin").path
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == data.path)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: directory.appendingPathComponent("lammps/lammps_0/data.bin").path)) == nil)
    }

    @Test func generatingOverAnExistingDirectoryNeedsOverwrite() throws {
        let (experiment, directory) = try makeExperiment()
        let model = experiment.createModel("m", runSettings: RunSettings(executable: "/bin/true"))
        try experiment.generate(model)
        let stale = directory.appendingPathComponent("m/stale.txt")
        try "old".write(to: stale, atomically: true, encoding: .utf8)
        let error = #expect(throws: ExperimentError.self) { try experiment.generate(model) }
        #expect(error?.code == .generationFailed)
        #expect(FileManager.default.fileExists(atPath: stale.path))
        try experiment.generate(model, overwrite: true)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }

    @Test func aMissingAttachedFileIsAClearError() throws {
        let (experiment, _) = try makeExperiment()
        var model = experiment.createModel("m", runSettings: RunSettings(executable: "/bin/true"))
        model.attachFiles(copy: [URL(fileURLWithPath: "/nonexistent/input.txt")])
        let error = #expect(throws: ExperimentError.self) { try experiment.start(model) }
        #expect(error?.message.contains("/nonexistent/input.txt") == true)
        #expect(experiment.reports().isEmpty)
    }
}
