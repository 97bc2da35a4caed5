import Foundation
import Testing
import HeatDiffusion
import TandemTesting

@Suite struct SymmetryTests {
    /// numpy's definitions, written out: rot90(g)[i][j] = g[j][n−1−i], flipud(g)[i][j] = g[n−1−i][j].
    static func rot90(_ g: [[Int]]) -> [[Int]] {
        let n = g.count
        return (0..<n).map { i in (0..<n).map { j in g[j][n - 1 - i] } }
    }
    static func flipud(_ g: [[Int]]) -> [[Int]] { g.reversed() }
    static func rot(_ g: [[Int]], _ k: Int) -> [[Int]] { (0..<k).reduce(g) { r, _ in rot90(r) } }

    /// An asymmetric 3×3 example: every value distinct.
    static let example = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]

    static var expected: [[[Int]]] {
        let g = example
        let f = flipud(rot(g, 3))
        return [g, rot(g, 1), rot(g, 2), rot(g, 3), f, rot(f, 1), rot(f, 2), rot(f, 3)]
    }

    @Test func theEightSymmetriesMatchTheirDefinitionsInOrder() {
        let grid = SquareGrid(size: 3, values: Self.example.flatMap { $0 })
        let results = Symmetry.allCases.map { $0.apply(to: grid).values }
        #expect(results == Self.expected.map { $0.flatMap { $0 } })
        #expect(Set(results).count == 8)
        // rot90 is numpy's counter-clockwise turn: the top row 1 2 3 becomes the left column 3 2 1.
        #expect(results[1] == [3, 6, 9, 2, 5, 8, 1, 4, 7])
    }

    @Test func augmentIsSymmetryMajor() {
        let a = SquareGrid(size: 3, values: Array(0..<9)), b = SquareGrid(size: 3, values: Array(9..<18))
        let out = Symmetry.augment([a, b])
        #expect(out.count == 16)
        for (s, symmetry) in Symmetry.allCases.enumerated() {
            #expect(out[2 * s] == symmetry.apply(to: a))
            #expect(out[2 * s + 1] == symmetry.apply(to: b))
        }
    }

    @Test func continuousMapAgreesWithTheGridMap() {
        // Grid point (row, column) of a 5×5 grid sits at y = row/4, x = column/4.
        let grid = SquareGrid(size: 5, values: Array(0..<25))
        for symmetry in Symmetry.allCases {
            let out = symmetry.apply(to: grid)
            for value in 0..<25 {
                let (y, x) = symmetry.map(y: Double(value / 5) / 4, x: Double(value % 5) / 4)
                #expect(out[Int((y * 4).rounded()), Int((x * 4).rounded())] == value)
            }
        }
    }

    /// The same augmentation computed by numpy, the reference's own library.
    @Test func matchesNumpy() throws {
        let python = try Peers.python()
        let script = """
        import numpy as np, json
        g = np.arange(16).reshape(4, 4)
        f = np.flipud(np.rot90(g, 3))
        out = [np.rot90(g, k) for k in range(4)] + [np.rot90(f, k) for k in range(4)]
        print(json.dumps([o.flatten().tolist() for o in out]))
        """
        let result = try TestEnvironment.run(python, ["-c", script])
        #expect(result.status == 0, "\(result.error)")
        let numpy = try JSONDecoder().decode([[Int]].self, from: Data(result.output.utf8))
        let grid = SquareGrid(size: 4, values: Array(0..<16))
        #expect(Symmetry.allCases.map { $0.apply(to: grid).values } == numpy)
    }
}
