package npyfile

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
)

// Decode reads a 1-D or 2-D float32/float64 array from r and returns it as rows of float64
// (a 1-D array of length n becomes n rows of one value). A truncated or corrupt file is an
// error, never a panic, and nothing is allocated beyond what r actually holds.
func Decode(r io.Reader) ([][]float64, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if h.fortran {
		return nil, errors.New("Fortran-ordered .npy arrays are not supported: save with np.ascontiguousarray")
	}
	bo, esize, err := elementType(h.descr)
	if err != nil {
		return nil, err
	}
	var rowsN, cols int
	switch len(h.shape) {
	case 1:
		rowsN, cols = h.shape[0], 1
	case 2:
		rowsN, cols = h.shape[0], h.shape[1]
	default:
		return nil, errors.Errorf(".npy array has shape %v: want a 2-D array N×d", h.shape)
	}
	if cols == 0 && rowsN > 0 {
		return nil, errors.Errorf(".npy array has shape %v: rows without values", h.shape)
	}
	if cols > 0 && rowsN > math.MaxInt64/cols {
		return nil, errors.Errorf("corrupt .npy header: shape %v is too large", h.shape)
	}
	flat, err := readData(r, rowsN*cols, esize, bo)
	if err != nil {
		return nil, err
	}
	rows := make([][]float64, rowsN)
	for i := range rows {
		rows[i] = flat[i*cols : (i+1)*cols : (i+1)*cols]
	}
	return rows, nil
}

// DecodeBytes is Decode for an in-memory file (e.g. one embedded with go:embed).
func DecodeBytes(raw []byte) ([][]float64, error) { return Decode(bytes.NewReader(raw)) }

// Read reads a 2-D float32/float64 .npy file as rows of float64.
func Read(path string) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "opening %s", path)
	}
	defer f.Close()
	rows, err := Decode(f)
	return rows, errors.WithMessagef(err, "reading %s", path)
}

// Write writes rows (all of equal length) as a float64 N×d .npy file. It writes to a
// temporary file and renames it, so a crash never leaves a truncated file behind.
func Write(path string, rows [][]float64) error {
	var buf bytes.Buffer
	if err := Encode(&buf, rows); err != nil {
		return errors.WithMessagef(err, "writing %s", path)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// Encode writes rows (all of equal length) to w as a float64 N×d .npy file: Write without
// the file, for callers that keep the bytes in memory.
func Encode(w io.Writer, rows [][]float64) error {
	if len(rows) == 0 {
		return errors.New("no rows")
	}
	cols := len(rows[0])
	flat := make([]float64, 0, len(rows)*cols)
	for i, r := range rows {
		if len(r) != cols {
			return errors.Errorf("row %d has %d values, want %d", i, len(r), cols)
		}
		flat = append(flat, r...)
	}
	return errors.Wrap(npy.Write(w, mat.NewDense(len(rows), cols, flat)), "encoding .npy")
}

// ReadVector reads a 1-D .npy file (or an N×1 one), e.g. energies.npy, as a slice.
func ReadVector(path string) ([]float64, error) {
	rows, err := Read(path)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(rows))
	for i, r := range rows {
		if len(r) != 1 {
			return nil, errors.Errorf("%s: want a vector, row %d has %d values", path, i, len(r))
		}
		out[i] = r[0]
	}
	return out, nil
}

// WriteVector writes values as a 1-D float64 .npy file (e.g. energies or weights).
func WriteVector(path string, values []float64) error {
	var buf bytes.Buffer
	if err := npy.Write(&buf, values); err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// FailWrite, when not nil, is called by WriteFileAtomic with each path it is about to
// write, and an error it returns is taken as the write's own failure (as from a full disk
// or a read-only folder). It is a seam for tests that check how a failed write ends a run
// (root ignores file permissions, so they cannot use a read-only folder); nil otherwise.
var FailWrite func(path string) error

// WriteFileAtomic writes data to path through a temporary file in the same directory and
// a rename, so readers see either the old or the new file, never a partial one.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if FailWrite != nil {
		if err := FailWrite(path); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return errors.Wrapf(err, "writing %s", path)
		}
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp's 0600 would hide results from other users
		tmp.Close()
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "writing %s", path)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "syncing %s", path)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "writing %s", path)
	}
	return errors.Wrapf(os.Rename(tmp.Name(), path), "renaming into %s", path)
}
