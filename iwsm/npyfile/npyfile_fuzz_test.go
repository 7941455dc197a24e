package npyfile

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

// npyioDecode is the float64 data npyio's reader gives for raw, with its panics caught;
// ok is false when it fails or panics.
func npyioDecode(raw []byte) (flat []float64, shape []int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	rd, err := npy.NewReader(bytes.NewReader(raw))
	if err != nil || len(raw) > 1<<16 { // its allocations follow the header, so keep inputs small
		return nil, nil, false
	}
	if rd.Header.Descr.Type != "<f8" {
		return nil, nil, false
	}
	if err := rd.Read(&flat); err != nil {
		return nil, nil, false
	}
	return flat, rd.Header.Descr.Shape, true
}

// FuzzDecode feeds arbitrary bytes to Decode: it must return rows or an error (never panic,
// never allocate beyond the input), and an accepted file must round-trip through Encode and
// agree with npyio's reader wherever that one accepts the file too.
//
// Seeds (testdata/fuzz/FuzzDecode) are the shipped splits' headers with their first rows, a
// file of each version and dtype, and every crasher found so far.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"gmm40_means.npy", "test_split_DW4.npy", "lj55_mcmc.npy"} {
		raw, err := os.ReadFile(filepath.Join("..", "target", "data", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw[:min(len(raw), 1024)])
	}
	f.Add(validFile(f)[:100]) // the truncated file of issue 18
	f.Fuzz(func(t *testing.T, raw []byte) {
		rows, err := DecodeBytes(raw)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || msg == "" {
				t.Fatalf("error is not one line: %q", msg)
			}
			return
		}
		if len(rows) == 0 {
			return
		}
		cols := len(rows[0])
		if int64(len(rows))*int64(cols)*4 > int64(len(raw)) {
			t.Fatalf("%d×%d values decoded from %d bytes", len(rows), cols, len(raw))
		}
		var buf bytes.Buffer
		if err := Encode(&buf, rows); err != nil {
			t.Fatal(err)
		}
		back, err := DecodeBytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			for j := range rows[i] {
				if !same(back[i][j], rows[i][j]) {
					t.Fatalf("round trip changed [%d][%d]: %v -> %v", i, j, rows[i][j], back[i][j])
				}
			}
		}
		if flat, shape, ok := npyioDecode(raw); ok && len(shape) == 2 && len(flat) == len(rows)*cols {
			for i, v := range flat {
				if !same(v, rows[i/cols][i%cols]) {
					t.Fatalf("npyio reads value %d as %v, Decode as %v", i, v, rows[i/cols][i%cols])
				}
			}
		}
	})
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
