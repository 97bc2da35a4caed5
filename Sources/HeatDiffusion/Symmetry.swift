/// The 8 symmetries of the square, in the order the reference augments a batch:
/// identity, rot90, rot180, rot270, then F = the up-down flip of rot270, and F's rot90,
/// rot180 and rot270. `rot90` is numpy's `rot90` over the two spatial axes (a
/// counter-clockwise quarter turn: the first row becomes the first column, reversed).
///
/// The steady-state problem is invariant under all 8, so each maps one simulation
/// (u_init, u_steady) to another valid one.
public enum Symmetry: Int, CaseIterable, Sendable {
    case identity, rotate90, rotate180, rotate270
    case flippedRotate270, flippedRotate270Rotate90, flippedRotate270Rotate180, flippedRotate270Rotate270

    /// The (row, column) of the source point whose value lands at (`row`, `column`) of the
    /// transformed `size × size` grid.
    @inlinable @inline(__always)
    func source(row: Int, column: Int, size: Int) -> (row: Int, column: Int) {
        let last = size - 1
        // rot90ᵏ of a grid g: rot90(g)[i][j] = g[j][last − i].
        func rotated(_ i: Int, _ j: Int, _ quarterTurns: Int) -> (Int, Int) {
            switch quarterTurns {
            case 1: (j, last - i)
            case 2: (last - i, last - j)
            case 3: (last - j, i)
            default: (i, j)
            }
        }
        let turns = rawValue % 4
        let (i, j) = rotated(row, column, turns)
        guard rawValue >= 4 else { return (i, j) }
        // F = flipud(rot270(g)): F[i][j] = rot270(g)[last − i][j].
        return rotated(last - i, j, 3)
    }

    /// The transformed grid.
    /// Inlinable, so callers get it specialised for their element type.
    @inlinable
    public func apply<Element>(to grid: SquareGrid<Element>) -> SquareGrid<Element> {
        let size = grid.size
        var values: [Element] = []
        values.reserveCapacity(size * size)
        for row in 0..<size {
            for column in 0..<size {
                let (r, c) = source(row: row, column: column, size: size)
                values.append(grid.values[r * size + c])
            }
        }
        return SquareGrid(size: size, values: values)
    }
}

extension Symmetry {
    /// Augments a batch by all 8 symmetries, symmetry-major as the reference does: the whole
    /// batch under the identity, then the whole batch under rot90, and so on.
    ///
    /// - Returns: `8 × grids.count` grids.
    @inlinable
    public static func augment<Element>(_ grids: [SquareGrid<Element>]) -> [SquareGrid<Element>] {
        allCases.flatMap { symmetry in grids.map(symmetry.apply) }
    }
}

extension Symmetry {
    /// Where a point of the unit square goes, as (y, x) with y ↔ rows and x ↔ columns: the
    /// continuous counterpart of ``apply(to:)-(SquareGrid<Element>)``.
    public func map(y: Double, x: Double) -> (y: Double, x: Double) {
        var (y, x) = (y, x)
        if rawValue >= 4 { (y, x) = (1 - x, 1 - y) }   // F = flipud ∘ rot270
        for _ in 0..<(rawValue % 4) { (y, x) = (1 - x, y) }   // rot90
        return (y, x)
    }

    /// The problem whose solution is this symmetry applied to `problem`'s solution.
    public func apply(to problem: HeatProblem) -> HeatProblem {
        let sources = problem.sources.map { source in
            let (y, x) = map(y: source.y, x: source.x)
            return HeatSource(x: x, y: y, radius: source.radius)
        }
        // The mapped centers stay in the unit square, so validation cannot fail.
        return try! HeatProblem(size: problem.size, sources: sources)
    }
}
