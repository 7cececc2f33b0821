/// An SVG whose embedded bitmaps (gnuplot draws `heatmap` and `image` as one
/// small PNG inside the SVG) stay pixel-sharp when scaled, instead of being
/// smoothed by the browser into blobs. Used for every SVG a session hands out
/// (rendered documents, the kernel's `image/svg+xml`).
public func crispSVG(_ svg: String) -> String {
    svg.replacingOccurrences(of: "<image ", with: "<image style=\"image-rendering:pixelated;image-rendering:crisp-edges\" ")
}
