import Foundation

/// What a run has done so far, as a person reads it (``html()``) and as a program reads it
/// (``summaryJSON()``): parameters, pictures with titles, the status of every process, the
/// accuracy figures, the training curves and a log of events.
///
/// A driver keeps one `Report`, updates it as the run progresses and rewrites both files
/// with ``ReportWriter`` after each step, so opening the report mid-run shows the latest
/// state (while ``state`` is `running` the page reloads itself every few seconds).
public struct Report: Sendable {
    /// Where the run stands.
    public enum State: String, Sendable, Codable {
        case running, finished, interrupted, failed
    }

    /// A picture file (PNG or SVG) beside the report.
    public struct Figure: Sendable, Equatable, Codable {
        /// The heading shown above it.
        public var title: String
        /// Its path relative to the report's directory.
        public var file: String
        /// A line under it.
        public var caption: String

        public init(title: String, file: String, caption: String = "") {
            self.title = title
            self.file = file
            self.caption = caption
        }
    }

    /// One run of one process, as the status table shows it.
    public struct EntityStatus: Sendable, Equatable, Codable {
        public var name: String
        public var entityType: String
        public var jobID: String
        public var runID: Int
        /// Seconds from launch to end (or until the report was written).
        public var seconds: Double
        /// `Running`, `Completed`, `Failed`, `Cancelled`, …
        public var status: String
        /// The exit code (minus the signal number for a signal); `nil` while running.
        public var returnCode: Int?

        public init(name: String, entityType: String, jobID: String, runID: Int, seconds: Double, status: String, returnCode: Int?) {
            self.name = name
            self.entityType = entityType
            self.jobID = jobID
            self.runID = runID
            self.seconds = seconds
            self.status = status
            self.returnCode = returnCode
        }

        enum CodingKeys: String, CodingKey {
            case name, entityType = "entity_type", jobID = "job_id", runID = "run_id", seconds = "time_s", status
            case returnCode = "return_code"
        }
    }

    /// How close a model's predictions are to the reference, beside two trivial predictors.
    public struct Accuracy: Sendable, Equatable, Codable {
        /// How many cases were predicted.
        public var samples: Int
        /// Mean absolute error of the model over every grid point of every case.
        public var meanAbsoluteError: Double
        /// Largest absolute error of the model at any grid point.
        public var maxAbsoluteError: Double
        /// Mean absolute error of predicting zeros everywhere.
        public var zerosMeanAbsoluteError: Double
        /// Mean absolute error of predicting the input itself.
        public var identityMeanAbsoluteError: Double
        /// The model's mean absolute error at points near a source (see ``AccuracyMeter``).
        public var nearSourceMeanAbsoluteError: Double?
        /// The model's mean absolute error at the other points (the far field).
        public var farFieldMeanAbsoluteError: Double?
        /// The share of points near a source.
        public var nearSourceShare: Double?

        public init(samples: Int, meanAbsoluteError: Double, maxAbsoluteError: Double,
                    zerosMeanAbsoluteError: Double, identityMeanAbsoluteError: Double,
                    nearSourceMeanAbsoluteError: Double? = nil, farFieldMeanAbsoluteError: Double? = nil,
                    nearSourceShare: Double? = nil) {
            self.samples = samples
            self.meanAbsoluteError = meanAbsoluteError
            self.maxAbsoluteError = maxAbsoluteError
            self.zerosMeanAbsoluteError = zerosMeanAbsoluteError
            self.identityMeanAbsoluteError = identityMeanAbsoluteError
            self.nearSourceMeanAbsoluteError = nearSourceMeanAbsoluteError
            self.farFieldMeanAbsoluteError = farFieldMeanAbsoluteError
            self.nearSourceShare = nearSourceShare
        }
    }

    /// The page's heading.
    public var title: String
    public var state: State = .running
    /// One line saying why the run stopped, when it did not simply finish.
    public var message: String?
    /// The run's parameters, in the order given.
    public var parameters: [(name: String, value: ReportValue)] = []
    /// The pictures, in the order they were made.
    public private(set) var figures: [Figure] = []
    /// The latest status of every process.
    public var entities: [EntityStatus] = []
    /// What each database node held at the end (empty until surveyed).
    public var databaseNodes: [DatabaseNodeContents] = []
    /// The final accuracy, once measured.
    public var accuracy: Accuracy?
    /// The network trained, e.g. `HeatUNet(levels: 4, width: 8)`, and its parameter count.
    public var network: (architecture: String, parameters: Int)?

    /// The tutorial's network (DiffusionResNet with the tutorial's defaults) measured on
    /// 100 fresh simulations over several seeds: its test mean absolute error lies in this
    /// range. Reports show it for scale.
    public static let tutorialNetworkMeanAbsoluteError = 0.093...0.101
    /// Seconds since the run started.
    public var wallSeconds: Double = 0
    /// Named series of numbers published during the run (for example the loss per epoch).
    public var series: [(name: String, values: [Double])] = []
    /// What happened, one line each, oldest first.
    public private(set) var events: [String] = []

    /// An empty report.
    public init(title: String) {
        self.title = title
    }

    /// Adds a figure, or replaces the one with the same file (a plot redrawn with more points).
    public mutating func add(_ figure: Figure) {
        if let index = figures.firstIndex(where: { $0.file == figure.file }) {
            figures[index] = figure
        } else {
            figures.append(figure)
        }
    }

    /// Appends a line to the log of events.
    public mutating func log(_ event: String) {
        events.append(event)
    }

    /// Sets (or replaces) the named series.
    public mutating func setSeries(_ name: String, _ values: [Double]) {
        if let index = series.firstIndex(where: { $0.name == name }) {
            series[index].values = values
        } else {
            series.append((name, values))
        }
    }
}

/// A parameter's value: kept typed so `summary.json` holds numbers as numbers.
public enum ReportValue: Sendable, Equatable, Codable, CustomStringConvertible,
                         ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .bool(let value): String(value)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}
