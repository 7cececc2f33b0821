import LkLang
import LkStudy
import LkTensor

extension BuiltinTable {
    static let geometryBuiltins: [Builtin] = []
}
