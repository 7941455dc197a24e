package npyfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

func TestRoundTripAndFloat32(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	rows := [][]float64{{1, 2.5, -3}, {4, 5, 6e-7}}
	if err := Write(path, rows); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1][2] != 6e-7 || got[0][1] != 2.5 {
		t.Fatalf("round trip gave %v", got)
	}
	// A float32 vector, as NumPy writes it, reads as one column.
	var buf bytes.Buffer
	if err := npy.Write(&buf, []float32{1.5, -2}); err != nil {
		t.Fatal(err)
	}
	vec, err := DecodeBytes(buf.Bytes())
	if err != nil || len(vec) != 2 || vec[1][0] != -2 {
		t.Fatalf("float32 vector: %v, %v", vec, err)
	}
	if err := Write(path, [][]float64{{1, 2}, {3}}); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("ragged rows: %v", err)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("garbage file: %v", err)
	}
	var ints bytes.Buffer
	npy.Write(&ints, []int64{1, 2})
	if _, err := DecodeBytes(ints.Bytes()); err == nil || !strings.Contains(err.Error(), "dtype") {
		t.Errorf("int64 file: %v", err)
	}
}

func TestVectorRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.npy")
	want := []float64{-1.5, 0, 3.25}
	if err := WriteVector(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVector(path)
	if err != nil || len(got) != 3 || got[0] != -1.5 || got[1] != 0 || got[2] != 3.25 {
		t.Fatalf("ReadVector = %v, %v; want %v", got, err, want)
	}
	matrix := filepath.Join(dir, "m.npy")
	if err := Write(matrix, [][]float64{{1, 2}, {3, 4}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadVector(matrix); err == nil {
		t.Error("ReadVector of a 2×2 matrix gave no error")
	}
}
