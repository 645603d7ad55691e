package ws

import (
	"encoding/json"
	"strings"
	"time"
)

// Subscription limits.
const (
	MaxSubscriptions = 32        // per connection
	MaxExpires       = 24 * 3600 // seconds
	DefaultExpires   = 3600      // seconds, when a subscribe names none
	maxPatterns      = 64        // events per subscription
	simpleSubID      = "classes" // the id of subscriptions made with "class"/"classes"
)

// subscription is one subscribe: event patterns ("ivrevents.api_start",
// "callevents.*", "ivrevents") until it expires.
type subscription struct {
	patterns []string
	expires  time.Time // zero: never (the "class" form)
}

// subReq is a subscribe request: the vendor's form {"events": ["class.type",
// "class.*"], "expires": s, "id": "…", "objects": "any"} (expires 0 removes
// subscription id), or the short form {"class": "ivrevents"} /
// {"classes": [...]} that lasts as long as the connection.
type subReq struct {
	ID      json.RawMessage `json:"id"`
	Events  []string        `json:"events"`
	Expires *flexInt        `json:"expires"`
	Class   string          `json:"class"`
	Classes []string        `json:"classes"`
}

// classes are the event classes and their types.
var classes = map[string][]string{
	ClassIVR:  {"api_start", "api_stop"},
	ClassCall: {"invite", "dlg_start", "dlg_end", "dtmf"},
}

// checkPattern refuses a pattern naming no known class or type.
func checkPattern(p string) *Error {
	class, typ, _ := strings.Cut(p, ".")
	types, ok := classes[class]
	if !ok {
		return errr(CodeNotFound, "unknown-class", "no event class is named %.40q (there are ivrevents and callevents)", class)
	}
	if typ == "" || typ == "*" {
		return nil
	}
	for _, t := range types {
		if t == typ {
			return nil
		}
	}
	return errr(CodeNotFound, "unknown-event", "%s has no event %.40q (it has %s)", class, typ, strings.Join(types, ", "))
}

// matches reports whether pattern p takes events class.typ.
func matches(p, class, typ string) bool {
	c, t, _ := strings.Cut(p, ".")
	return c == class && (t == "" || t == "*" || t == typ)
}

func (c *conn) subscribe(f frame) (any, *Error) {
	var r subReq
	if e := f.decode(&r); e != nil {
		return nil, e
	}
	id, patterns, exp, e := r.read()
	if e != nil {
		return nil, e
	}
	c.a.stepMu.Lock()
	defer c.a.stepMu.Unlock()
	wasIVR, isIVR, e := c.setSub(id, patterns, exp)
	if e != nil {
		return nil, e
	}
	out := map[string]any{"result": "ok", "id": json.RawMessage(idJSON(r.ID, id))}
	if exp > 0 {
		out["expires"] = exp
	}
	c.replyWith(f.name+resultSuffix, f.qid, out, nil)
	if isIVR && !wasIVR {
		c.a.replayStarts(c) // the steps in progress, for a client that reconnects
	}
	return deferred{}, nil
}

// setSub adds, renews or (exp 0) removes subscription id, and reports
// whether the connection took api_start before and after.
func (c *conn) setSub(id string, patterns []string, exp int) (wasIVR, isIVR bool, e *Error) {
	now := c.a.opt.Now()
	c.subMu.Lock()
	defer c.subMu.Unlock()
	wasIVR = c.wantsLocked(ClassIVR, "api_start", now)
	if exp == 0 {
		delete(c.subs, id)
		return wasIVR, c.wantsLocked(ClassIVR, "api_start", now), nil
	}
	if _, ok := c.subs[id]; !ok && len(c.subs) >= MaxSubscriptions {
		return wasIVR, wasIVR, errf(CodeTooMany, "at most %d subscriptions per connection", MaxSubscriptions)
	}
	s := &subscription{patterns: patterns}
	if exp > 0 {
		s.expires = now.Add(time.Duration(exp) * time.Second)
	}
	c.subs[id] = s
	return wasIVR, c.wantsLocked(ClassIVR, "api_start", now), nil
}

// read checks a subscribe request: its id, patterns and lifetime
// (seconds; 0 removes; -1 lasts as long as the connection).
func (r subReq) read() (id string, patterns []string, exp int, e *Error) {
	patterns = append(patterns, r.Events...)
	patterns = append(patterns, r.Classes...)
	if r.Class != "" {
		patterns = append(patterns, strings.Split(r.Class, ",")...)
	}
	id, exp = simpleSubID, -1
	if len(r.ID) > 0 && string(r.ID) != "null" {
		if len(r.ID) > 130 {
			return "", nil, 0, errf(CodeMalformed, "id is at most 128 bytes")
		}
		id, exp = string(r.ID), DefaultExpires
	} else if len(r.Events) > 0 {
		id, exp = "events", DefaultExpires
	}
	if r.Expires != nil && r.Expires.set {
		exp = r.Expires.n
		if exp < 0 || exp > MaxExpires {
			return "", nil, 0, errf(CodeInvalid, "expires is 0 (remove) to %d seconds", MaxExpires)
		}
	}
	if exp == 0 {
		return id, nil, 0, nil
	}
	if len(patterns) == 0 || len(patterns) > maxPatterns {
		return "", nil, 0, errf(CodeMalformed, "name 1 to %d events: \"events\": [\"ivrevents.*\", \"callevents.dtmf\"] (or \"class\": \"ivrevents\")", maxPatterns)
	}
	for i, p := range patterns {
		patterns[i] = strings.TrimSpace(p)
		if e := checkPattern(patterns[i]); e != nil {
			return "", nil, 0, e
		}
	}
	return id, patterns, exp, nil
}

// idJSON is the subscription id as the client sent it.
func idJSON(raw json.RawMessage, id string) string {
	if len(raw) > 0 && string(raw) != "null" {
		return string(raw)
	}
	b, _ := json.Marshal(id)
	return string(b)
}

// unsubscribe removes subscriptions: {"id": …}, or the short form's
// classes ({"class": "callevents"}), or every one ({}).
func (c *conn) unsubscribe(f frame) (any, *Error) {
	var r subReq
	if e := f.decode(&r); e != nil {
		return nil, e
	}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	switch {
	case len(r.ID) > 0 && string(r.ID) != "null":
		delete(c.subs, string(r.ID))
	case r.Class != "" || len(r.Classes) > 0:
		drop := append(strings.Split(r.Class, ","), r.Classes...)
		for _, s := range c.subs {
			s.patterns = without(s.patterns, drop)
		}
	default:
		clear(c.subs)
	}
	return map[string]any{"result": "ok"}, nil
}

// without returns patterns minus those of the classes in drop.
func without(patterns, drop []string) []string {
	out := patterns[:0]
	for _, p := range patterns {
		class, _, _ := strings.Cut(p, ".")
		keep := true
		for _, d := range drop {
			if strings.TrimSpace(d) == class {
				keep = false
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

// wants reports whether the connection takes events class.typ now.
func (c *conn) wants(class, typ string, now time.Time) bool {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	return c.wantsLocked(class, typ, now)
}

func (c *conn) wantsLocked(class, typ string, now time.Time) bool {
	for id, s := range c.subs {
		if !s.expires.IsZero() && !now.Before(s.expires) {
			delete(c.subs, id)
			continue
		}
		for _, p := range s.patterns {
			if matches(p, class, typ) {
				return true
			}
		}
	}
	return false
}
