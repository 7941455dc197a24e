package npyfile

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// This file parses .npy files itself rather than through npyio's reader, which panics on
// a truncated header (slice bounds out of range in readHeader, npyio v0.14.0), on a
// malformed header dictionary, and allocates whatever a header declares (4 GiB for a
// version-2 header length of 0xFFFFFFFF, the product of the shape for the data) before
// reading a byte of it. Here every length is checked against what the file holds.

// magic starts every .npy file.
const magic = "\x93NUMPY"

// MaxHeaderLen bounds the header dictionary a file may declare. NumPy itself refuses
// headers over 10,000 bytes by default (max_header_size); a 2-D array needs about 120.
const MaxHeaderLen = 1 << 20

// header is the parsed header dictionary of a .npy file.
type header struct {
	descr   string // e.g. "<f8"
	fortran bool
	shape   []int
}

// readHeader reads the magic string, the version, the header length and the header
// dictionary from r and parses the dictionary.
func readHeader(r io.Reader) (header, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n == 0 && err == io.EOF {
			return header{}, errors.New("not a .npy file: the file is empty")
		}
		if k := min(n, len(magic)); string(pre[:k]) != magic[:k] {
			return header{}, errors.New("not a .npy file: no \\x93NUMPY magic string")
		}
		return header{}, errors.Errorf("truncated .npy file: it ends after %d bytes, inside the %d-byte preamble", n, len(pre))
	}
	if string(pre[:6]) != magic {
		return header{}, errors.New("not a .npy file: no \\x93NUMPY magic string")
	}
	major, minor := pre[6], pre[7]
	var hdrLen uint64
	switch major {
	case 1:
		var v [2]byte
		if _, err := io.ReadFull(r, v[:]); err != nil {
			return header{}, errors.New("truncated .npy file: it ends inside the header length")
		}
		hdrLen = uint64(binary.LittleEndian.Uint16(v[:]))
	case 2, 3:
		var v [4]byte
		if _, err := io.ReadFull(r, v[:]); err != nil {
			return header{}, errors.New("truncated .npy file: it ends inside the header length")
		}
		hdrLen = uint64(binary.LittleEndian.Uint32(v[:]))
	default:
		return header{}, errors.Errorf("unsupported .npy format version %d.%d: want 1.0, 2.0 or 3.0", major, minor)
	}
	if hdrLen > MaxHeaderLen {
		return header{}, errors.Errorf("corrupt .npy file: its header claims %d bytes (at most %d are accepted)", hdrLen, MaxHeaderLen)
	}
	hdr := make([]byte, hdrLen)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return header{}, errors.Errorf("truncated .npy file: the header should have %d bytes, the file ends after %d", hdrLen, n)
	}
	h, err := parseHeader(string(hdr))
	return h, errors.WithMessage(err, "corrupt .npy header")
}

// parseHeader parses the Python dictionary literal of a .npy header, e.g.
// "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }" padded with spaces and
// ending in a newline. Keys may come in any order; all three are required.
func parseHeader(s string) (header, error) {
	p := &literal{s: s}
	var h header
	seen := map[string]bool{}
	if !p.eat('{') {
		return h, errors.New("it does not start with {")
	}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return h, errors.WithMessage(err, "key")
		}
		if !p.eat(':') {
			return h, errors.Errorf("no : after key %q", key)
		}
		if seen[key] {
			return h, errors.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if h.descr, err = p.str(); err != nil {
				return h, errors.WithMessage(err, "descr (structured dtypes are not supported)")
			}
		case "fortran_order":
			if h.fortran, err = p.boolean(); err != nil {
				return h, errors.WithMessage(err, "fortran_order")
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, errors.WithMessage(err, "shape")
			}
		default:
			return h, errors.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return h, errors.Errorf("no , or } after the value of %q", key)
			}
			break
		}
	}
	if rest := strings.TrimSpace(s[p.i:]); rest != "" {
		return h, errors.Errorf("%d unexpected bytes after the dictionary", len(rest))
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, errors.Errorf("no %q key", k)
		}
	}
	return h, nil
}

// literal scans the subset of Python literals a .npy header uses.
type literal struct {
	s string
	i int
}

func (p *literal) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat consumes c (after white space) if it comes next.
func (p *literal) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes (none of the strings a header holds has any).
func (p *literal) str() (string, error) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

func (p *literal) boolean() (bool, error) {
	p.space()
	for _, w := range []struct {
		word string
		v    bool
	}{{"True", true}, {"False", false}} {
		if strings.HasPrefix(p.s[p.i:], w.word) {
			p.i += len(w.word)
			return w.v, nil
		}
	}
	return false, errors.New("want True or False")
}

// tuple reads a tuple of non-negative integers such as (), (3,) or (3, 2); Python 2's
// long suffix (3L) is accepted, as old NumPy files carry it.
func (p *literal) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple")
	}
	dims := []int{}
	for !p.eat(')') {
		p.space()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, errors.New("want a non-negative integer")
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, errors.Errorf("dimension %s is too large", p.s[p.i:j])
		}
		p.i = j
		if p.i < len(p.s) && (p.s[p.i] == 'L' || p.s[p.i] == 'l') {
			p.i++
		}
		dims = append(dims, int(n))
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("no , or ) after a dimension")
			}
			break
		}
	}
	return dims, nil
}

// elementType returns the byte order and size of a float32 or float64 descr.
func elementType(descr string) (binary.ByteOrder, int, error) {
	if len(descr) == 3 {
		var bo binary.ByteOrder
		switch descr[0] {
		case '<', '|':
			bo = binary.LittleEndian
		case '=':
			bo = binary.NativeEndian
		case '>':
			bo = binary.BigEndian
		}
		if bo != nil && descr[1] == 'f' && (descr[2] == '4' || descr[2] == '8') {
			return bo, int(descr[2] - '0'), nil
		}
	}
	return nil, 0, errors.Errorf("unsupported .npy dtype %q: want float32 or float64", descr)
}

// readData reads the n elements of esize bytes that follow the header, allocating only
// as much as the file actually holds (a header may claim more than is there).
func readData(r io.Reader, n, esize int, bo binary.ByteOrder) ([]float64, error) {
	if n > math.MaxInt64/esize {
		return nil, errors.Errorf("corrupt .npy header: %d elements are too many", n)
	}
	var buf bytes.Buffer
	got, err := io.Copy(&buf, io.LimitReader(r, int64(n)*int64(esize)))
	if err != nil {
		return nil, errors.Wrap(err, "reading .npy data")
	}
	if got < int64(n)*int64(esize) {
		return nil, errors.Errorf("truncated .npy file: the header announces %d values (%d bytes), the file holds %d bytes of data",
			n, int64(n)*int64(esize), got)
	}
	raw := buf.Bytes()
	flat := make([]float64, n)
	for i := range flat {
		if esize == 4 {
			flat[i] = float64(math.Float32frombits(bo.Uint32(raw[4*i:])))
		} else {
			flat[i] = math.Float64frombits(bo.Uint64(raw[8*i:]))
		}
	}
	return flat, nil
}
