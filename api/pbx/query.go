package pbx

import (
	"slices"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// outCall is one outbound call in a query answer.
type outCall struct {
	OutboundID string `json:"outboundid"`
	From       string `json:"from"`
	To         string `json:"to"`
	Trunk      string `json:"trunk"`
	Status     string `json:"status"`
	CallID     string `json:"callid"`
}

// inCall is one inbound call in a query answer.
type inCall struct {
	InboundID string   `json:"inboundid"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Trunk     string   `json:"trunk"`
	Status    string   `json:"status"`
	Callee    []callee `json:"callee,omitempty"`
	CallID    string   `json:"callid"`
}

// callee is who an inbound call is with: the IVR it is in.
type callee struct {
	IVRID string `json:"ivrid"`
}

// outQueryResp answers outbound/query.
type outQueryResp struct {
	Status   string    `json:"status"`
	Outbound []outCall `json:"outbound"`
}

// inQueryResp answers inbound/query.
type inQueryResp struct {
	Status  string   `json:"status"`
	Inbound []inCall `json:"inbound"`
}

// allQueryResp answers call/query.
type allQueryResp struct {
	Status   string    `json:"status"`
	Outbound []outCall `json:"outbound"`
	Inbound  []inCall  `json:"inbound"`
}

// queryBy makes a query endpoint for calls of direction dir ("" both) and
// the optional comma-separated id list in parameter idName. No list: every
// live call, oldest first. A list none of whose ids is live: ErrnoUnknownCall.
func queryBy(dir, idName string) func(*API, *request) (any, string) {
	return func(a *API, rq *request) (any, string) {
		list, errno := rq.p.opt(idName)
		if errno != "" {
			return nil, errno
		}
		if a.calls == nil {
			return nil, ErrnoInternal
		}
		ids := splitIDs(list)
		calls := slices.Clone(a.calls.Calls())
		slices.SortStableFunc(calls, func(x, y call.Info) int {
			if c := x.Started.Compare(y.Started); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		outs, ins := []outCall{}, []inCall{}
		for _, c := range calls {
			if len(ids) > 0 && !slices.Contains(ids, c.ID) && !slices.Contains(ids, c.Leg) {
				continue
			}
			if c.Dir == dirOutbound {
				if dir != dirInbound {
					outs = append(outs, outCall{OutboundID: legOf(c), From: c.From, To: c.To,
						Trunk: c.Trunk, Status: queryStatus(c.State), CallID: c.ID})
				}
				continue
			}
			if dir != dirOutbound {
				ic := inCall{InboundID: legOf(c), From: c.From, To: c.To,
					Trunk: c.Trunk, Status: queryStatus(c.State), CallID: c.ID}
				if c.IVR != "" {
					ic.Callee = []callee{{IVRID: c.IVR}}
				}
				ins = append(ins, ic)
			}
		}
		if len(ids) > 0 && len(outs) == 0 && len(ins) == 0 {
			return nil, ErrnoUnknownCall
		}
		switch dir {
		case dirOutbound:
			return outQueryResp{Status: statusSuccess, Outbound: outs}, ""
		case dirInbound:
			return inQueryResp{Status: statusSuccess, Inbound: ins}, ""
		}
		return allQueryResp{Status: statusSuccess, Outbound: outs, Inbound: ins}, ""
	}
}

// legOf is the call's leg id, or its call id when it has none.
func legOf(c call.Info) string {
	if c.Leg != "" {
		return c.Leg
	}
	return c.ID
}

// queryStatus is Yeastar's status word for a call state.
func queryStatus(state string) string {
	switch state {
	case "answered":
		return "Talking"
	case "dialing", "ringing":
		return "Progress"
	}
	return "Wait"
}
