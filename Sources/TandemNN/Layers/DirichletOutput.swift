/// Imposes the heat problem's fixed values on a network's free output, by construction:
/// `out = s + (1 − s) · m · y`, where `s` is the source map (the network's input: 1 at
/// source points, 0 elsewhere), `m` is 1 inside the grid and 0 on its outer ring, and `y`
/// is the free field the layers before it computed.
///
/// Where `s = 1` the output is exactly 1 (sources are held at 1); on the outer ring it is
/// exactly 0 (the boundary is held at 0); elsewhere it is `y`. So the network spends
/// nothing on learning the boundary conditions, and no error is ever made there.
///
/// Both inputs have one channel per output channel and the same shape. The backward pass
/// returns `∂L/∂y = (1 − s)·m·g`; ``lastSourceGradient`` holds `∂L/∂s = (1 − m·y)·g`.
public final class DirichletOutput<Scalar: NNScalar> {
    private let output = FeatureMap<Scalar>()
    private let fieldGradient = FeatureMap<Scalar>()
    private let sourceGradient = FeatureMap<Scalar>()
    private var sources: FeatureMap<Scalar>?
    private var field: FeatureMap<Scalar>?

    /// Creates the layer.
    public init() {}

    /// Whether `(y, x)` is inside the grid (not on its outer ring): the mask `m`.
    @inline(__always)
    public static func isInterior(y: Int, x: Int, height: Int, width: Int) -> Bool {
        y > 0 && x > 0 && y < height - 1 && x < width - 1
    }

    /// Returns `s + (1 − s)·m·y` (owned by this layer).
    ///
    /// - Precondition: `sources` and `field` have the same shape.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(sources: FeatureMap<Scalar>, field: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(sources.hasSameShape(as: field), "DirichletOutput: shapes differ (\(sources.shapeNHWC) vs \(field.shapeNHWC))")
        self.sources = sources
        self.field = field
        output.resize(like: field)
        let H = field.height, W = field.width, C = field.channels
        context.pool.run(tasks: field.batch) { n, _ in
            for c in 0..<C {
                let s = sources.plane(n, c), y = field.plane(n, c), o = self.output.plane(n, c)
                for row in 0..<H {
                    let base = row * W
                    if row == 0 || row == H - 1 {
                        for i in base..<(base + W) { o[i] = s[i] }
                        continue
                    }
                    o[base] = s[base]
                    o[base + W - 1] = s[base + W - 1]
                    if W > 2 {
                        for i in (base + 1)..<(base + W - 1) { o[i] = s[i] + (1 - s[i]) * y[i] }
                    }
                }
            }
        }
        return output
    }

    /// Back-propagates `outputGradient`; returns `∂L/∂y` (owned by this layer).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard let sources, let field else { preconditionFailure("DirichletOutput.backward before forward") }
        precondition(outputGradient.hasSameShape(as: field), "DirichletOutput.backward: gradient shape differs from output")
        fieldGradient.resize(like: field)
        sourceGradient.resize(like: field)
        let H = field.height, W = field.width, C = field.channels
        context.pool.run(tasks: field.batch) { n, _ in
            for c in 0..<C {
                let s = sources.plane(n, c), y = field.plane(n, c), g = outputGradient.plane(n, c)
                let dy = self.fieldGradient.plane(n, c), ds = self.sourceGradient.plane(n, c)
                for row in 0..<H {
                    for column in 0..<W {
                        let i = row * W + column
                        if Self.isInterior(y: row, x: column, height: H, width: W) {
                            dy[i] = (1 - s[i]) * g[i]
                            ds[i] = (1 - y[i]) * g[i]
                        } else {
                            dy[i] = 0
                            ds[i] = g[i]
                        }
                    }
                }
            }
        }
        return fieldGradient
    }

    /// `∂L/∂s` from the latest ``backward(_:context:)``.
    public var lastSourceGradient: FeatureMap<Scalar> { sourceGradient }
}
