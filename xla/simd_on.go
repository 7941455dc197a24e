//go:build goexperiment.simd

package xla

// simdBuild: this binary was built with GOEXPERIMENT=simd.
const simdBuild = true
