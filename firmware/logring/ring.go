// Package logring keeps the box's recent log lines for the admin page: a
// slog handler that passes every record on and also keeps its line in a
// bounded ring, appended to a file in the data folder so that the lines
// survive a restart of the service. The file is cut in two halves of at
// most MaxFileBytes/2 (log.jsonl and log.jsonl.1); at start the ring is
// filled from them.
//
// The file is written in batches (package logbuf), at most FlushEvery
// after a line and at Close, never by the goroutine that logs: a line costs
// a copy, not a system call. A box killed outright loses at most the last
// FlushEvery of lines on disk; the ones in memory are gone with it anyway.
package logring

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/logbuf"
)

// Limits.
const (
	DefaultLines = 5000    // lines kept in memory when Options.Lines is 0
	MaxFileBytes = 2 << 20 // both halves of the file together
	maxLine      = 2048    // bytes of one line's message and attributes kept
	fileName     = "log.jsonl"

	FlushEvery = time.Second // longest a line waits to be written to the file
)

// Line is one log line.
type Line struct {
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Level string    `json:"level"` // DEBUG, INFO, WARN, ERROR
	Msg   string    `json:"msg"`
	Attrs string    `json:"attrs,omitempty"` // key=value pairs, as the text log writes them
}

// Ring is the bounded store of log lines. It is safe for concurrent use.
type Ring struct {
	mu    sync.Mutex
	lines []Line // ring buffer of cap lines
	next  int    // where the next line goes
	full  bool
	seq   uint64
	out   *logbuf.Writer // batches lines for file; nil: not kept on disk
	file  *halves
	enc   []byte // Add's encoding buffer
}

// Options configure a Ring.
type Options struct {
	Lines int    // lines kept (0: DefaultLines)
	Dir   string // where the file goes ("": in memory only)
}

// Open returns a ring filled with the lines the file kept, appending new
// ones to it. A file that cannot be read or written leaves the ring in
// memory only, and the error says why (the ring works all the same).
func Open(opt Options) (*Ring, error) {
	n := opt.Lines
	if n <= 0 {
		n = DefaultLines
	}
	r := &Ring{lines: make([]Line, n)}
	if opt.Dir == "" {
		return r, nil
	}
	for _, name := range []string{fileName + ".1", fileName} {
		r.load(filepath.Join(opt.Dir, name))
	}
	f, err := os.OpenFile(filepath.Join(opt.Dir, fileName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return r, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return r, err
	}
	r.file = &halves{dir: opt.Dir, f: f, size: st.Size()}
	r.out = logbuf.New(r.file, FlushEvery)
	return r, nil
}

// load adds the lines of one file half.
func (r *Ring) load(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		var l Line
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			r.put(l)
		}
	}
}

// put adds l to the ring; r.mu held or not yet shared.
func (r *Ring) put(l Line) {
	if l.Seq <= r.seq {
		l.Seq = r.seq + 1
	}
	r.seq = l.Seq
	r.lines[r.next] = l
	r.next++
	if r.next == len(r.lines) {
		r.next, r.full = 0, true
	}
}

// Add keeps one line (its Seq is set) and queues it for the file.
func (r *Ring) Add(l Line) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.put(l)
	if r.out == nil {
		return
	}
	r.enc = append(appendLine(r.enc[:0], r.lines[(r.next+len(r.lines)-1)%len(r.lines)]), '\n')
	_, _ = r.out.Write(r.enc)
}

// halves is the file of the ring: the current half, cut in two when full.
// It is written by the ring's batcher only.
type halves struct {
	dir  string
	f    *os.File // nil once a rotation failed
	size int64
}

// Write appends whole lines, starting a new half when the current one has
// no room for the next line.
func (h *halves) Write(data []byte) (int, error) {
	all := len(data)
	for len(data) > 0 && h.f != nil {
		n := linesWithin(data, MaxFileBytes/2-h.size)
		if n == 0 && h.size > 0 {
			h.rotate()
			continue
		}
		if n == 0 { // a line longer than a half goes alone
			n = bytes.IndexByte(data, '\n') + 1
			if n == 0 {
				n = len(data)
			}
		}
		if w, err := h.f.Write(data[:n]); err == nil {
			h.size += int64(w)
		}
		data = data[n:]
	}
	return all, nil
}

// linesWithin is how many bytes of whole lines of data fit in max.
func linesWithin(data []byte, max int64) int {
	if max <= 0 {
		return 0
	}
	if int64(len(data)) <= max {
		return len(data)
	}
	return bytes.LastIndexByte(data[:max], '\n') + 1
}

// rotate makes the current half the old one and starts a new one.
func (h *halves) rotate() {
	_ = h.f.Close()
	h.f = nil
	cur := filepath.Join(h.dir, fileName)
	if err := os.Rename(cur, cur+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	f, err := os.OpenFile(cur, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return
	}
	h.f, h.size = f, 0
}

// Query selects lines.
type Query struct {
	Level slog.Level // lines at or above it
	Text  string     // a substring (any case) of the message or attributes
	After uint64     // lines with a greater Seq
	Limit int        // the newest Limit lines of the selection (0: all)
}

// Lines returns the lines q selects, oldest first.
func (r *Ring) Lines(q Query) []Line {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := r.lines[:r.next]
	if r.full {
		all = append(append([]Line(nil), r.lines[r.next:]...), r.lines[:r.next]...)
	}
	text := strings.ToLower(q.Text)
	out := []Line{}
	for _, l := range all {
		if l.Seq <= q.After || levelOf(l.Level) < q.Level {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(l.Msg+" "+l.Attrs), text) {
			continue
		}
		out = append(out, l)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out
}

// Cap is the number of lines the ring keeps.
func (r *Ring) Cap() int { return len(r.lines) }

// Close writes the waiting lines and closes the file. It is idempotent;
// lines added later are kept in memory only.
func (r *Ring) Close() error {
	r.mu.Lock()
	out := r.out
	r.out = nil
	r.mu.Unlock()
	if out == nil {
		return nil
	}
	_ = out.Close()
	if r.file.f == nil {
		return nil
	}
	err := r.file.f.Close()
	r.file.f = nil
	return err
}

// levelOf parses a level name ("INFO", "WARN+2"...), INFO if unknown.
func levelOf(s string) slog.Level {
	var l slog.Level
	if l.UnmarshalText([]byte(s)) != nil {
		return slog.LevelInfo
	}
	return l
}

// Handler returns a slog handler that passes every record to next and
// keeps its line in r.
func (r *Ring) Handler(next slog.Handler) slog.Handler { return &tee{r: r, next: next} }

// tee is the handler: next, plus the attributes and groups added by With.
type tee struct {
	r      *Ring
	next   slog.Handler
	prefix string // the With attributes, formatted
	group  string // the open group's prefix, "a.b."
}

func (t *tee) Enabled(ctx context.Context, l slog.Level) bool { return t.next.Enabled(ctx, l) }

func (t *tee) Handle(ctx context.Context, rec slog.Record) error {
	var b bytes.Buffer
	b.WriteString(t.prefix)
	rec.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, t.group, a)
		return b.Len() < maxLine
	})
	attrs := strings.TrimSpace(b.String())
	if len(attrs) > maxLine {
		attrs = attrs[:maxLine]
	}
	msg := rec.Message
	if len(msg) > maxLine {
		msg = msg[:maxLine]
	}
	t.r.Add(Line{Time: rec.Time, Level: rec.Level.String(), Msg: msg, Attrs: attrs})
	return t.next.Handle(ctx, rec)
}

func (t *tee) WithAttrs(as []slog.Attr) slog.Handler {
	var b bytes.Buffer
	b.WriteString(t.prefix)
	for _, a := range as {
		writeAttr(&b, t.group, a)
	}
	return &tee{r: t.r, next: t.next.WithAttrs(as), prefix: b.String(), group: t.group}
}

func (t *tee) WithGroup(name string) slog.Handler {
	if name == "" {
		return t
	}
	return &tee{r: t.r, next: t.next.WithGroup(name), prefix: t.prefix, group: t.group + name + "."}
}

// writeAttr writes " key=value" the way the text handler does (quoted when
// needed), groups flattened with dots.
func writeAttr(b *bytes.Buffer, group string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, x := range v.Group() {
			writeAttr(b, g, x)
		}
		return
	}
	if a.Key == "" {
		return
	}
	s := v.String()
	if s == "" || strings.ContainsAny(s, " =\"\t\n") {
		s = strconv.Quote(s)
	}
	b.WriteByte(' ')
	b.WriteString(group)
	b.WriteString(a.Key)
	b.WriteByte('=')
	b.WriteString(s)
}
