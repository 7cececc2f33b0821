import LkTensor

/// A linear forward operator A between real tensors, with its adjoint Aᴴ (for the real inner
/// products Σ xᵢyᵢ of the stored numbers: complex data, a trailing axis of 2, gets
/// Re(aᴴb)) and its normal operator AᴴA. Inputs are images (or vectors) of `inputShape`.
public struct LinearOperator {
    public let name: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    let forwardMap: (Tensor) throws -> Tensor
    let adjointMap: (Tensor) throws -> Tensor
    let normalMap: ((Tensor) throws -> Tensor)?

    public init(name: String, inputShape: [Int], outputShape: [Int],
                forward: @escaping (Tensor) throws -> Tensor,
                adjoint: @escaping (Tensor) throws -> Tensor,
                normal: ((Tensor) throws -> Tensor)? = nil) {
        self.name = name; self.inputShape = inputShape; self.outputShape = outputShape
        forwardMap = forward; adjointMap = adjoint; normalMap = normal
    }

    /// A x, for x of `inputShape`.
    public func forward(_ x: Tensor) throws -> Tensor {
        try LinearOperator.returned(try forwardMap(try LinearOperator.conform(x, inputShape, "x", name)), outputShape, "forward(x)", name)
    }

    /// Aᴴ y, for y of `outputShape`.
    public func adjoint(_ y: Tensor) throws -> Tensor {
        try LinearOperator.returned(try adjointMap(try LinearOperator.conform(y, outputShape, "y", name)), inputShape, "adjoint(y)", name)
    }

    /// AᴴA x.
    public func normal(_ x: Tensor) throws -> Tensor {
        let v = try LinearOperator.conform(x, inputShape, "x", name)
        if let normalMap { return try LinearOperator.returned(try normalMap(v), inputShape, "normal(x)", name) }
        return try adjoint(try forward(v))
    }

    /// What a map returned, checked against the shape it must have: an operator written in
    /// lk may return anything, and the samplers' vector arithmetic needs matching sizes.
    static func returned(_ t: Tensor, _ shape: [Int], _ what: String, _ name: String) throws -> Tensor {
        if t.shape == shape { return t }
        guard t.count == shape.reduce(1, *) else {
            throw TensorError("\(name): \(what) returned shape \(shapeString(t.shape)) but it must have shape \(shapeString(shape))")
        }
        return try t.reshaped(shape)
    }

    static func conform(_ t: Tensor, _ shape: [Int], _ what: String, _ name: String) throws -> Tensor {
        if t.shape == shape { return t }
        guard t.count == shape.reduce(1, *) else {
            throw TensorError("\(name): \(what) has shape \(shapeString(t.shape)) but the operator expects \(shapeString(shape))")
        }
        return try t.reshaped(shape)
    }

    /// The operator of an m×d matrix acting on inputs of `inputShape` (d elements, flattened
    /// row-major): forward gives a vector of m, adjoint is Aᵀ (BLAS dgemv both ways).
    public static func matrix(_ a: Tensor, inputShape: [Int]) throws -> LinearOperator {
        guard a.rank == 2 else { throw TensorError("the operator matrix must be 2-D, got shape \(shapeString(a.shape))") }
        let d = inputShape.reduce(1, *)
        guard a.shape[1] == d else {
            throw TensorError("the operator matrix is \(a.shape[0])×\(a.shape[1]) but images have \(d) elements \(shapeString(inputShape)): it needs \(d) columns")
        }
        return LinearOperator(
            name: "matrix", inputShape: inputShape, outputShape: [a.shape[0]],
            forward: { try Tensor.matmul(a, try $0.reshaped([d])) },
            adjoint: { try Tensor.matmul(a, $0, transA: true).reshaped(inputShape) })
    }

    /// A dense matrix of the operator (outputs flattened × inputs flattened), built column by
    /// column from `forward`; for inspection and tests of small operators.
    public func denseMatrix() throws -> Tensor {
        let d = inputShape.reduce(1, *), m = outputShape.reduce(1, *)
        let out = try Tensor(shape: [m, d], repeating: 0)
        for j in 0..<d {
            try Interrupt.check()
            var e = try Tensor(shape: inputShape, repeating: 0)
            e[flat: j] = 1
            let col = try forward(e)
            for i in 0..<m { out.pointer[i * d + j] = col.pointer[i] }
        }
        return out
    }
}
