package call

import (
	"hash/fnv"
	"strconv"
	"sync/atomic"
	"time"
)

// nodeWidth is how many digits of the box's serial every id carries: the
// whole of the 12-digit serial the store generates.
const nodeWidth = 12

// idGen hands out call and leg ids in the vendor's shape, digits.digits:
// Unix seconds, a dot, a counter followed by the box's node number (its
// serial, nodeWidth digits). Two boxes with different serials never hand out
// the same id (the fixed-width suffix differs), and one box never does twice
// (the counter grows; it starts at the start millisecond times 1000, so a
// box restarted within the same second does not reuse the ids of the
// previous run either).
type idGen struct {
	node string        // nodeWidth digits
	seq  atomic.Uint64 // last counter handed out
	now  func() time.Time
}

func newIDGen(serial string, now func() time.Time) *idGen {
	g := &idGen{node: nodeDigits(serial), now: now}
	g.seq.Store(uint64(now().UnixMilli()%1000) * 1000)
	return g
}

// next returns a new call id and leg id.
func (g *idGen) next() (id, leg string) {
	n := g.seq.Add(2)
	sec := strconv.FormatInt(g.now().Unix(), 10) + "."
	return sec + strconv.FormatUint(n-1, 10) + g.node, sec + strconv.FormatUint(n, 10) + g.node
}

// nodeDigits is the node number of a box with serial: the serial itself
// when it is nodeWidth digits or fewer (zero-padded), else a hash of it in
// nodeWidth digits (a serial migrated from elsewhere, or none: tests).
func nodeDigits(serial string) string {
	if len(serial) <= nodeWidth && allDigits(serial) && serial != "" {
		return zeroPad(serial)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(serial))
	return zeroPad(strconv.FormatUint(h.Sum64()%1_000_000_000_000, 10))
}

func zeroPad(s string) string {
	const zeros = "000000000000"
	return zeros[:nodeWidth-len(s)] + s
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
