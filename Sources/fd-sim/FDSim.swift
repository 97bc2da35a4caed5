import ArgumentParser
import Foundation
import HeatDiffusion
import TandemClient
import TandemML
import TandemTensor
import TandemWorkflow

/// The ensemble member of the online-training workflow: runs heat-diffusion simulations,
/// stages each one in the database as the dataset `sim_data_⟨i⟩` (`u_init`, `u_steady`),
/// and every `--batch` simulations uploads their 8-fold augmentation as a training batch.
///
/// The database comes from `SSDB`; under an ensemble with key prefixing, `SSKEYOUT` keeps
/// each member's keys apart.
@main
struct FDSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fd-sim",
        abstract: "Run heat-diffusion simulations and stage them for online training.")

    @Option(help: "Number of simulations.")
    var steps = 100

    @Option(help: "Simulations per training batch (each uploaded ×8 augmented).")
    var batch = 50

    @OptionGroup var grid: GridOptions

    func validate() throws {
        let bounds = [OptionBound("--steps", 1...1_000_000, steps), OptionBound("--batch", 1...10_000, batch)]
        if let problem = OptionBound.firstViolation(bounds) { throw ValidationError(problem) }
    }

    func run() throws {
        let client: Client
        do {
            client = try Client()
        } catch {
            FileHandle.standardError.write(Data("fd-sim: cannot reach the database: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let uploader = try TrainingDataUploader(client: client)
        try uploader.publishInfo()

        var generator = grid.seed.map(SeededGenerator.init(seed:)) ?? SeededGenerator()
        let solver = SteadyStateSolver()
        let progress = Progress(total: steps)
        // Uploads run on a staging thread while the next simulation is solved.
        let staging = StagingQueue(limit: 8)
        var initial: [SquareGrid<Float>] = [], steady: [SquareGrid<Float>] = []
        var batches = 0
        for i in 0..<steps {
            if let failure = staging.failure { throw failure }
            let problem = try HeatProblem.random(size: grid.size, using: &generator)
            let uInit = problem.initialTemperature
            let uSteady = try solver.solve(problem)
            var dataset = Dataset(name: WorkflowKeys.simulation(i))
            try dataset.addTensor(WorkflowKeys.initialField, uInit.values, shape: [1, grid.size, grid.size, 1])
            try dataset.addTensor(WorkflowKeys.steadyField, uSteady.values, shape: [1, grid.size, grid.size, 1])
            staging.submit { try client.putDataset(dataset) }
            initial.append(uInit)
            steady.append(uSteady)
            if initial.count == batch {
                let (samples, targets) = (initial, steady)
                staging.submit { try upload(samples, targets, with: uploader) }
                batches += 1
                initial.removeAll(keepingCapacity: true)
                steady.removeAll(keepingCapacity: true)
            }
            progress.advance(to: i + 1, batches: batches)
        }
        try staging.finish()
        progress.finish(batches: batches)
    }

    /// Uploads the 8 symmetries of a batch: samples are the initial fields, targets the steady states.
    private func upload(_ initial: [SquareGrid<Float>], _ steady: [SquareGrid<Float>], with uploader: TrainingDataUploader) throws {
        let samples = Symmetry.augment(initial), targets = Symmetry.augment(steady)
        let shape = [samples.count, grid.size, grid.size, 1]
        try uploader.putBatch(samples: Tensor(shape: shape, scalars: samples.flatMap(\.values)),
                              targets: Tensor(shape: shape, scalars: targets.flatMap(\.values)))
    }
}
