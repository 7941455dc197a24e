package npyfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"gonum.org/v1/gonum/mat"
)

// validFile is a 20×3 float64 .npy file as NumPy writes it (header padded to 128 bytes).
func validFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	flat := make([]float64, 60)
	for i := range flat {
		flat[i] = float64(i) / 7
	}
	if err := npy.Write(&buf, mat.NewDense(20, 3, flat)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every prefix of a valid file (the first 100 bytes of one cut the header in the middle and
// made npyio v0.14.0 panic in readHeader) is one error that names the file, never a panic.
func TestTruncatedFileIsAnError(t *testing.T) {
	raw := validFile(t)
	dir := t.TempDir()
	for n := 0; n < len(raw); n++ {
		path := filepath.Join(dir, "X.npy")
		if err := os.WriteFile(path, raw[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil {
			t.Fatalf("first %d of %d bytes: no error", n, len(raw))
		}
		if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
			t.Fatalf("first %d bytes: error %q should be one line naming %s", n, msg, path)
		}
	}
}
