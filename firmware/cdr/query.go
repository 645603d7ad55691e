package cdr

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// MaxExport is the most records one Find returns (a CSV export).
const MaxExport = 10000

// Query selects call records. Zero fields select everything.
type Query struct {
	Limit  int       // most records returned (0: 50; at most MaxExport)
	Before time.Time // records that started before it (paging)
	From   time.Time // records that started at or after it
	To     time.Time // records that started before it
	Number string    // a substring of the caller or the called number
	IVR    string    // an IVR the call entered
	Cause  string    // the cause, exactly
	// Refused: "yes" only refused calls, "no" only the others, "" both.
	Refused string
	Text    string // a substring (any case) of the id, numbers, cause, reason, trunk or digits
}

// Match reports whether r is selected by q (ignoring Limit).
func (q Query) Match(r Record) bool {
	switch {
	case !q.Before.IsZero() && !r.Started.Before(q.Before),
		!q.From.IsZero() && r.Started.Before(q.From),
		!q.To.IsZero() && !r.Started.Before(q.To),
		q.Number != "" && !strings.Contains(r.From, q.Number) && !strings.Contains(r.To, q.Number),
		q.IVR != "" && !slices.Contains(r.IVRs, q.IVR),
		q.Cause != "" && r.Cause != q.Cause,
		q.Refused == "yes" && !r.Refused,
		q.Refused == "no" && r.Refused:
		return false
	}
	if q.Text == "" {
		return true
	}
	t := strings.ToLower(q.Text)
	for _, s := range []string{r.ID, r.From, r.To, r.Cause, r.Reason, r.Trunk, r.Digits} {
		if strings.Contains(strings.ToLower(s), t) {
			return true
		}
	}
	return false
}

// Find returns the records q selects, newest first. It reads the store
// from the newest record q can select back to the oldest (or q.From).
func (s *Store) Find(q Query) ([]Record, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxExport)
	end := q.Before
	if end.IsZero() || (!q.To.IsZero() && q.To.Before(end)) {
		end = q.To
	}
	out := []Record{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if end.IsZero() {
			k, v = c.Last()
		} else if k, _ = c.Seek(timeKey(end)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		var from []byte
		if !q.From.IsZero() {
			from = timeKey(q.From)
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			if from != nil && string(k[:8]) < string(from) {
				break
			}
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
			if q.Match(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cdr: find: %w", wrapClosed(err))
	}
	return out, nil
}

// Count returns how many calls started at or after since, and how many of
// them were refused.
func (s *Store) Count(since time.Time) (calls, refused int, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		from := string(timeKey(since))
		c := b.Cursor()
		for k, v := c.Last(); k != nil && string(k[:8]) >= from; k, v = c.Prev() {
			calls++
			var r struct {
				Refused bool `json:"refused"`
			}
			if json.Unmarshal(v, &r) == nil && r.Refused {
				refused++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("cdr: count: %w", wrapClosed(err))
	}
	return calls, refused, nil
}

// CSVHeader is the first line WriteCSV writes.
var CSVHeader = []string{"started", "answered", "ended", "duration_s", "from", "to", "trunk",
	"ivrs", "digits", "cause", "refused", "status", "reason", "id"}

// WriteCSV writes recs as CSV (RFC 4180) with CSVHeader first, times in
// loc as "2006-01-02 15:04:05" (answered empty for a call never answered),
// IVRs joined by spaces. A cell that a spreadsheet would run as a formula
// (starting with = + - @) is written with a leading apostrophe.
func WriteCSV(w io.Writer, recs []Record, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.DateTime)
	}
	for _, r := range recs {
		status := ""
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		row := []string{at(r.Started), at(r.Answered), at(r.Ended),
			strconv.FormatFloat(math.Round(r.Duration().Seconds()*10)/10, 'f', -1, 64),
			r.From, r.To, r.Trunk, strings.Join(r.IVRs, " "), r.Digits, r.Cause,
			strconv.FormatBool(r.Refused), status, r.Reason, r.ID}
		for n, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				row[n] = "'" + cell
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
