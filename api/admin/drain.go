package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// DrainState is whether the box is draining (out of service: new calls and
// OPTIONS probes get 503), since when, the calls it still has and when
// those are hung up (zero: never).
type DrainState struct {
	Draining bool      `json:"draining"`
	Since    time.Time `json:"since,omitzero"`
	Calls    int       `json:"calls"`
	Deadline time.Time `json:"deadline,omitzero"`
}

// Drainer takes the box out of service and puts it back (the box).
type Drainer interface {
	// Drain stops taking calls; the calls left are hung up after grace
	// (never when grace < 0).
	Drain(grace time.Duration) DrainState
	// Undrain puts the box back in service.
	Undrain() DrainState
	// DrainState says how the drain goes.
	DrainState() DrainState
}

// drainBody is POST drain. GraceSeconds nil means the config's
// system.drain_seconds; -1 means the calls are never hung up.
type drainBody struct {
	GraceSeconds *int `json:"grace_seconds"`
}

// maxGraceSeconds bounds POST drain's grace_seconds.
const maxGraceSeconds = 24 * 3600

// scaleRoutes are the drain endpoints and the fleet's (fleet.go).
func (a *API) scaleRoutes() []route {
	return []route{
		{"GET", "drain", false, a.getDrain},
		{"POST", "drain", false, a.postDrain},
		{"DELETE", "drain", false, a.deleteDrain},
		{"GET", "fleet/bundle", false, a.getBundle},
		{"PUT", "fleet/bundle", false, a.putBundle},
		{"POST", "fleet/push", false, a.postPush},
	}
}

func (a *API) drainer() (Drainer, error) {
	if a.opt.Drain == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box cannot drain")
	}
	return a.opt.Drain, nil
}

func (a *API) getDrain(w http.ResponseWriter, r *http.Request) error {
	d, err := a.drainer()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d.DrainState())
	return nil
}

// postDrain takes the box out of service (202): the body, optional, gives
// the grace period.
func (a *API) postDrain(w http.ResponseWriter, r *http.Request) error {
	d, err := a.drainer()
	if err != nil {
		return err
	}
	var body drainBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
			return err
		}
	}
	grace := a.opt.Store.Config().System.DrainGrace()
	if g := body.GraceSeconds; g != nil {
		if *g < -1 || *g > maxGraceSeconds {
			return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "grace_seconds is out of range",
				Problems: []Problem{{Field: "grace_seconds", Problem: "must be -1 (never hang up) or 0 to 86400"}}}
		}
		grace = time.Duration(*g) * time.Second
	}
	a.log.Warn("admin: drain", "grace", grace, "addr", clientAddr(r))
	writeJSON(w, http.StatusAccepted, d.Drain(grace))
	return nil
}

// deleteDrain puts the box back in service.
func (a *API) deleteDrain(w http.ResponseWriter, r *http.Request) error {
	d, err := a.drainer()
	if err != nil {
		return err
	}
	a.log.Warn("admin: back in service", "addr", clientAddr(r))
	writeJSON(w, http.StatusOK, d.Undrain())
	return nil
}

// networkConf is system.network with every field shown (GET and PUT system).
type networkConf struct {
	ExternalMediaAddress     string   `json:"external_media_address"`
	ExternalSignalingAddress string   `json:"external_signaling_address"`
	LocalNets                []string `json:"local_nets"`
}

func showNetwork(n config.Network) networkConf {
	return networkConf{ExternalMediaAddress: n.ExternalMediaAddress, ExternalSignalingAddress: n.ExternalSignalingAddress,
		LocalNets: append([]string{}, n.LocalNets...)}
}

// applyScale sets the drain time and network settings PUT system gives.
func (b systemJSON) applyScale(s *config.System) {
	if b.DrainSeconds != nil {
		s.DrainSeconds = *b.DrainSeconds
	}
	if n := b.Network; n != nil {
		s.Network = config.Network{ExternalMediaAddress: n.ExternalMediaAddress,
			ExternalSignalingAddress: n.ExternalSignalingAddress, LocalNets: slices.Clone(n.LocalNets)}
		if len(s.Network.LocalNets) == 0 {
			s.Network.LocalNets = nil
		}
	}
}
