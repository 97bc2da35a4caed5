// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every Swift target: explicit `any`, and imports that say which
/// module a member comes from.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Tandem",
    products: [
        .library(name: "TandemTensor", targets: ["TandemTensor"]),
        .library(name: "TandemNN", targets: ["TandemNN"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Libraries

        .target(name: "TandemTensor", swiftSettings: swiftSettings),
        .target(name: "TandemNN", dependencies: ["TandemTensor", "CBLAS"], swiftSettings: swiftSettings),

        // MARK: - C shims and system libraries

        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Executables

        .executableTarget(name: "tandem-bench", dependencies: [
            "TandemNN", "TandemTensor", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        // MARK: - Test support

        .target(name: "_TestSupport", dependencies: ["TandemTensor"], path: "Tests/_TestSupport", swiftSettings: swiftSettings),

        // MARK: - Tests

        .testTarget(name: "TandemTensorTests", dependencies: ["TandemTensor", "_TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemNNTests", dependencies: ["TandemNN", "TandemTensor", "_TestSupport"], swiftSettings: swiftSettings),
    ]
)
