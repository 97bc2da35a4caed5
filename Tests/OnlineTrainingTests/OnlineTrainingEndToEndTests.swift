import Foundation
import Glibc
import OnlineTraining
import TandemPlot
import Testing
import TandemTesting

/// `online-training` run as a program at a small setting, with the real `redis-server`, the
/// TandemAI module, `fd-sim` and `surrogate-train` built next to this test binary.
@Suite(.serialized) struct OnlineTrainingEndToEndTests {
    /// What the end-to-end tests need: the driver and the module (a missing one skips, or fails under `CI`).
    static func peers() throws -> (driver: String, module: String) {
        let module = try Peers.module()
        let missing = ["online-training", "fd-sim", "surrogate-train"]
            .filter { !FileManager.default.isExecutableFile(atPath: TestEnvironment.builtProgram($0)) }
        try Peers.require(missing.isEmpty, "online-training end to end needs \(missing.joined(separator: ", ")) next to the test binary")
        return (TestEnvironment.builtProgram("online-training"), module)
    }

    static let small = ["--size", "32", "--replicas", "2", "--steps", "20", "--depth", "2", "--epochs", "4",
                        "--checkpoint-every", "2", "--seed", "7"]

    @Test func aSmallRunEndsWithACompleteReport() throws {
        let peers = try Self.peers()
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training")
        let port = try TestEnvironment.freePort()
        let start = ContinuousClock.now
        let result = try TestEnvironment.run(peers.driver, Self.small + ["--port", String(port), "--output", output.path,
                                                                           "--module", peers.module])
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 0, "online-training failed:\n\(result.output)\n\(result.error)")
        // Only catches a hang: a loaded machine may stretch the small run a lot.
        #expect(elapsed < .seconds(600), "the small run took \(elapsed)")

        // The terminal shows progress and the summary table.
        #expect(result.output.contains("checkpoint DiffusionResNet_2_0 (epoch 2)"))
        #expect(result.output.contains("checkpoint DiffusionResNet_2_1 (epoch 4)"))
        #expect(result.output.contains("Name") && result.output.contains("Entity-Type") && result.output.contains("Returncode"))

        // summary.json: finished, every process as expected, the accuracy figures in range.
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["state"] as? String == "finished")
        let entities = try #require(summary["entities"] as? [[String: Any]])
        let statuses = Dictionary(uniqueKeysWithValues: entities.map { ($0["name"] as! String, $0["status"] as! String) })
        #expect(statuses == ["orchestrator_0": "Cancelled", "fd_simulation_0": "Completed", "fd_simulation_1": "Completed",
                             "surrogate-train": "Completed"])
        for entity in entities where entity["entity_type"] as? String == "Model" {
            #expect(entity["return_code"] as? Int == 0)
        }
        #expect(summary["test_samples"] as? Int == 100)
        let mae = try #require(summary["test_mae"] as? Double)
        let maxError = try #require(summary["test_max_abs_error"] as? Double)
        let zeros = try #require(summary["zeros_mae"] as? Double)
        let identity = try #require(summary["identity_mae"] as? Double)
        // Four epochs on 320 samples make a poor model; the figures must still be real errors.
        #expect(mae > 0 && mae < 2)
        #expect(maxError >= mae && maxError.isFinite)
        // The trivial predictors on heat-diffusion cases (sources at 1, boundaries at 0).
        #expect(zeros > 0.05 && zeros < 0.6)
        #expect(identity > 0.05 && identity < 0.6)
        let wall = try #require(summary["wall_time_s"] as? Double)
        #expect(wall > 0 && wall < 600)
        let parameters = try #require(summary["parameters"] as? [String: Any])
        #expect(parameters["size"] as? Int == 32 && parameters["depth"] as? Int == 2 && parameters["epochs"] as? Int == 4)
        let loss = try #require((summary["series"] as? [String: [Double]])?["training_loss"])
        #expect(loss.count == 4 && loss.allSatisfy { $0.isFinite && $0 > 0 })

        // Every picture is listed, present and valid; heat maps have the size their fields imply.
        let figures = try #require(summary["figures"] as? [[String: String]]).compactMap { $0["file"] }
        #expect(Set(figures) == ["simulation_0.png", "simulation_1.png", "simulation_2.png", "simulations.png",
                                 "model_epoch_2.png", "model_epoch_4.png", "fresh_simulations.png",
                                 "training_loss.svg", "learning_rate.svg", "checkpoint_test_error.svg"])
        let map = Pictures.heatMap(size: 32)
        func expectPNG(_ file: String, fields: Int, rows: Int = 1, errorMaps: Int = 0) throws -> PNGFile {
            let png = try PNGFile(contentsOf: output.appendingPathComponent(file))
            let size = map.panelSize(count: fields, width: 32, height: 32)
            let errors = errorMaps > 0 ? map.panelSize(count: errorMaps, width: 32, height: 32).width : 0
            #expect(png.width == size.width + errors && png.height == rows * size.height, "\(file) is \(png.width)×\(png.height)")
            #expect(png.distinctColors > 20, "\(file) is nearly blank")
            return png
        }
        for k in 0..<3 { _ = try expectPNG("simulation_\(k).png", fields: 2) }
        _ = try expectPNG("simulations.png", fields: 5)
        // Each checkpoint: its predictions, and below them their error maps.
        let early = try expectPNG("model_epoch_2.png", fields: 5, rows: 2)
        let late = try expectPNG("model_epoch_4.png", fields: 5, rows: 2)
        #expect(early.scanlines != late.scanlines, "the model's pictures change between checkpoints")
        _ = try expectPNG("fresh_simulations.png", fields: 3, rows: 3, errorMaps: 1)
        for svg in ["training_loss.svg", "learning_rate.svg", "checkpoint_test_error.svg"] {
            let text = try String(contentsOf: output.appendingPathComponent(svg), encoding: .utf8)
            #expect(text.hasPrefix("<svg") && text.contains("<polyline"))
        }

        // The report shows all of it and no longer reloads itself.
        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Model at training epoch 2") && html.contains("Model at training epoch 4"))
        for file in figures { #expect(html.contains("src=\"\(file)\"")) }
        #expect(html.contains(String(format: "%.4g", mae)))
        #expect(!html.contains("http-equiv=\"refresh\""))
        #expect(html.contains("<td>surrogate-train</td>"))
        #expect(html.contains("DiffusionResNet(depth: 2, channels: 1)"))
        // Every checkpoint was measured on the fresh simulations, in the database.
        let series = try #require(summary["series"] as? [String: [Double]])
        #expect(series["checkpoint_epoch"] == [2, 4])
        #expect(series["checkpoint_test_mae"]?.count == 2 && series["checkpoint_test_mae"]?.last == mae)
    }

    /// The multi-scale network through the whole workflow at a small setting: checkpoints
    /// stored as ONNX, run in the database after every epoch and measured on fresh
    /// simulations; the figures are real errors, and the network is named with its size.
    @Test func heatUNetRunsTheWholeWorkflow() throws {
        let peers = try Self.peers()
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-unet")
        let port = try TestEnvironment.freePort()
        let result = try TestEnvironment.run(peers.driver, [
            "--network", "heat-unet", "--size", "32", "--replicas", "2", "--steps", "20", "--depth", "3", "--epochs", "2",
            "--checkpoint-every", "1", "--seed", "5", "--test-cases", "20",
            "--port", String(port), "--output", output.path, "--module", peers.module])
        #expect(result.status == 0, "online-training failed:\n\(result.output)\n\(result.error)")
        #expect(result.output.contains("checkpoint HeatUNet_3_0 (epoch 1) on 20 fresh simulations"))
        #expect(result.output.contains("checkpoint HeatUNet_3_1 (epoch 2) on 20 fresh simulations"))

        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["state"] as? String == "finished")
        #expect(summary["network"] as? String == "HeatUNet(levels: 3, width: 8)")
        let parameters = try #require(summary["network_parameters"] as? Int)
        #expect(parameters > 10_000)
        #expect(summary["test_samples"] as? Int == 20)
        let mae = try #require(summary["test_mae"] as? Double)
        let maxError = try #require(summary["test_max_abs_error"] as? Double)
        let near = try #require(summary["near_source_mae"] as? Double)
        let far = try #require(summary["far_field_mae"] as? Double)
        let zeros = try #require(summary["zeros_mae"] as? Double)
        for figure in [mae, maxError, near, far] { #expect(figure.isFinite && figure > 0) }
        #expect(maxError >= mae && maxError <= 1.5)
        // Two short epochs already beat predicting zeros (the sources and boundary are exact by construction).
        #expect(mae < zeros, "test MAE \(mae), zeros \(zeros)")
        let series = try #require(summary["series"] as? [String: [Double]])
        #expect(series["checkpoint_epoch"] == [1, 2])
        #expect(series["checkpoint_test_mae"]?.allSatisfy { $0.isFinite } == true && series["checkpoint_test_mae"]?.last == mae)
        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("HeatUNet(levels: 3, width: 8)") && html.contains("\(parameters) parameters"))
        #expect(html.contains("src=\"checkpoint_test_error.svg\"") && html.contains("src=\"model_epoch_2.png\""))
    }

    @Test func ctrlCStopsEverythingAndLeavesAReport() throws {
        let peers = try Self.peers()
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-interrupt")
        let port = try TestEnvironment.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peers.driver)
        // Long enough to be interrupted while everything runs.
        process.arguments = ["--size", "32", "--steps", "400", "--depth", "2", "--epochs", "400", "--seed", "3",
                             "--port", String(port), "--output", output.path, "--module", peers.module]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Wait until the simulations are drawn: the database, the ensemble and the trainer all run.
        let summaryURL = output.appendingPathComponent("summary.json")
        var running: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && process.isRunning {
            if let data = try? Data(contentsOf: summaryURL),
               let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let figures = summary["figures"] as? [[String: String]], figures.contains(where: { $0["file"] == "simulations.png" }),
               let entities = summary["entities"] as? [[String: Any]] {
                running = entities
                break
            }
            usleep(50_000)
        }
        #expect(running.count == 4, "the run did not get going: \(running)")
        let pids = running.compactMap { ($0["job_id"] as? String).flatMap { pid_t($0) } }

        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT, "\(said)")
        #expect(said.contains("interrupted (SIGINT)"))
        #expect(said.contains("Report of what was done"))

        for pid in pids {
            #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "process \(pid) outlived the driver")
        }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        #expect(summary["state"] as? String == "interrupted")
        #expect((summary["message"] as? String)?.contains("SIGINT") == true)
        let entities = try #require(summary["entities"] as? [[String: Any]])
        let statuses = Dictionary(uniqueKeysWithValues: entities.map { ($0["name"] as! String, $0["status"] as! String) })
        #expect(statuses["orchestrator_0"] == "Cancelled" && statuses["surrogate-train"] == "Cancelled", "\(statuses)")
        // The simulations are quick at this size: they may have completed before the interrupt.
        #expect(["fd_simulation_0", "fd_simulation_1"].allSatisfy { ["Cancelled", "Completed"].contains(statuses[$0]) }, "\(statuses)")
        #expect(summary["test_mae"] is NSNull)
        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("interrupted") && html.contains("src=\"simulations.png\""))
        #expect(!html.contains("http-equiv=\"refresh\""))
    }

    @Test func badOptionsAreRefusedBeforeAnythingStarts() throws {
        let driver = TestEnvironment.builtProgram("online-training")
        guard FileManager.default.isExecutableFile(atPath: driver) else {
            Issue.record("online-training is not built next to the test binary")
            return
        }
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-bad")
        let result = try TestEnvironment.run(driver, ["--size", "16", "--depth", "5", "--output", output.path])
        #expect(result.status == 64, "a validation failure exits with EX_USAGE")
        #expect(result.error.contains("--depth must be between 1 and log2(--size)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty, "nothing was written")
    }
}
