/// Text from a data file as an error message may quote it.
///
/// A message goes to a terminal, and a file's bytes are whatever its author
/// chose: an escape sequence such as "\u{1B}]0;…\u{07}" copied verbatim would
/// retitle the window, move the cursor or hide the rest of the message, and a
/// megabyte-long line would bury it. So every message that quotes a file's
/// content passes it through this one function: control characters (C0, DEL,
/// C1, and the bidirectional overrides that reorder what is shown) become
/// visible escapes — `\n`, `\r`, `\t`, `\e`, else `\u{…}` — and the text is cut
/// after `limit` characters with "…".
public func messageText(_ text: some StringProtocol, limit: Int = 80) -> String {
    var out = ""
    var shown = 0
    for scalar in text.unicodeScalars {
        if shown == limit { out += "…"; break }
        shown += 1
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{1B}": out += "\\e"
        case "\\": out += "\\\\"
        default:
            let v = scalar.value
            let bidi = (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F
            if v < 0x20 || (0x7F...0x9F).contains(v) || bidi {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
