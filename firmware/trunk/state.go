package trunk

import (
	"errors"
	"fmt"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/status"
)

// The trunk statuses State reports.
const (
	// StatusRegistered: a register trunk's registrar accepted the box.
	StatusRegistered = "registered"
	// StatusRegistering: the first REGISTER (or the one after a change of
	// the trunk's settings) is on its way.
	StatusRegistering = "registering"
	// StatusFailed: the last REGISTER failed (Detail says why); a retry is
	// scheduled with back-off.
	StatusFailed = "failed"
	// StatusPeer: a peer trunk, which does not register.
	StatusPeer = "peer"
	// StatusUnknown: no trunk of that name is configured.
	StatusUnknown = "unknown"
)

// State is where one trunk stands.
type State struct {
	// Status is one of the Status constants.
	Status string
	// Detail says more, for StatusFailed: the registrar's refusal ("403
	// Forbidden") or the error (a timeout, a DNS failure). Empty otherwise.
	Detail string
	// Since is when Status last changed (for a peer: when it was configured).
	Since time.Time
}

// State returns the state of the trunk named name; StatusUnknown when the
// applied config has no such trunk.
func (m *Manager) State(name string) State {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[name]; ok {
		return e.st
	}
	return State{Status: StatusUnknown}
}

// States returns the state of every trunk of the applied config, by name.
func (m *Manager) States() map[string]State {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]State, len(m.entries))
	for name, e := range m.entries {
		out[name] = e.st
	}
	return out
}

// Summary is the register trunks' state for the status LED: TrunkNone when
// no trunk registers, TrunkUp when all are registered, TrunkDown otherwise.
func (m *Manager) Summary() status.Trunk {
	m.mu.Lock()
	defer m.mu.Unlock()
	sum := status.TrunkNone
	for _, e := range m.entries {
		if e.peer {
			continue
		}
		if e.st.Status != StatusRegistered {
			return status.TrunkDown
		}
		sum = status.TrunkUp
	}
	return sum
}

// stateOf maps a registration's state to a trunk status and detail.
func stateOf(st sip.RegState) (string, string) {
	switch st.Status {
	case sip.RegRegistered:
		return StatusRegistered, ""
	case sip.RegRegistering:
		return StatusRegistering, ""
	}
	// RegFailed, or a registration that stopped under us (the SIP server
	// closed): both mean the trunk is not registered.
	return StatusFailed, failure(st)
}

// failure says why a registration failed: "403 Forbidden" for a refusal,
// else the error.
func failure(st sip.RegState) string {
	var se *sip.StatusError
	switch {
	case errors.As(st.Cause, &se) && se.Reason != "":
		return fmt.Sprintf("%d %s", se.Code, se.Reason)
	case errors.As(st.Cause, &se):
		return fmt.Sprintf("SIP %d", se.Code)
	case st.Cause != nil:
		return st.Cause.Error()
	case st.Status == sip.RegClosed:
		return "registration stopped"
	case st.Code != 0:
		return fmt.Sprintf("SIP %d", st.Code)
	}
	return "not registered"
}
