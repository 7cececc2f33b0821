import LkLang
import LkStudy
import LkTensor

extension BuiltinTable {
    static let networkBuiltins: [Builtin] = []
}
