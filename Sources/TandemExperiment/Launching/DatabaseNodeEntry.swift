import Foundation
import Glibc

/// How a database node starts when its step may run on another host (Slurm): a small shell
/// entry point finds the IPv4 address of the database's interface on the host it runs on,
/// writes it to `<node>.host` in the database's directory, and replaces itself with
/// `redis-server` bound to that address. The driver reads the file to learn where the node
/// is, as SmartSim reads its database hosts from the steps. The directory must be on a file
/// system the nodes share, as an HPC system's home and scratch file systems are.
struct DatabaseNodeEntry: Sendable {
    let node: DatabaseNode
    let database: Orchestrator

    /// Where the step writes its address.
    var hostFile: URL { database.directory.appendingPathComponent("\(node.name).host") }

    /// The entry point: `$1` the interface (or an IPv4 address), `$2` the host file, then the
    /// server's command line.
    static let script = """
        interface=$1 host_file=$2; shift 2
        case $interface in
          *[!0-9.]*) address=$(ip -4 -o addr show dev "$interface" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }') ;;
          *) address=$interface ;;
        esac
        if [ -z "$address" ]; then
          echo "database node on $(hostname): network interface $interface has no IPv4 address here (or ip from iproute2 is missing)" >&2
          exit 1
        fi
        printf '%s\\n' "$address" > "$host_file.tmp.$$" && mv "$host_file.tmp.$$" "$host_file" || exit 1
        exec "$@" --bind "$address"
        """

    /// `step` (which runs `redis-server <configuration>`) run through the entry point.
    func wrap(_ step: LaunchStep) -> LaunchStep {
        var wrapped = step
        wrapped.executable = "/bin/sh"
        wrapped.arguments = ["-c", Self.script, "tandem-database-node", database.interface, hostFile.path,
                             step.executable] + step.arguments
        return wrapped
    }

    /// Removes an earlier run's host file, so that only this run's answer counts.
    func clear() { try? FileManager.default.removeItem(at: hostFile) }

    /// Waits until the step has written its address; fails if the job ends first or the
    /// deadline passes.
    func waitForHost(job: JobID, launcher: any Launcher, deadline: ContinuousClock.Instant) throws(ExperimentError) -> String {
        var pause: useconds_t = 1_000
        while true {
            if let text = try? String(contentsOf: hostFile, encoding: .utf8) {
                let address = text.trimmingCharacters(in: .whitespacesAndNewlines)
                var parsed = in_addr()
                guard inet_pton(AF_INET, address, &parsed) == 1 else {
                    throw ExperimentError(.databaseNotReady, "database node \(node.name) reported \"\(address)\", not an IPv4 address")
                }
                return address
            }
            if case .ended = launcher.state(of: job) {
                throw ExperimentError(.databaseNotReady, "database node \(node.name) ended before it reported its address")
            }
            guard ContinuousClock.now < deadline else {
                throw ExperimentError(.databaseNotReady,
                    "database node \(node.name) did not report its address within \(database.readinessTimeout) (is \(database.directory.path) on a file system its host shares?)")
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }
}
