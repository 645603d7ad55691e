package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Recording formats (-record) and what each leaves per call.
var recFormats = map[string]struct{ files, channels int }{
	"mixed":  {1, 1},
	"stereo": {1, 2},
	"split":  {2, 1},
}

// maxRecFiles bounds the walks of the recordings folder.
const maxRecFiles = 100000

// recUsage is the size of the files under dir (all of them, .part ones
// included) and how many there are.
func recUsage(dir string) (bytes int64, files int) {
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if files++; files > maxRecFiles {
			return filepath.SkipAll
		}
		if fi, err := d.Info(); err == nil {
			bytes += fi.Size()
		}
		return nil
	})
	return bytes, files
}

// recCheck is what the recordings folder held once the calls were over.
type recCheck struct {
	format           string
	want, wav, part  int
	bad              int // not a canonical 8 kHz 16-bit WAV of the format's channels, or sizes that disagree
	short, long      int // durations outside [minDur, maxDur]
	minDur, maxDur   time.Duration
	dMin, dMed, dMax time.Duration
	rate             float64 // bytes a second written during the window
	waited           time.Duration
	firstBad         string
	callsSeen, odd   int // calls with files (by the call id in the names), and those with other than the format's count
}

// checkRecordings waits (up to 30 s) for the box to finish every recording
// of calls calls, then checks each WAV file's header and duration.
func checkRecordings(ctx context.Context, dir, format string, calls int, minDur, maxDur time.Duration) recCheck {
	f := recFormats[format]
	rc := recCheck{format: format, want: calls * f.files, minDur: minDur, maxDur: maxDur}
	start := time.Now()
	var wavs []string
	for {
		wavs, rc.part = listRecordings(dir)
		if rc.part == 0 || time.Since(start) > 30*time.Second || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	rc.waited = time.Since(start)
	rc.wav = len(wavs)
	rc.callsSeen, rc.odd = filesPerCall(wavs, format, f.files)
	var durs []time.Duration
	for _, p := range wavs {
		d, err := wavDuration(p, f.channels)
		switch {
		case err != nil:
			rc.bad++
			if rc.firstBad == "" {
				rc.firstBad = fmt.Sprintf("%s: %v", filepath.Base(p), err)
			}
			continue
		case d < minDur:
			rc.short++
		case d > maxDur:
			rc.long++
		}
		durs = append(durs, d)
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	if n := len(durs); n > 0 {
		rc.dMin, rc.dMed, rc.dMax = durs[0], durs[n/2], durs[n-1]
	}
	return rc
}

// filesPerCall counts the calls the files belong to, by the call id in
// their names (<callid>-<name>.wav, -in/-out before .wav for split), and
// the calls that do not have want files.
func filesPerCall(wavs []string, format string, want int) (calls, odd int) {
	per := map[string]int{}
	for _, p := range wavs {
		n := strings.TrimSuffix(filepath.Base(p), ".wav")
		if format == "split" {
			n = strings.TrimSuffix(strings.TrimSuffix(n, "-in"), "-out")
		}
		if i := strings.LastIndexByte(n, '-'); i > 0 {
			n = n[:i]
		}
		per[n]++
	}
	for _, k := range per {
		if k != want {
			odd++
		}
	}
	return len(per), odd
}

// listRecordings returns the finished WAV files under dir and the number
// of .part files (recordings not yet finished).
func listRecordings(dir string) (wavs []string, parts int) {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if n++; n > maxRecFiles {
			return filepath.SkipAll
		}
		switch {
		case strings.HasSuffix(p, ".part"):
			parts++
		case strings.HasSuffix(p, ".wav"):
			wavs = append(wavs, p)
		}
		return nil
	})
	return wavs, parts
}

// wavDuration checks that the file at p is the canonical WAV the recorder
// writes (44-byte header, PCM, 8 kHz, 16 bits, channels channels, sizes
// matching the file) and returns its duration.
func wavDuration(p string, channels int) (time.Duration, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var h [44]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return 0, fmt.Errorf("header: %w", err)
	}
	le := binary.LittleEndian
	switch {
	case string(h[0:4]) != "RIFF" || string(h[8:16]) != "WAVEfmt " || string(h[36:40]) != "data":
		return 0, fmt.Errorf("not a canonical WAV header")
	case le.Uint16(h[20:]) != 1 || le.Uint32(h[24:]) != 8000 || le.Uint16(h[34:]) != 16:
		return 0, fmt.Errorf("not 8 kHz 16-bit PCM")
	case int(le.Uint16(h[22:])) != channels:
		return 0, fmt.Errorf("%d channels, want %d", le.Uint16(h[22:]), channels)
	case int64(le.Uint32(h[40:])) != fi.Size()-44 || int64(le.Uint32(h[4:])) != fi.Size()-8:
		return 0, fmt.Errorf("header sizes (riff %d, data %d) disagree with the file's %d bytes",
			le.Uint32(h[4:]), le.Uint32(h[40:]), fi.Size())
	}
	samples := (fi.Size() - 44) / int64(2*channels)
	return time.Duration(samples) * time.Second / 8000, nil
}

func (rc recCheck) print() {
	f := recFormats[rc.format]
	perCall := float64(16000 * f.channels * f.files)
	fmt.Printf("recordings:         %.2f MB/s written during the window; %.2f MB/s expected (%s: %.0f kB/s x %d calls)\n",
		rc.rate/1e6, perCall*float64(rc.want/f.files)/1e6, rc.format, perCall/1000, rc.want/f.files)
	fmt.Printf("recording files:    %d finished WAV of %d expected, %d unfinished (.part) after %.1fs, %d bad header; %d calls have files, %d of them not %d\n",
		rc.wav, rc.want, rc.part, rc.waited.Seconds(), rc.bad, rc.callsSeen, rc.odd, f.files)
	fmt.Printf("recording lengths:  min %.1fs, median %.1fs, max %.1fs; %d shorter than %.1fs, %d longer than %.1fs\n",
		rc.dMin.Seconds(), rc.dMed.Seconds(), rc.dMax.Seconds(), rc.short, rc.minDur.Seconds(), rc.long, rc.maxDur.Seconds())
	if rc.firstBad != "" {
		fmt.Printf("first bad file:     %s\n", rc.firstBad)
	}
}
