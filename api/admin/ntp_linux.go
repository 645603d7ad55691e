package admin

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// clockSync asks the kernel whether its clock is synchronised (adjtimex:
// an NTP daemon, e.g. systemd-timesyncd or chrony, clears STA_UNSYNC).
func clockSync() ntpJSON {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return ntpJSON{}
	}
	synced := state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
	out := ntpJSON{Known: true, Synced: synced}
	if synced {
		out.Detail = fmt.Sprintf("estimated error %d µs", tx.Esterror)
	} else {
		out.Detail = "the clock is not synchronised (no NTP server reached, or no NTP client running)"
	}
	return out
}
