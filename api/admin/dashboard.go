package admin

import (
	"math"

	"net"
	"net/http"
	"slices"
	"time"
)

// Registration is one phone registered to a local account.
type Registration struct {
	User      string    `json:"user"`
	Contact   string    `json:"contact"`
	Source    string    `json:"source"`
	Transport string    `json:"transport"`
	UserAgent string    `json:"user_agent"`
	Expires   time.Time `json:"expires"`
	ExpiresS  int64     `json:"expires_s"` // seconds left, when answered
}

func (a *API) dashRoutes() []route {
	return []route{
		{"GET", "registrations", false, a.getRegistrations},
		{"GET", "dashboard", false, a.getDashboard},
		{"GET", "logs", false, a.getLogs},
	}
}

// registrations lists the registered phones with their seconds left.
func (a *API) registrations() []Registration {
	if a.opt.Registrations == nil {
		return nil
	}
	now := a.opt.Now()
	out := a.opt.Registrations()
	for n := range out {
		out[n].ExpiresS = max(0, int64(out[n].Expires.Sub(now)/time.Second))
	}
	return out
}

func (a *API) getRegistrations(w http.ResponseWriter, r *http.Request) error {
	if a.opt.Registrations == nil {
		return httpErr(http.StatusNotImplemented, "this box takes no registrations")
	}
	out := a.registrations()
	if out == nil {
		out = []Registration{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// dashboardJSON answers GET dashboard: the box at a glance.
type dashboardJSON struct {
	Time          time.Time      `json:"time"`
	TimeZone      string         `json:"time_zone"`    // the zone's name: "Asia/Shanghai", "Local", "UTC"
	ZoneAbbrev    string         `json:"zone_abbrev"`  // "CST"
	UTCOffsetS    int            `json:"utc_offset_s"` // seconds east of UTC
	NTP           ntpJSON        `json:"ntp"`
	Addresses     []string       `json:"addresses"` // the box's addresses, CIDR form, loopback left out
	Trunks        []trunkHealth  `json:"trunks"`
	Registrations int            `json:"registrations"`
	Delivery      []deliveryJSON `json:"delivery"`
	Calls         callsJSON      `json:"calls"`
	Storage       *storageJSON   `json:"storage,omitempty"`
}

type ntpJSON struct {
	Known  bool   `json:"known"`            // false: the box cannot tell
	Synced bool   `json:"synced"`           // the kernel's clock is synchronised
	Detail string `json:"detail,omitempty"` // e.g. "estimated error 12 ms"
}

type trunkHealth struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

type deliveryJSON struct {
	App       string `json:"app"`          // "pbx": the PBX API's application server (api.app_url); "cloud": a cloud IVR API subscription
	ID        string `json:"id,omitempty"` // the cloud subscription's id
	URL       string `json:"url,omitempty"`
	Pending   int    `json:"pending"`
	Delivered uint64 `json:"delivered"`
	Retried   uint64 `json:"retried"`
	Dropped   uint64 `json:"dropped"`
	LastError string `json:"last_error,omitempty"`
	// QueueAgeS is the age in seconds of the oldest event not yet delivered
	// (0 when none waits); LatencyMS the last delivered event's time from
	// queueing to the 2xx answer, left out before the first delivery.
	QueueAgeS float64 `json:"queue_age_s"`
	LatencyMS float64 `json:"last_delivery_latency_ms,omitempty"`
}

type callsJSON struct {
	Now          int `json:"now"`
	Today        int `json:"today"` // calls that started since local midnight, refused ones included
	RefusedToday int `json:"refused_today"`
}

type storageJSON struct {
	FreeBytes  uint64 `json:"data_free_bytes"`
	TotalBytes uint64 `json:"data_total_bytes"`
}

func (a *API) getDashboard(w http.ResponseWriter, r *http.Request) error {
	now := a.opt.Now()
	name, off := now.In(time.Local).Zone()
	d := dashboardJSON{Time: now.UTC(), TimeZone: time.Local.String(), ZoneAbbrev: name, UTCOffsetS: off,
		NTP: clockSync(), Addresses: lanAddresses(), Trunks: []trunkHealth{}, Delivery: []deliveryJSON{},
		Registrations: len(a.registrations())}
	c := a.opt.Store.Config()
	for _, t := range c.Trunks {
		h := trunkHealth{Name: t.Name, Status: TrunkUnused}
		if a.opt.TrunkState != nil {
			h.Status, h.Detail = a.opt.TrunkState(t.Name)
		}
		d.Trunks = append(d.Trunks, h)
	}
	if a.opt.Delivery != nil && c.API.AppURL != "" {
		st := a.opt.Delivery()
		d.Delivery = append(d.Delivery, deliveryJSON{App: "pbx", URL: c.API.AppURL, Pending: st.Pending,
			Delivered: st.Delivered, Retried: st.Retried, Dropped: st.Dropped, LastError: st.LastError,
			QueueAgeS: roundTo(st.QueueAge.Seconds(), 10), LatencyMS: latencyMS(st.LastLatency)})
	}
	if a.opt.Cloud != nil {
		for _, sb := range a.opt.Cloud.Subscriptions() {
			d.Delivery = append(d.Delivery, deliveryJSON{App: "cloud", ID: sb.ID, URL: sb.URL, Pending: sb.Pending,
				Delivered: sb.Delivered, Retried: sb.Failed, LastError: sb.LastError,
				QueueAgeS: roundTo(sb.QueueAge.Seconds(), 10), LatencyMS: latencyMS(sb.LastLatency)})
		}
	}
	d.Calls.Now = len(a.opt.Calls.Calls())
	y, m, day := now.In(time.Local).Date()
	var err error
	if d.Calls.Today, d.Calls.RefusedToday, err = a.opt.Records.Count(time.Date(y, m, day, 0, 0, 0, 0, time.Local)); err != nil {
		return err
	}
	if a.opt.Storage != nil {
		if free, total, err := a.opt.Storage(); err == nil {
			d.Storage = &storageJSON{FreeBytes: free, TotalBytes: total}
		}
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// lanAddresses are the box's interface addresses, loopback left out
// (unless it has no other).
func lanAddresses() []string {
	addrs, err := net.InterfaceAddrs()
	out := []string{}
	if err != nil {
		return out
	}
	var loop []string
	for _, ad := range addrs {
		ipn, ok := ad.(*net.IPNet)
		if !ok {
			continue
		}
		if ipn.IP.IsLoopback() {
			loop = append(loop, ipn.String())
			continue
		}
		if ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, ipn.String())
	}
	if len(out) == 0 {
		out = loop
	}
	slices.Sort(out)
	return out
}

// latencyMS is d in milliseconds, one decimal, never 0 for a latency
// (0 means none yet).
func latencyMS(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return max(0.1, roundTo(float64(d)/1e6, 10))
}

// roundTo rounds v to 1/per (per 10: one decimal).
func roundTo(v, per float64) float64 { return math.Round(v*per) / per }
