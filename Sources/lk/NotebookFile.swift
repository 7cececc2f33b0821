import Foundation
import LkLang
import LkSession
import LkTensor

/// Jupyter notebooks (nbformat 4.5) and lk's percent scripts, both ways: Jupytext's
/// percent format maps `# %%` to a code cell (its title to the cell's
/// metadata `title`) and `# %% [markdown]` to a markdown cell.
enum NotebookFile {
    nonisolated(unsafe) static let kernelspec: [String: Any] = ["name": "lk", "display_name": "lk", "language": "lk"]
    nonisolated(unsafe) static let languageInfo: [String: Any] = ["name": "lk", "version": "0.1.0", "file_extension": ".lk", "mimetype": "text/x-lk"]

    /// Lines as nbformat stores multi-line text: each line keeps its newline.
    static func lines(_ text: String) -> [String] {
        var out: [String] = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if let last = out.last { out[out.count - 1] = String(last.dropLast()) }
        if out.last == "" { out.removeLast() }
        return out
    }

    /// A cell id (nbformat 4.5): 8 hex digits, from the cell's position and text.
    static func cellID(_ index: Int) -> String { String(format: "%08x", 0x1c0000 + index) }

    static func ipynb(_ parts: [Renderer.Part]) -> String {
        var cells: [[String: Any]] = []
        for (i, (cell, result, count)) in parts.enumerated() {
            var metadata: [String: Any] = [:]
            if !cell.title.isEmpty { metadata["title"] = cell.title }
            guard let result else {
                cells.append(["cell_type": "markdown", "id": cellID(i), "metadata": metadata, "source": lines(cell.prose)])
                continue
            }
            var outputs: [[String: Any]] = []
            if !result.output.isEmpty {
                outputs.append(["output_type": "stream", "name": "stdout", "text": lines(result.output)])
            }
            for f in result.figures {
                guard let data = (try? InputFile.readRegular(f, atMost: Tensor.memoryLimit, what: "a figure")).map({ Data($0) }) else { continue }
                let mime = f.hasSuffix(".svg") ? "image/svg+xml" : "image/png"
                let payload: Any = mime == "image/png" ? data.base64EncodedString() : lines(String(decoding: data, as: UTF8.self))
                outputs.append(["output_type": "display_data", "data": [mime: payload, "text/plain": ["<figure>"]], "metadata": [String: Any]()])
            }
            if let shown = result.shown {
                outputs.append(["output_type": "execute_result", "execution_count": count,
                                "data": ["text/plain": lines(shown)], "metadata": [String: Any]()])
            }
            if let d = result.diagnostic {
                outputs.append(["output_type": "error", "ename": d.kind == .parse ? "ParseError" : d.kind == .interrupted ? "Interrupted" : "Error",
                                "evalue": d.message, "traceback": d.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)])
            }
            cells.append(["cell_type": "code", "id": cellID(i), "execution_count": count, "metadata": metadata,
                          "outputs": outputs, "source": lines(cell.code.trimmingCharacters(in: .newlines))])
        }
        let nb: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": ["kernelspec": kernelspec, "language_info": languageInfo],
            "cells": cells,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: nb, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
