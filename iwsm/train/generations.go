package train

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// RestartHint ends the error of a checkpoint that cannot be resumed: how to start again.
const RestartHint = "to start this run again from the first epoch use iwsm train -restart (or experiment.RemoveCheckpoint), or another results folder"

func stateFile(dir string, generation int) string {
	return filepath.Join(dir, fmt.Sprintf("state-%06d.json", generation))
}

var generationName = regexp.MustCompile(`^(?:model-(\d{6})|buffer-(\d{6})\.npy|state-(\d{6})\.json)$`)

// generationsOnDisk lists the generation numbers any file of dir belongs to, ascending.
func generationsOnDisk(dir string) []int {
	entries, _ := os.ReadDir(dir)
	var gens []int
	for _, e := range entries {
		m := generationName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		g, _ := strconv.Atoi(m[1] + m[2] + m[3])
		if !slices.Contains(gens, g) {
			gens = append(gens, g)
		}
	}
	sort.Ints(gens)
	return gens
}

// newestGeneration is the highest generation number in dir (0 for none).
func newestGeneration(dir string) int {
	if g := generationsOnDisk(dir); len(g) > 0 {
		return g[len(g)-1]
	}
	return 0
}

// stateGenerations lists the generations of dir that have their own state file, newest first.
func stateGenerations(dir string) []int {
	var out []int
	for _, g := range generationsOnDisk(dir) {
		if fileExists(stateFile(dir, g)) {
			out = append([]int{g}, out...)
		}
	}
	return out
}

// removeGeneration deletes the model, buffer and state of one generation.
func removeGeneration(dir string, g int) error {
	for _, path := range []string{modelDir(dir, g), bufferFile(dir, g), stateFile(dir, g)} {
		if err := os.RemoveAll(path); err != nil {
			return errors.Wrapf(err, "removing old checkpoint %s", path)
		}
	}
	return nil
}

// keepOldState gives generation g its own state file when only state.json holds it (a
// checkpoint written before state files were kept per generation), so that it can be
// fallen back to once state.json names the next one.
func keepOldState(dir string, g int) {
	if g <= 0 || fileExists(stateFile(dir, g)) {
		return
	}
	raw, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return
	}
	if st, err := decodeState(raw); err == nil && st.Generation == g {
		_ = npyfile.WriteFileAtomic(stateFile(dir, g), raw)
	}
}

// decodeState parses a state file and checks what Resume relies on.
func decodeState(raw []byte) (trainerState, error) {
	var st trainerState
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, errors.Wrap(err, "not valid JSON")
	}
	switch {
	case st.Generation == 0:
		return st, errors.New("it names no generation (checkpoints written before 2026-11-29 cannot be resumed by this version)")
	case st.Generation < 0:
		return st, errors.Errorf("generation %d is negative", st.Generation)
	case st.EpochsDone < 0:
		return st, errors.Errorf("epochs_done %d is negative", st.EpochsDone)
	case math.IsNaN(st.LearningRate) || st.LearningRate < 0:
		return st, errors.Errorf("learning_rate %v is negative", st.LearningRate)
	}
	if err := rand.NewPCG(0, 0).UnmarshalBinary(st.HostRNG); err != nil {
		return st, errors.Wrap(err, "host_rng")
	}
	return st, nil
}

// generationSums is the SHA-256 of each file of generation g (model files and buffer),
// keyed by the path relative to dir.
func generationSums(dir string, g int) (map[string]string, error) {
	files, _ := filepath.Glob(filepath.Join(modelDir(dir, g), "*"))
	if fileExists(bufferFile(dir, g)) {
		files = append(files, bufferFile(dir, g))
	}
	sums := map[string]string{}
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, errors.Wrapf(err, "reading %s", path)
		}
		name, _ := filepath.Rel(dir, path)
		sums[filepath.ToSlash(name)] = fmt.Sprintf("%x", sha256.Sum256(raw))
	}
	return sums, nil
}

// checkpointVar is the part of a GoMLX checkpoint's JSON that says where each variable
// lies in the binary file.
type checkpointVar struct {
	ParameterName string
	Dimensions    []int
	DType         dtypes.DType
	Pos, Length   int
}

// checkModel verifies the GoMLX checkpoint in dir before GoMLX reads it (its reader
// allocates what the JSON declares and trusts the binary file's length): one JSON file and
// its binary file, variables of known types laid end to end, and a binary file (gzip or
// not) holding exactly the bytes they need.
func checkModel(dir string) error {
	jsons, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*.json"))
	if len(jsons) != 1 {
		return errors.Errorf("%s holds %d model files (checkpoint-*.json), want 1", dir, len(jsons))
	}
	raw, err := os.ReadFile(jsons[0])
	if err != nil {
		return errors.Wrapf(err, "reading %s", jsons[0])
	}
	var meta struct{ Variables []checkpointVar }
	if err := json.Unmarshal(raw, &meta); err != nil {
		return errors.Wrapf(err, "decoding %s", jsons[0])
	}
	if len(meta.Variables) == 0 {
		return errors.Errorf("%s lists no variables", jsons[0])
	}
	total, err := checkVariables(meta.Variables)
	if err != nil {
		return errors.WithMessagef(err, "%s", jsons[0])
	}
	bin := strings.TrimSuffix(jsons[0], ".json") + ".bin"
	data, err := os.ReadFile(bin)
	if err != nil {
		return errors.Wrapf(err, "reading %s", bin)
	}
	n, err := modelDataLength(data, total)
	if err != nil {
		return errors.WithMessagef(err, "%s", bin)
	}
	if n != total {
		return errors.Errorf("%s holds %d bytes of variables, %s declares %d", bin, n, filepath.Base(jsons[0]), total)
	}
	return nil
}

// checkVariables returns the bytes the variables need, or what is wrong with them.
func checkVariables(vars []checkpointVar) (int64, error) {
	var total int64
	for _, v := range vars {
		size := dtypeSize(v.DType)
		if size <= 0 {
			return 0, errors.Errorf("variable %q has unsupported dtype %v", v.ParameterName, v.DType)
		}
		n := int64(size)
		for _, d := range v.Dimensions {
			if d < 0 || (d > 0 && n > math.MaxInt32*int64(1024)/int64(d)) {
				return 0, errors.Errorf("variable %q has impossible dimensions %v", v.ParameterName, v.Dimensions)
			}
			n *= int64(d)
		}
		if int64(v.Length) != n || int64(v.Pos) != total {
			return 0, errors.Errorf("variable %q: position %d and length %d, want %d and %d", v.ParameterName, v.Pos, v.Length, total, n)
		}
		total += n
	}
	return total, nil
}

// dtypeSize is the size in bytes of an element of t, 0 for none.
func dtypeSize(t dtypes.DType) (size int) {
	defer func() {
		if recover() != nil { // GoType of an invalid dtype
			size = 0
		}
	}()
	if t == dtypes.InvalidDType {
		return 0
	}
	return t.Size()
}

// modelDataLength is the length of a GoMLX checkpoint's variable data (its binary file
// uncompressed), reading at most limit+1 bytes of it.
func modelDataLength(data []byte, limit int64) (int64, error) {
	const header = "gomlx_checkpointss"
	if !bytes.HasPrefix(data, []byte(header)) {
		return int64(len(data)), nil // an uncompressed checkpoint
	}
	rest := data[len(header):]
	if len(rest) < 1 || len(rest) < 1+int(rest[0]) || string(rest[1:1+int(rest[0])]) != "gzip" {
		return 0, errors.New("unknown compression")
	}
	zr, err := gzip.NewReader(bytes.NewReader(rest[1+int(rest[0]):]))
	if err != nil {
		return 0, errors.Wrap(err, "not a gzip stream")
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1))
	if err != nil {
		return 0, errors.Wrap(err, "truncated or corrupt gzip stream")
	}
	return n, nil
}

// checkGeneration verifies generation g of dir without loading it: its state, its model
// files and its buffer (cfg's size bounds, dim values a row).
func checkGeneration(dir string, g int, cfg config.Config, dim int) (trainerState, error) {
	raw, err := os.ReadFile(stateFile(dir, g))
	if err != nil {
		return trainerState{}, errors.Wrapf(err, "reading %s", stateFile(dir, g))
	}
	st, err := decodeState(raw)
	if err != nil {
		return st, errors.WithMessagef(err, "decoding %s", stateFile(dir, g))
	}
	return st, checkGenerationFiles(dir, st, cfg, dim)
}

// checkGenerationFiles verifies the model and buffer that state st names.
func checkGenerationFiles(dir string, st trainerState, cfg config.Config, dim int) error {
	if st.EpochsDone > cfg.Epochs {
		return errors.Errorf("state says %d epochs done of %d", st.EpochsDone, cfg.Epochs)
	}
	if _, err := os.Stat(modelDir(dir, st.Generation)); err != nil {
		return errors.Errorf("generation %d's model %s is missing", st.Generation, modelDir(dir, st.Generation))
	}
	if st.SHA256 != nil {
		sums, err := generationSums(dir, st.Generation)
		if err != nil {
			return err
		}
		for name, want := range st.SHA256 {
			if sums[name] != want {
				return errors.Errorf("%s is damaged or missing (its SHA-256 differs from the one saved with it)", filepath.Join(dir, name))
			}
		}
		for name := range sums {
			if _, ok := st.SHA256[name]; !ok {
				return errors.Errorf("%s was not written with generation %d", filepath.Join(dir, name), st.Generation)
			}
		}
	}
	if err := checkModel(modelDir(dir, st.Generation)); err != nil {
		return err
	}
	path := bufferFile(dir, st.Generation)
	if st.EpochsDone == 0 && !fileExists(path) {
		return nil
	}
	rows, err := npyfile.Read(path)
	if err != nil {
		return err
	}
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	limit := cfg.BufferSize
	if m, err := method.ByName(cfg.Method); err == nil && m.FromData { // the target's training data, whole
		limit = math.MaxInt
	}
	if len(rows) == 0 || len(rows) > limit || cols != dim {
		return errors.Errorf("%s holds %d rows of %d values, want 1 to %d rows of %d", path, len(rows), cols, limit, dim)
	}
	return nil
}

// ResumeLog is Resume that writes one line to log (if not nil) when it resumes from the
// previous generation because the newest is damaged (see the layout above). When no
// generation is usable the error says what is wrong with the newest and how to start again.
func ResumeLog(backend compute.Backend, t *target.Target, dir string, log io.Writer) (*Trainer, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	// Candidates, newest first: what state.json names, then each generation's own state.
	type candidate struct {
		from string
		st   trainerState
		err  error
	}
	var cands []candidate
	statePath := filepath.Join(dir, "state.json")
	if raw, err := os.ReadFile(statePath); err != nil {
		cands = append(cands, candidate{from: statePath, err: errors.Wrapf(err, "reading %s", statePath)})
	} else {
		st, err := decodeState(raw)
		cands = append(cands, candidate{from: statePath, st: st, err: errors.WithMessagef(err, "decoding %s", statePath)})
	}
	for _, g := range stateGenerations(dir) {
		if cands[0].err == nil && g >= cands[0].st.Generation {
			continue // state.json's copy, or newer than the generation it names (never switched to)
		}
		raw, err := os.ReadFile(stateFile(dir, g))
		st, derr := decodeState(raw)
		if err == nil {
			err = errors.WithMessagef(derr, "decoding %s", stateFile(dir, g))
		}
		if err == nil && st.Generation != g {
			err = errors.Errorf("%s names generation %d", stateFile(dir, g), st.Generation)
		}
		cands = append(cands, candidate{from: stateFile(dir, g), st: st, err: err})
	}
	var newest error
	for i, c := range cands {
		err := c.err
		var tr *Trainer
		if err == nil {
			if err = checkGenerationFiles(dir, c.st, cfg, t.Dim); err == nil {
				tr, err = resumeState(backend, t, cfg, dir, c.st)
			}
		}
		if err == nil {
			if i > 0 && log != nil {
				fmt.Fprintf(log, "checkpoint %s: %v; resuming from generation %d (epoch %d) instead\n",
					dir, oneLine(newest), c.st.Generation, c.st.EpochsDone)
			}
			return tr, nil
		}
		var fatal notDamage
		if errors.As(err, &fatal) {
			return nil, fatal.error
		}
		if newest == nil {
			newest = err
		}
	}
	return nil, errors.Errorf("checkpoint %s cannot be resumed: %v; no earlier generation is usable: %s", dir, oneLine(newest), RestartHint)
}

// notDamage marks an error of Resume that another generation would not cure (a wrong
// target, an invalid configuration).
type notDamage struct{ error }

// resumeState builds a trainer for cfg and loads the generation st names into it. The
// trainer runs on one device whatever cfg.Devices the run was saved with (the devices are
// where a run trains, not what: Extend or SetDevices moves it onto more).
func resumeState(backend compute.Backend, t *target.Target, cfg config.Config, dir string, st trainerState) (*Trainer, error) {
	cfg.Devices = 0
	tr, err := New(backend, t, cfg)
	if err != nil {
		return nil, notDamage{err}
	}
	if _, err := tr.checkpointHandler(modelDir(dir, st.Generation)); err != nil { // loads the variables
		return nil, err
	}
	if err := tr.pcg.UnmarshalBinary(st.HostRNG); err != nil {
		return nil, errors.Wrap(err, "restoring host RNG")
	}
	tr.EpochsDone, tr.History, tr.generation = st.EpochsDone, st.History, st.Generation
	if n := len(st.History); n > 0 {
		tr.EnergyEvaluations, tr.GradientEvaluations = st.History[n-1].EnergyEvaluations, st.History[n-1].GradientEvaluations
	}
	if st.LearningRate > 0 { // the optimiser's variable itself comes back with the model
		tr.learningRate = st.LearningRate
	}
	if st.Plateau != nil {
		tr.plateau = *st.Plateau
	}
	tr.buffer = tr.buffer[:0]
	if path := bufferFile(dir, st.Generation); st.EpochsDone > 0 || fileExists(path) {
		rows, err := npyfile.Read(path)
		if err != nil {
			return nil, err
		}
		tr.addToBuffer(rows)
	}
	return tr, nil
}

// oneLine keeps an error message on one line (GoMLX's may span several).
func oneLine(err error) string {
	return strings.Join(strings.Fields(fmt.Sprint(err)), " ")
}
