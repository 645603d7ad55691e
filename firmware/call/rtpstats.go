package call

import (
	"github.com/ivrbox/ivrbox/firmware/event"
)

// RTP returns what the call's RTP stream counted and measured: packets,
// loss, jitter, codec and who sent first (event.RTP). A call without media
// yet gives a zero RTP with the codec only.
func (c *Call) RTP() event.RTP {
	c.mu.Lock()
	st := c.st
	codec := c.infoLocked().Codec
	c.mu.Unlock()
	out := event.RTP{Codec: codec}
	if st == nil {
		return out
	}
	s, q := st.Stats(), st.Quality()
	out.LocalPort = st.LocalPort()
	if s.Learned.IsValid() {
		out.Remote = s.Learned.String()
	}
	out.PacketsIn, out.PacketsOut, out.BytesIn, out.BytesOut = s.PacketsIn, s.PacketsOut, s.BytesIn, s.BytesOut
	out.Lost, out.JitterMS = q.Lost, q.Jitter
	out.Dropped = s.Strangers + s.Invalid + s.Probation + s.AuthFailed + s.Replayed
	out.FirstIn, out.FirstOut = q.FirstIn, q.FirstOut
	switch {
	case q.FirstIn.IsZero() && q.FirstOut.IsZero():
	case q.FirstOut.IsZero() || (!q.FirstIn.IsZero() && q.FirstIn.Before(q.FirstOut)):
		out.First = "remote"
	default:
		out.First = "local"
	}
	return out
}
