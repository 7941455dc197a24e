//go:build !goexperiment.simd

package xla

// simdBuild: this binary was built without GOEXPERIMENT=simd.
const simdBuild = false
