// Package npyfile reads and writes 2-D float arrays in NumPy's .npy format, the interchange
// format of samples, energies and weights between this library, NumPy and iDEM's data.
package npyfile
