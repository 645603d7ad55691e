package dtmf

import "testing"

// pkt is one received telephone-event packet.
type pkt struct {
	ts  uint32
	seq uint16
	key byte
	end bool
	dur uint16
}

// press returns the packets of one well-formed key press: n packets of
// growing duration and three end packets.
func press(key byte, ts uint32, seq uint16, n int) []pkt {
	var out []pkt
	for i := 1; i <= n; i++ {
		out = append(out, pkt{ts, seq, key, false, uint16(160 * i)})
		seq++
	}
	for range 3 {
		out = append(out, pkt{ts, seq, key, true, uint16(160 * (n + 1))})
		seq++
	}
	return out
}

func feed(r *Receiver, pkts []pkt) string {
	var keys []byte
	for _, p := range pkts {
		if k, ok := r.Packet(p.ts, p.seq, Event{Key: p.key, End: p.end, Volume: 10, Duration: p.dur}); ok {
			keys = append(keys, k)
		}
	}
	return string(keys)
}

func join(parts ...[]pkt) []pkt {
	var out []pkt
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestReceiver(t *testing.T) {
	one := press('1', 1000, 10, 5)
	tests := []struct {
		name string
		pkts []pkt
		want string
	}{
		{"one press", one, "1"},
		{"three ends are one digit", press('5', 0, 0, 0), "5"},
		{"lost start: first seen is an end", one[5:], "1"},
		{"retransmitted packets", join(one[:3], one[1:3], one[3:], one[5:]), "1"},
		{"two keys", join(one, press('2', 3000, 18, 4)), "12"},
		{"same key twice, new timestamp", join(one, press('1', 3000, 18, 4)), "11"},
		{"same key twice, ends lost", join(one[:3], press('1', 3000, 18, 4)), "11"},
		{"long press", press('#', 500, 7, 300), "#"},
		{"late packet of previous event", join(one, press('2', 3000, 18, 2), one[6:7], press('2', 3000, 21, 3)[2:]), "12"},
		{"sender restart: older timestamp, newer seq", join(one, press('3', 10, 18, 3)), "13"},
		{"timestamp wraps", join(press('7', 0xFFFFFF00, 65530, 3), press('8', 200, 2, 3)), "78"},
		{"same timestamp, different key", join(one[:2], press('9', 1000, 12, 3)), "19"},
		{
			"long event segments stay one digit",
			join(press('0', 5000, 1, 409)[:409], press('0', 5000+409*160, 410, 20)),
			"0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Receiver
			if got := feed(&r, tt.pkts); got != tt.want {
				t.Errorf("digits %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReceiverReset(t *testing.T) {
	var r Receiver
	one := press('4', 100, 1, 3)
	feed(&r, one[:2])
	r.Reset()
	if got := feed(&r, one[2:]); got != "4" {
		t.Errorf("after Reset: %q, want \"4\"", got)
	}
}
