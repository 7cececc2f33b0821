import Foundation
import LkLang
import LkTensor

/// The one table that binds every built-in name to its implementation, its
/// signature and its doc string. `:help name` prints the doc string from here,
/// and `Docs/builtins.md` is generated from here (a test keeps them in step).
public enum BuiltinTable {
    /// Every built-in, grouped by topic, in the order `:help` lists them.
    public static let groups: [(title: String, builtins: [Builtin])] = withDifferentiation([
        ("Creating tensors", creation),
        ("Shape and layout", shaping),
        ("Elementwise math", elementwise),
        ("Reductions", reductions),
        ("Linear algebra", linearAlgebra),
        ("NumPy linear algebra, FFT and einsum", numpyLinalg),
        ("Statistics and geometry", statistics),
        ("Input, output and time", inputOutput),
        ("Lists, records and strings", collections),
        ("Plots", plotting),
        ("Latent geometry: relative representations, Loki, EigenTrajectory, Latent Compass", latentGeometry),
        ("Learning dynamics", learningDynamics),
        ("Krylov and diffusion", diffusion),
        ("Sorting, statistics and layout (NumPy)", numpyCore),
        ("Differentiation", differentiation),
        ("Training and optimizers", training),
        ("Sweeps", sweeps),
    ])

    public static var all: [Builtin] { groups.flatMap { $0.builtins } }

    /// Gives each built-in its rule for differentiated arguments (Differentiation.swift).
    static func withDifferentiation(_ groups: [(title: String, builtins: [Builtin])]) -> [(title: String, builtins: [Builtin])] {
        for g in groups { for b in g.builtins { if let d = differentiationRules[b.name] { _ = b.differentiable(d) } } }
        return groups
    }

    /// Named constants: `pi`, `inf`, `nan`, `e`.
    public static let constants: [(String, Value)] = [
        ("pi", .number(Double.pi)), ("inf", .number(Double.infinity)), ("nan", .number(Double.nan)), ("e", .number(M_E)),
    ]

    /// A fresh interpreter with every built-in and constant.
    public static func makeInterpreter() -> Interpreter {
        Interpreter(builtins: all, constants: constants)
    }

    /// The Markdown reference generated from the table (Docs/builtins.md).
    public static func markdownReference() -> String {
        var out = "# Built-in reference\n\n"
        out += "Generated from the registration table (`lk --builtins-md`); `:help name` at the prompt prints the same text.\n\n"
        out += "Constants: " + constants.map { "`\($0.0)`" }.joined(separator: ", ") + ".\n"
        for g in groups {
            out += "\n## \(g.title)\n"
            for b in g.builtins {
                out += "\n### `\(b.signature)`\n\n\(b.doc)\n"
            }
        }
        return out
    }
}

/// Builds a table entry from its one declaration, the signature line (see
/// `Signature` for its grammar), and its doc string.
func def(_ signature: String, _ doc: String, differentiation: Differentiation = .none,
         _ body: @escaping (inout Arguments) throws -> Value) -> Builtin {
    Builtin(signature: signature, doc: doc, differentiation: differentiation, body)
}

/// A tensor result as a value (rank 0 becomes a number).
@inline(__always) func wrap(_ t: Tensor) -> Value { Value.from(t) }

func record(_ fields: [(String, Value)]) -> Value { .record(Record(fields)) }
