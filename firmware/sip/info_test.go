package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInfo(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		want              byte
		wantErr           error
	}{
		{"relay", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', nil},
		{"relay LF and spaces", "application/dtmf-relay", "Signal= 9 \nDuration= 250\n", '9', nil},
		{"relay lower-case key", "application/dtmf-relay", "signal=#\r\nduration=100", '#', nil},
		{"relay star", "Application/DTMF-Relay", "Signal=*\r\n", '*', nil},
		{"relay letter", "application/dtmf-relay", "Signal=a\r\n", 'A', nil},
		{"relay event 10", "application/dtmf-relay", "Signal=10\r\nDuration=160", '*', nil},
		{"relay event 11", "application/dtmf-relay", "Signal=11", '#', nil},
		{"relay event 15", "application/dtmf-relay", "Signal=15", 'D', nil},
		{"relay flash", "application/dtmf-relay", "Signal=16\r\nDuration=2000", 0, nil},
		{"relay with params", "application/dtmf-relay; charset=utf-8", "Signal=0", '0', nil},
		{"dtmf", "application/dtmf", "7", '7', nil},
		{"dtmf newline", "application/dtmf", "#\r\n", '#', nil},
		{"dtmf event", "application/dtmf", "11", '#', nil},
		{"empty body", "", "", 0, nil},
		{"empty relay body", "application/dtmf-relay", "\r\n", 0, nil},
		{"no Signal", "application/dtmf-relay", "Duration=160\r\n", 0, errInfoBody},
		{"bad signal", "application/dtmf-relay", "Signal=X\r\n", 0, errInfoBody},
		{"two keys", "application/dtmf", "12 3", 0, errInfoBody},
		{"event 17", "application/dtmf", "17", 0, errInfoBody},
		{"too big", "application/dtmf-relay", "Signal=5\r\n" + strings.Repeat("x", maxInfoBody), 0, errInfoBody},
		{"other type", "text/plain", "5", 0, errInfoType},
		{"no type", "", "5", 0, errInfoType},
		{"bad type", "application/", "5", 0, errInfoType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseInfo(tt.ctype, []byte(tt.body))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseInfo = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzDialogInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("application/dtmf-relay; x=y", []byte("signal=11"))
	f.Add("text/plain", []byte("hello"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		key, err := parseInfo(ctype, body)
		if err != nil {
			if !errors.Is(err, errInfoBody) && !errors.Is(err, errInfoType) {
				t.Fatalf("unclassified error %v", err)
			}
			if key != 0 {
				t.Fatalf("key %q with error", key)
			}
			return
		}
		if key != 0 && !strings.ContainsRune("0123456789*#ABCD", rune(key)) {
			t.Fatalf("key %q out of range", key)
		}
	})
}
