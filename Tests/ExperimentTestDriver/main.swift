// A driver program for TandemExperimentTests: starts a database (when a port is given) and
// sleeping ensemble members through TandemExperiment, prints every job id, then waits to be
// interrupted. The tests send it SIGINT or SIGTERM and check that no child outlives it.
//
// usage: experiment-test-driver <directory> <members> [<database port> [exit]]  (port 0: no database)
// Each member is a shell that starts a background `sleep` (a grandchild, whose pid it writes
// to `grandchild.pid` in its directory) and waits, so stopping must reach the whole group.
// The driver also writes `status.json` (`{"state": "running"}`) in <directory> and records it
// with the experiment, as online-training records its summary.
// With TANDEM_TEST_LAUNCHER=slurm it launches through Slurm (steps in an allocation it
// obtains, printed as `allocation <id>`), and with TANDEM_TEST_BATCH=1 the ensemble is one
// batch job.
import Foundation
import TandemExperiment

let arguments = CommandLine.arguments
guard arguments.count >= 3, let members = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: experiment-test-driver <directory> <members> [<port>]\n".utf8))
    exit(2)
}
do {
    let environment = ProcessInfo.processInfo.environment
    let slurm = environment["TANDEM_TEST_LAUNCHER"] == "slurm"
        ? try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(600)))) : nil
    let experiment = try Experiment(name: "driver", directory: URL(fileURLWithPath: arguments[1]),
                                    launcher: slurm ?? LocalLauncher())
    let statusFile = experiment.directory.appendingPathComponent("status.json")
    try Data(#"{"state": "running"}"#.utf8).write(to: statusFile)
    experiment.recordStatusFile(statusFile)
    if arguments.count >= 4, let port = Int(arguments[3]), port > 0 {
        let database = try experiment.createDatabase(port: port)
        try experiment.start(database)
    }
    let script = "sleep 600 & echo $! > grandchild.pid; wait"
    var ensemble = experiment.createEnsemble("sleepers", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", script]),
                                             replicas: members)
    if environment["TANDEM_TEST_BATCH"] == "1" { ensemble.batchSettings = BatchSettings(timeLimit: .seconds(600)) }
    try experiment.start(ensemble, block: false)
    // Ready once every member has started its grandchild (so the tests can check that one too).
    let deadline = Date().addingTimeInterval(60)
    while ensemble.members.contains(where: { !FileManager.default.fileExists(atPath: $0.directory.appendingPathComponent("grandchild.pid").path) }),
          Date() < deadline {
        usleep(2_000)
    }
    for report in experiment.reports() { print("job \(report.name) \(report.jobID)") }
    if let slurm {
        // The allocation is obtained on the first step; a batch-only run has none.
        print("allocation \(slurm.allocationID ?? "none")")
    }
    print("ready")
    fflush(nil)
    // With an argument "exit", the driver returns without stopping anything: its exit must.
    if arguments.count >= 5 && arguments[4] == "exit" { exit(0) }
    while true { sleep(60) }
} catch {
    FileHandle.standardError.write(Data("experiment-test-driver: \(error)\n".utf8))
    exit(1)
}
