import HeatDiffusion
import TandemTensor
import Testing

@Suite struct HeatExamplesTests {
    @Test func augmentedExamplesAreTheSimulationsUnderEverySymmetryInOrder() throws {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let plain = try HeatExamples.random(simulations: 3, size: 12, augmented: false, using: &a)
        let augmented = try HeatExamples.random(simulations: 3, size: 12, augmented: true, using: &b)
        #expect(plain.count == 3 && augmented.count == 24)
        #expect(plain.initial.count == 3 * 144 && plain.steady.count == 3 * 144)
        // Symmetry-major: the identity block first, then rot90 of every simulation, ...
        #expect(Array(augmented.initial.prefix(3 * 144)) == plain.initial)
        let first = SquareGrid(size: 12, values: Array(plain.steady.prefix(144)))
        #expect(Array(augmented.steady[3 * 144..<4 * 144]) == Symmetry.rotate90.apply(to: first).values)
        // Sources are 1 in the input and in the steady state.
        for i in plain.initial.indices where plain.initial[i] == 1 { #expect(plain.steady[i] == 1) }
    }

    @Test func trivialBaselinesAreTheMeanAbsoluteErrorsOfZerosAndOfTheInput() throws {
        var generator = SeededGenerator(seed: 6)
        let examples = try HeatExamples.random(simulations: 4, size: 10, augmented: false, using: &generator)
        let n = Double(examples.steady.count)
        let zeros = examples.steady.reduce(0.0) { $0 + Double(abs($1)) } / n
        let identity = zip(examples.steady, examples.initial).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / n
        #expect(abs(examples.zerosMeanAbsoluteError - zeros) < 1e-12)
        #expect(abs(examples.identityMeanAbsoluteError - identity) < 1e-12)
        #expect(examples.identityMeanAbsoluteError < examples.zerosMeanAbsoluteError)  // sources are exact in the input
    }
}
