import Foundation
import LkTensor

/// Reading a Jupyter notebook (nbformat 4) back into an lk percent script, for
/// `lk render NOTEBOOK.ipynb -o FILE.lk`: the inverse of the renderer's `.ipynb`
/// output. Here rather than in the command-line tool so that the fuzzer
/// (Tests/Fuzz) reaches the same code.
public enum NotebookJSON {
    /// A percent script from an lk notebook, or why not.
    public static func script(fromIPYNB data: Data) -> Result<String, NotebookFormatError> {
        guard let nb = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(NotebookFormatError("not a notebook (not a JSON object)"))
        }
        guard (nb["nbformat"] as? Int) == 4, let cells = nb["cells"] as? [[String: Any]] else {
            return .failure(NotebookFormatError("not an nbformat 4 notebook"))
        }
        let meta = nb["metadata"] as? [String: Any] ?? [:]
        let language = ((meta["kernelspec"] as? [String: Any])?["language"] as? String)
            ?? ((meta["language_info"] as? [String: Any])?["name"] as? String) ?? ""
        guard language == "lk" else {
            return .failure(NotebookFormatError("its kernel's language is '\(language.isEmpty ? "unknown" : messageText(language, limit: 40))', not lk"))
        }
        func text(_ v: Any?) -> String {
            if let s = v as? String { return s }
            if let a = v as? [String] { return a.joined() }
            return ""
        }
        var out: [String] = []
        for cell in cells {
            let source = text(cell["source"]).trimmingCharacters(in: .newlines)
            let title = ((cell["metadata"] as? [String: Any])?["title"] as? String).map { " " + $0 } ?? ""
            switch cell["cell_type"] as? String {
            case "markdown":
                let body = source.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "#" : "# " + $0 }
                out.append((["# %% [markdown]\(title)"] + body).joined(separator: "\n"))
            case "code":
                out.append("# %%\(title)\n" + source)
            default:   // raw cells: kept as comments
                out.append(source.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(separator: "\n"))
            }
        }
        return .success(out.joined(separator: "\n\n") + "\n")
    }
}

/// Why a file is not an lk notebook; the message names no file (the caller does).
public struct NotebookFormatError: Error {
    public let message: String
    public init(_ message: String) { self.message = message }
}
