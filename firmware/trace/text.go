package trace

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes t for people: a ladder of the SIP messages (time since
// the first, direction, addresses, first line), the RTP figures, then each
// message in full.
func WriteText(w io.Writer, t Trace) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Call %s  SIP Call-ID %s\n", t.Call, t.SIPCallID)
	fmt.Fprintf(&b, "From %s to %s, started %s", t.From, t.To, t.Started.UTC().Format(time.RFC3339Nano))
	if !t.Ended.IsZero() {
		fmt.Fprintf(&b, ", ended %s", t.Ended.UTC().Format(time.RFC3339Nano))
	} else if t.Live {
		b.WriteString(", live")
	}
	b.WriteString("\n\nSIP\n")
	for _, m := range t.Messages {
		arrow := "<--"
		if m.Dir == "in" {
			arrow = "-->"
		}
		fmt.Fprintf(&b, "%9.3f s  %-21s %s box %s  %s\n", m.Time.Sub(t.Started).Seconds(), m.Remote, arrow, m.Transport, m.FirstLine)
	}
	if t.Dropped > 0 {
		fmt.Fprintf(&b, "(%d more messages not kept)\n", t.Dropped)
	}
	if r := t.RTP; r != nil {
		b.WriteString("\nRTP\n")
		fmt.Fprintf(&b, "codec %s, box port %d, far end %s, first to send: %s\n", r.Codec, r.LocalPort, r.Remote, r.First)
		fmt.Fprintf(&b, "packets in %d (%d bytes), out %d (%d bytes), lost %d, jitter %.1f ms, dropped %d\n",
			r.PacketsIn, r.BytesIn, r.PacketsOut, r.BytesOut, r.Lost, r.JitterMS, r.Dropped)
	}
	b.WriteString("\nMessages\n")
	for _, m := range t.Messages {
		fmt.Fprintf(&b, "\n=== %s %s %s %s %s\n%s\n", m.Time.UTC().Format(time.RFC3339Nano), m.Dir, m.Transport, m.Local, m.Remote,
			strings.TrimRight(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
