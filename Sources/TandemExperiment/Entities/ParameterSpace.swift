import TandemTensor

/// Named parameters, each with the values it may take, in declaration order.
///
/// ```swift
/// let space: ParameterSpace = ["steps": ["50", "100"], "size": ["32", "64"]]
/// space.expand(.allPermutations)
/// // [["steps": "50", "size": "32"], ["steps": "50", "size": "64"],
/// //  ["steps": "100", "size": "32"], ["steps": "100", "size": "64"]]
/// ```
public struct ParameterSpace: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The parameters in declaration order; the last one varies fastest in permutations.
    public var parameters: [(name: String, values: [String])] {
        zip(names, values).map { ($0, $1) }
    }
    private var names: [String]
    private var values: [[String]]

    /// Creates a space from `(name, values)` pairs; order is kept.
    ///
    /// - Precondition: names are unique.
    public init(_ parameters: [(name: String, values: [String])]) {
        names = parameters.map(\.name)
        values = parameters.map(\.values)
        precondition(Set(names).count == names.count, "parameter names must be unique: \(names)")
    }

    public init(dictionaryLiteral elements: (String, [String])...) {
        self.init(elements.map { (name: $0.0, values: $0.1) })
    }

    /// The number of points of the full grid (the product of the value counts).
    public var permutationCount: Int { values.reduce(1) { $0 * $1.count } }

    /// The parameter sets `strategy` picks, one per ensemble member.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/invalidDeclaration`` for ``ExpansionStrategy/stepped``
    ///   when the parameters have different numbers of values (SmartSim silently truncates to
    ///   the shortest; here that is an error), or for a negative sample count.
    public func expand(_ strategy: ExpansionStrategy) throws(ExperimentError) -> [[String: String]] {
        switch strategy {
        case .allPermutations:
            return allPermutations()
        case .stepped:
            let counts = Set(values.map(\.count))
            guard counts.count <= 1 else {
                throw ExperimentError(.invalidDeclaration,
                    "stepped expansion needs the same number of values for every parameter; got "
                    + zip(names, values).map { "\($0): \($1.count)" }.joined(separator: ", "))
            }
            let steps = values.first?.count ?? 0
            return (0..<steps).map { step in
                Dictionary(uniqueKeysWithValues: zip(names, values.map { $0[step] }))
            }
        case .randomSample(let count, let seed):
            guard count >= 0 else {
                throw ExperimentError(.invalidDeclaration, "a random sample needs a count ≥ 0, got \(count)")
            }
            var all = allPermutations()
            guard count < all.count else { return all }
            // Partial Fisher–Yates: the first `count` places become a uniform sample without
            // replacement, in the order drawn. Seeded, so a run can be repeated exactly.
            var generator = SeededGenerator(seed: seed)
            for i in 0..<count {
                let j = Int.random(in: i..<all.count, using: &generator)
                all.swapAt(i, j)
            }
            return Array(all.prefix(count))
        }
    }

    /// Every combination, the last parameter varying fastest (as `itertools.product`).
    private func allPermutations() -> [[String: String]] {
        var sets: [[String: String]] = [[:]]
        for (name, options) in zip(names, values) {
            sets = sets.flatMap { partial in
                options.map { value in
                    var next = partial
                    next[name] = value
                    return next
                }
            }
        }
        return sets
    }

    public static func == (a: Self, b: Self) -> Bool { a.names == b.names && a.values == b.values }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(values)
    }
}

/// How an ensemble turns a ``ParameterSpace`` into members (SmartSim's `perm_strat`).
public enum ExpansionStrategy: Sendable, Hashable {
    /// Every combination of values (`all_perm`).
    case allPermutations
    /// The i-th values of all parameters together, one member per step (`step`).
    case stepped
    /// `count` distinct combinations drawn at random with `seed`; all of them when `count`
    /// is at least their number (`random` with `n_models`).
    case randomSample(count: Int, seed: UInt64)
}
