import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem runs`: the runs recorded by drivers on this machine, and what a dead driver left.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recorded runs; find and clean up after drivers that died (killed, crashed).",
        discussion: """
            Every driver (online-training, tandem start, a program using TandemExperiment) records \
            its jobs in $TANDEM_RUNS_DIR (default $XDG_RUNTIME_DIR/tandem/runs, else \
            /tmp/tandem-<uid>/runs). A run whose driver is gone is stale: its status files that \
            still say "running" are marked "killed", and what it left running is shown; --clean \
            stops it (SIGTERM, then SIGKILL) and removes the record.
            """)

    @Flag(help: "Stop what stale runs left running and remove their records.")
    var clean = false

    func run() throws {
        let records = RunRegistry.records()
        if records.isEmpty { print("No recorded runs in \(RunRegistry.directory().path).") }
        for record in records {
            let entry = record.entry
            guard record.isStale else {
                print("run \(entry.experiment) (driver pid \(entry.driverPID), running): \(entry.directory)")
                continue
            }
            print("stale run \(entry.experiment) (driver pid \(entry.driverPID), gone): \(entry.directory)")
            for file in RunRegistry.markStatusFiles(of: record) { print("  marked \(file) as killed") }
            let live = record.liveJobs
            if live.isEmpty {
                print("  nothing left running")
            } else if clean {
                for job in RunRegistry.stopLeftovers(of: record) { print("  stopped \(job.name) (pid \(job.pid))") }
            } else {
                for job in live {
                    if let address = job.address {
                        print("  database \(job.name) still runs: pid \(job.pid), listening on \(address)")
                        print("    stop it with: " + StaleRuns.stopCommand(for: job, address: address))
                    } else {
                        let pids = RunRegistry.processes(of: job).map(String.init).joined(separator: ", ")
                        print("  \(job.name) still runs: pid \(pids)")
                    }
                }
                print("  stop everything it left with: tandem runs --clean")
            }
            if RunRegistry.removeIfSettled(record) { print("  record removed") }
        }
    }
}

/// Stale-run notes for the commands that address one database.
enum StaleRuns {
    /// Prints (on standard error) each stale run that left a database recorded at `address`,
    /// with the command that stops it, and marks the stale runs' status files.
    static func report(address: String) {
        for record in RunRegistry.records() where record.isStale {
            RunRegistry.markStatusFiles(of: record)
            for job in record.liveJobs where job.address.map({ same($0, address) }) == true {
                FileHandle.standardError.write(Data("""
                    tandem: \(address) is the database \(job.name) (pid \(job.pid)) of run \(record.entry.experiment), \
                    whose driver (pid \(record.entry.driverPID)) died; stop it with `\(stopCommand(for: job, address: address))` \
                    or everything that run left with `tandem runs --clean`.

                    """.utf8))
            }
            RunRegistry.removeIfSettled(record)
        }
    }

    /// The exact command that stops a recorded database.
    static func stopCommand(for job: RunEntry.Job, address: String) -> String {
        "tandem stop --address \(address)" + (job.requiresPassword == true ? " --password-file FILE" : "")
    }

    /// Removes the records of stale runs with nothing left running.
    static func forgetSettled() {
        for record in RunRegistry.records() where record.isStale { RunRegistry.removeIfSettled(record) }
    }

    private static func same(_ recorded: String, _ asked: String) -> Bool {
        var asked = Substring(asked)
        if asked.hasPrefix("tcp://") { asked = asked.dropFirst(6) }
        if recorded == asked { return true }
        // localhost and 127.0.0.1 name the same loopback database.
        let port = { (text: Substring) in text.split(separator: ":").last }
        return port(Substring(recorded)) == port(asked) && asked.hasPrefix("localhost:") && recorded.hasPrefix("127.")
    }
}
