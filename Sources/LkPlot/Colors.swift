/// Colour names lk can turn into `#rrggbb` (for opacity, which gnuplot
/// takes only as `#AARRGGBB`): gnuplot's common names, with its values.
public enum PlotColors {
    static let named: [String: String] = [
        "black": "#000000", "white": "#ffffff", "gray": "#c0c0c0", "grey": "#c0c0c0",
        "dark-gray": "#a0a0a0", "dark-grey": "#a0a0a0", "light-gray": "#d3d3d3", "light-grey": "#d3d3d3",
        "red": "#ff0000", "green": "#00ff00", "blue": "#0000ff", "yellow": "#ffff00", "cyan": "#00ffff",
        "magenta": "#ff00ff", "orange": "#ffa500", "purple": "#c080ff", "brown": "#a52a2a", "pink": "#ffc0c0",
        "dark-red": "#8b0000", "dark-green": "#006400", "dark-blue": "#00008b", "web-blue": "#0080ff",
        "web-green": "#00c000", "dark-orange": "#c04000", "navy": "#000080", "orchid": "#ff80ff",
    ]

    /// `#rrggbb` for a name or a `#rrggbb` string; nil for anything else.
    static func hex(_ color: String) -> String? {
        let c = color.lowercased()
        if c.hasPrefix("#"), c.count == 7, c.dropFirst().allSatisfy(\.isHexDigit) { return c }
        return named[c]
    }
}

extension PlotColors {
    /// Whether lk can give this colour an opacity.
    public static func knows(_ color: String) -> Bool { hex(color) != nil }
}
