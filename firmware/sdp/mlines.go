package sdp

import (
	"strings"

	pionsdp "github.com/pion/sdp/v3"
)

// MLine is one m= line of an offer reduced to what an answer must echo when
// it rejects the stream: RFC 3264 section 6 wants as many m= lines in the
// answer as in the offer, in the same order, a rejected one with port 0.
type MLine struct {
	// Media is the media type ("audio", "video", "application", ...).
	Media string
	// Proto is the transport protocol as written ("RTP/AVP", "UDP/BFCP").
	Proto string
	// Format is the first format of the offer's line (an answer must list one).
	Format string
}

// mlines lists the m= lines of sd.
func mlines(sd *pionsdp.SessionDescription) []MLine {
	lines := make([]MLine, 0, len(sd.MediaDescriptions))
	for _, md := range sd.MediaDescriptions {
		l := MLine{Media: md.MediaName.Media, Proto: strings.Join(md.MediaName.Protos, "/"), Format: "0"}
		if len(md.MediaName.Formats) > 0 {
			l.Format = md.MediaName.Formats[0]
		}
		lines = append(lines, l)
	}
	return lines
}

// rejectLine writes a rejected stream's m= line.
func rejectLine(b *strings.Builder, l MLine) {
	b.WriteString("m=" + l.Media + " 0 " + l.Proto + " " + l.Format + "\r\n")
}

// answerLines writes our answer's m= sections: the offer's lines in order,
// the chosen stream (index m.Index) written by audio, every other one
// rejected. An offer without recorded lines (a Media built by hand) yields
// the chosen stream alone.
func answerLines(b *strings.Builder, m Media, audio func()) {
	if len(m.Lines) == 0 || m.Index < 0 || m.Index >= len(m.Lines) {
		audio()
		return
	}
	for i, l := range m.Lines {
		if i == m.Index {
			audio()
			continue
		}
		rejectLine(b, l)
	}
}
