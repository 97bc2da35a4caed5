/// A building block with a forward pass and the matching backward pass.
///
/// `forward` returns a map the layer owns (valid until its next forward); `backward`
/// takes the gradient of the loss with respect to that output, **adds** the gradients of
/// the layer's parameters to their ``Parameter/gradientPointer`` and returns the gradient
/// with respect to the input (also owned by the layer). A backward pass uses what the
/// latest forward pass saved, so calls alternate forward, backward.
public protocol Layer: AnyObject {
    associatedtype Scalar: NNScalar
    /// The layer's parameters, trainable or not, in a fixed order.
    var parameters: [Parameter<Scalar>] { get }
    /// Computes the output for `input`.
    func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar>
    /// Back-propagates `outputGradient` and returns the input gradient.
    func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar>
    /// The inference-mode output, possibly by a faster path that keeps nothing for a
    /// backward pass (the default is `forward` in inference mode).
    func infer(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar>
}

extension Layer {
    /// `forward` in inference mode.
    public func infer(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        forward(input, context: PassContext(pool: context.pool, training: false, kernels: context.kernels))
    }
}
