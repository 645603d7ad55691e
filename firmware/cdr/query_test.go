package cdr

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFindFilters(t *testing.T) {
	db, _ := openDB(t)
	s, err := New(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for n := range 10 {
		r := rec(n)
		switch n {
		case 3:
			r.Refused, r.Cause, r.Status, r.Trunk, r.To = true, "no_route", 404, "provider", "6600"
			r.Reason = `no inbound route for DID "6600" from trunk "provider"`
			r.Answered, r.IVRs, r.Digits = time.Time{}, nil, ""
		case 5:
			r.From, r.IVRs, r.Cause = "2001", []string{"6500", "6510"}, "cancel"
		}
		recs = append(recs, r)
	}
	if err := s.Add(recs...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    Query
		want []string
	}{
		{"all, limit", Query{Limit: 3}, []string{"call-09", "call-08", "call-07"}},
		{"refused", Query{Refused: "yes"}, []string{"call-03"}},
		{"not refused", Query{Refused: "no", Limit: 2}, []string{"call-09", "call-08"}},
		{"cause", Query{Cause: "cancel"}, []string{"call-05"}},
		{"number", Query{Number: "200"}, []string{"call-05"}},
		{"ivr", Query{IVR: "6510"}, []string{"call-05"}},
		{"text in reason", Query{Text: "INBOUND ROUTE"}, []string{"call-03"}},
		{"dates", Query{From: rec(2).Started, To: rec(4).Started}, []string{"call-03", "call-02"}},
		{"before and from", Query{Before: rec(8).Started, From: rec(6).Started}, []string{"call-07", "call-06"}},
	} {
		got, err := s.Find(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("%s: %v, want %v", c.name, ids(got), c.want)
		}
	}
	calls, refused, err := s.Count(rec(3).Started)
	if err != nil || calls != 7 || refused != 1 {
		t.Errorf("Count = %d, %d, %v; want 7, 1", calls, refused, err)
	}

	var b bytes.Buffer
	r3 := recs[3]
	r3.From = "=HYPERLINK(1)"
	if err := WriteCSV(&b, []Record{recs[5], r3}, time.UTC); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], CSVHeader) {
		t.Fatalf("CSV rows %q", rows)
	}
	if rows[1][7] != "6500 6510" || rows[1][0] != "2025-03-01 09:05:00" {
		t.Errorf("row 1 = %q", rows[1])
	}
	if rows[2][4] != "'=HYPERLINK(1)" || rows[2][10] != "true" || rows[2][11] != "404" || !strings.Contains(rows[2][12], "no inbound route") || rows[2][1] != "" {
		t.Errorf("row 2 = %q", rows[2])
	}
}
