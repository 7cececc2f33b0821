import LkTensor

/// A matrix from its rows (all of one length), for hand-worked test values.
public func matrix(_ rows: [[Double]]) -> Tensor {
    precondition(rows.allSatisfy { $0.count == rows.first?.count }, "matrix: rows of different lengths")
    return try! Tensor(shape: [rows.count, rows.first?.count ?? 0], data: rows.flatMap { $0 })
}
