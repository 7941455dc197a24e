package estimator

// BufferLogDensityDirect and DirectDim expose BufferLogDensity's direct float32 path (which
// it takes on XLA) to the tests, so that both backends test it.
var (
	BufferLogDensityDirect = bufferLogDensityDirect
	DirectDim              = directDim
)
