import Foundation
import LkLang
import LkSweep
import LkTensor

extension BuiltinTable {
    static let sweeps: [Builtin] = [
        def("sweepload(dir, all=false)", "Loads the results of `lk sweep FILE.lk --out dir` as a record of columns, one entry per task: a column per grid field and per result field, then `id`, `status` (\"done\", \"failed\", \"running\" or \"pending\"), `error` (the failure's `file:line:col: error: …`, or none), `attempts`, `seconds`, `seed`, `host`, `task` (its index in the grid) and `done` (a boolean mask of the done tasks, for `r.loss[r.done]`). Numbers and bools are tensors (nan where a task has no value); strings and tensors a task returned are lists (none where missing). Only the newest version of the sweep file's tasks unless `all=true`, which adds a `script` column. Reading does not disturb a sweep that is running. See Docs/sweeps.md.") { a in
            let dir = try a.string(0, "dir")
            let all = try a.keywordBool("all", default: false)
            do {
                let store = try Store(directory: dir, create: false)
                return try store.load(all: all)
            } catch let e as SweepError {
                throw a.error("sweepload: \(e.message)", at: 0)
            }
        },
    ]
}
