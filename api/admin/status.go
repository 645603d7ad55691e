package admin

import (
	"net/http"
	"runtime"
	"slices"
	"time"

	"github.com/ivrbox/ivrbox/firmware/version"
)

// statusJSON answers GET status.
type statusJSON struct {
	Version string   `json:"version"`
	Board   string   `json:"board"`
	UptimeS int64    `json:"uptime_s"`
	Calls   int      `json:"calls"`
	SIP     string   `json:"sip"`
	Load    loadJSON `json:"load"`
	LEDs    []LED    `json:"leds"`
}

type loadJSON struct {
	CPUPercent float64 `json:"cpu_percent"` // of all cores, since the previous status request
	RSSMB      float64 `json:"rss_mb"`      // resident memory
	Goroutines int     `json:"goroutines"`
}

func (a *API) getStatus(w http.ResponseWriter, r *http.Request) error {
	now := a.opt.Now()
	leds := []LED{}
	if a.opt.HAL != nil {
		leds = append(leds, a.opt.HAL.LEDs()...)
	}
	writeJSON(w, http.StatusOK, statusJSON{
		Version: version.Version,
		Board:   a.opt.Board,
		UptimeS: int64(now.Sub(a.opt.Started).Seconds()),
		Calls:   len(a.opt.Calls.Calls()),
		SIP:     a.opt.SIPAddr,
		Load: loadJSON{CPUPercent: a.load.cpuPercent(now), RSSMB: rssMB(),
			Goroutines: runtime.NumGoroutine()},
		LEDs: leds,
	})
	return nil
}

// halJSON answers GET hal.
type halJSON struct {
	LEDs    []LED        `json:"leds"`
	Buttons []buttonJSON `json:"buttons"`
}

type buttonJSON struct {
	Name string `json:"name"`
}

func (a *API) getHAL(w http.ResponseWriter, r *http.Request) error {
	out := halJSON{LEDs: []LED{}, Buttons: []buttonJSON{}}
	if h := a.opt.HAL; h != nil {
		out.LEDs = append(out.LEDs, h.LEDs()...)
		for _, b := range h.Buttons() {
			out.Buttons = append(out.Buttons, buttonJSON{b})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Press durations accepted by hal/buttons/{name}/press.
const (
	defaultPress = 100 * time.Millisecond
	maxPress     = 30 * time.Second
)

func (a *API) postPress(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		MS int `json:"ms"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
			return err
		}
	}
	name := r.PathValue("name")
	if a.opt.HAL == nil || !slices.Contains(a.opt.HAL.Buttons(), name) {
		return httpErr(http.StatusNotFound, "no button %q on this board", name)
	}
	d := time.Duration(body.MS) * time.Millisecond
	switch {
	case body.MS == 0:
		d = defaultPress
	case d < 0 || d > maxPress:
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "ms must be 1 to 30000",
			Problems: []Problem{{Field: "ms", Problem: "must be 1 to 30000"}}}
	}
	if err := a.opt.HAL.Press(name, d); err != nil {
		return &HTTPError{Code: http.StatusInternalServerError, Msg: "press failed: " + err.Error(), Err: err}
	}
	a.log.Info("admin: button pressed", "button", name, "for", d, "addr", clientAddr(r))
	return noContent(w)
}
