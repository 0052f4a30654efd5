// Stands in for side-effect-only modules left out of the prelude bundle (see esbuild.mjs).
export {};
