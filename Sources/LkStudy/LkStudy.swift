// The study engine: one file (or folder) per topic — Krylov, Diffusion, Kernels,
// Networks, Geometry, Trajectories, Compass. Plain Swift functions on tensors;
// it never imports the language or the plots (DESIGN.md §1).
import LkTensor

/// Marks the module; the topic files arrive with their issues.
public enum LkStudy {}
