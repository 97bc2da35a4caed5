#!/usr/bin/env bash
# Builds and runs a new package that depends on Tandem by URL, as a user's package would:
# `.package(url:, from:)` on a git repository of this checkout (committed and uncommitted
# files, tagged 1000.0.0), products TandemClient and TandemNN, a TandemNN forward pass.
# SwiftPM refuses URL dependencies whose products carry unsafe build flags, so this also
# proves that none do. The consumer builds in debug (only the products it uses); the run
# is repeated with TANDEM_KERNELS=portable, which must be honoured and reported.
#
# Usage: scripts/check-consumer-package.sh   (from anywhere; exits non-zero on failure)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The checkout's files (what git would commit, ignored files left out) as a fresh repository.
mkdir "$work/tandem"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$repo" && tar --null --files-from=- --create --file=-) | tar --extract --file=- --directory="$work/tandem"
(cd "$work/tandem" && git init -q && git add -A && git -c user.name=consumer -c user.email=consumer@localhost \
    commit -q -m "Tandem as a consumer sees it" && git tag 1000.0.0)

mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/tandem", from: "1000.0.0")],
    targets: [
        .executableTarget(name: "consumer", dependencies: [
            .product(name: "TandemClient", package: "tandem"),
            .product(name: "TandemNN", package: "tandem"),
        ]),
    ]
)
SWIFT
cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import TandemClient
import TandemNN

// TandemClient: a configuration for one server (no server needed).
let configuration = ClientConfiguration(address: try ServerAddress(parsing: "127.0.0.1:6379"))
precondition(configuration.addresses.count == 1)

// TandemNN: a forward pass of a small DiffusionResNet.
let model = DiffusionResNet<Float>(depth: 2, channels: 1, seed: 1)
let values = (0..<(2 * 16 * 16)).map { Float($0 % 17) / 17 }
let output = Predictor(model: model, threads: 1).predict(FeatureMap(nhwc: values, shape: [2, 16, 16, 1])).nhwc()
precondition(output.count == values.count && output.allSatisfy(\.isFinite), "the forward pass gave no finite output")
print("consumer: kernels \(KernelSet.active), output \(output.count) values, sum \(output.reduce(0, +))")
SWIFT

cd "$work/consumer"
start=$(date +%s)
swift build --product consumer > "$work/build.log" 2>&1 || { cat "$work/build.log"; echo "consumer package: build failed" >&2; exit 1; }
echo "consumer package: built in $(( $(date +%s) - start )) s"
bin=$(swift build --show-bin-path)/consumer
"$bin"
forced=$(TANDEM_KERNELS=portable "$bin")
echo "$forced"
case "$forced" in
    *"kernels portable,"*) ;;
    *) echo "consumer package: TANDEM_KERNELS=portable was not honoured" >&2; exit 1 ;;
esac
echo "consumer package: OK"
