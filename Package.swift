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
        .library(name: "RESP", targets: ["RESP"]),
        .library(name: "TandemRedis", targets: ["TandemRedis"]),
        .library(name: "TandemTesting", targets: ["TandemTesting"]),
        .library(name: "TandemWorkflow", targets: ["TandemWorkflow"]),
        .library(name: "ONNX", targets: ["ONNX"]),
        .library(name: "HeatDiffusion", targets: ["HeatDiffusion"]),
        .library(name: "TandemPlot", targets: ["TandemPlot"]),
        .library(name: "TandemClient", targets: ["TandemClient"]),
        .library(name: "TandemML", targets: ["TandemML"]),
        .library(name: "TandemNN", targets: ["TandemNN"]),
        .library(name: "TandemExperiment", targets: ["TandemExperiment"]),
        .executable(name: "tandem-bench", targets: ["tandem-bench"]),
        .executable(name: "heat-demo", targets: ["heat-demo"]),
        .executable(name: "fd-sim", targets: ["fd-sim"]),
        .executable(name: "surrogate-train", targets: ["surrogate-train"]),
        .library(name: "TandemAI", type: .dynamic, targets: ["TandemAI"]),
        .library(name: "TandemONNX", targets: ["TandemONNX"]),
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "OnlineTraining", targets: ["OnlineTraining"]),
        .executable(name: "online-training", targets: ["online-training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Libraries

        .target(name: "TandemTensor", swiftSettings: swiftSettings),
        .target(name: "RESP", swiftSettings: swiftSettings),
        // The one place that talks to Redis: the blocking RESP connection, free ports, a redis-server launcher.
        .target(name: "TandemRedis", dependencies: ["RESP"], swiftSettings: swiftSettings),
        .target(name: "ONNX", swiftSettings: swiftSettings),
        .target(name: "HeatDiffusion", dependencies: ["TandemTensor"], swiftSettings: swiftSettings),
        .target(name: "TandemPlot", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(name: "TandemClient", dependencies: ["TandemTensor", "RESP", "TandemRedis"], swiftSettings: swiftSettings),
        .target(name: "TandemML", dependencies: ["TandemClient", "TandemTensor"], swiftSettings: swiftSettings),
        // Neural networks; the Float kernels are in CTandemKernels, chosen at run time by CPU.
        .target(name: "TandemNN", dependencies: ["TandemTensor", "CBLAS", "CTandemKernels"], swiftSettings: swiftSettings),
        // The Redis module (build with `make module`: release, Swift stdlib linked statically).
        .target(name: "TandemAI", dependencies: ["CRedisModule", "CTandemBackend", "TandemTensor", "ONNX", "TandemONNX"], swiftSettings: swiftSettings),
        .target(name: "TandemExperiment", dependencies: ["RESP", "TandemTensor", "TandemRedis", "CTandemSpawn"], swiftSettings: swiftSettings),
        // ONNX export of TandemNN models and the ONNX runtime on TandemNN's kernels (Foundation-free: the module links it).
        .target(name: "TandemONNX", dependencies: ["ONNX", "TandemNN", "TandemTensor", "CBLAS", "CTandemKernels"], swiftSettings: swiftSettings),
        // The online-training workflow (driver of `online-training`).
        .target(name: "OnlineTraining", dependencies: ["TandemExperiment", "TandemClient", "TandemPlot", "HeatDiffusion", "TandemTensor", "TandemNN", "TandemWorkflow"], swiftSettings: swiftSettings),

        // MARK: - C shims and system libraries

        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CRedisModule"),
        .target(name: "CTandemSpawn"),
        // The C interface of TandemAI's backend libraries (the TORCH backend in backends/torch) and their loader.
        .target(name: "CTandemBackend"),
        // TandemNN's Float kernels (convolution rows, kernel gradients, element-wise passes),
        // each built for portable x86-64/ARM, AVX2+FMA and AVX-512 by per-function target
        // attributes and chosen at run time (`TANDEM_KERNELS` forces one).
        .target(name: "CTandemKernels"),

        // MARK: - Executables

        .executableTarget(
            name: "tandem-bench",
            dependencies: [
                "HeatDiffusion", "TandemTensor", "RESP", "TandemClient", "TandemExperiment",
                "TandemNN", "CBLAS", "TandemONNX", "ONNX", "TandemML", "TandemRedis", "OnlineTraining", "TandemWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "heat-demo",
            dependencies: [
                "HeatDiffusion", "TandemPlot", "TandemTensor", "TandemWorkflow", "TandemExperiment",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "surrogate-train",
            dependencies: [
                "ONNX", "TandemClient", "TandemML", "TandemNN", "TandemONNX", "TandemTensor", "TandemWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "fd-sim",
            dependencies: [
                "HeatDiffusion", "TandemClient", "TandemML", "TandemTensor", "TandemWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemExperiment", "TandemClient", "TandemTensor", "RESP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        .executableTarget(
            name: "online-training",
            dependencies: [
                "OnlineTraining", "TandemNN", "TandemWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // What fd-sim, surrogate-train and online-training agree on: key names, shared options.
        .target(
            name: "TandemWorkflow",
            dependencies: ["HeatDiffusion", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        // Helpers for tests and benchmarks that use the real peers (servers with the module, Python, redis-cli).
        .target(name: "TandemTesting", dependencies: ["TandemTensor", "RESP", "TandemRedis"], swiftSettings: swiftSettings),

        // MARK: - Test support

        .executableTarget(name: "experiment-test-driver", dependencies: ["TandemExperiment"], path: "Tests/ExperimentTestDriver", swiftSettings: swiftSettings),

        // MARK: - Tests

        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "TandemTensor", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemRedisTests", dependencies: ["TandemRedis", "RESP", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "RESPTests", dependencies: ["RESP", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemTensorTests", dependencies: ["TandemTensor", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "HeatDiffusionTests", dependencies: ["HeatDiffusion", "CBLAS", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemPlotTests", dependencies: ["TandemPlot", "CZlib", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemNNTests", dependencies: ["TandemNN", "HeatDiffusion", "TandemTensor", "TandemTesting"], swiftSettings: swiftSettings),
        // Integration tests of the Redis module: a real redis-server loading TANDEM_MODULE_PATH.
        .testTarget(name: "TandemAITests", dependencies: ["RESP", "TandemTensor", "ONNX", "TandemNN", "TandemONNX", "TandemTesting"], exclude: ["Python"], swiftSettings: swiftSettings),
        .testTarget(name: "PipelineTests", dependencies: ["HeatDiffusion", "RESP", "TandemTensor", "TandemTesting", "fd-sim", "surrogate-train"], exclude: ["Python"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemMLTests", dependencies: ["TandemML", "TandemClient", "TandemTensor", "RESP", "TandemTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemONNXTests", dependencies: ["TandemONNX", "ONNX", "TandemNN", "TandemTensor", "TandemTesting"], exclude: ["Python", "Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemClientTests", dependencies: ["TandemClient", "TandemNN", "TandemONNX", "ONNX", "TandemTesting"], exclude: ["Python"], swiftSettings: swiftSettings),
        // End to end: online-training with fd-sim and surrogate-train, built next to the test binary.
        .testTarget(name: "OnlineTrainingTests", dependencies: ["OnlineTraining", "TandemExperiment", "TandemPlot", "CZlib", "TandemTesting", "online-training", "fd-sim", "surrogate-train"], swiftSettings: swiftSettings),
        .testTarget(name: "TandemExperimentTests", dependencies: ["TandemExperiment", "TandemTesting", "experiment-test-driver", "tandem"], swiftSettings: swiftSettings),
    ]
)
