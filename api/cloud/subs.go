package cloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/outbox"
)

// MaxSubscriptions bounds the subscriptions a box keeps.
const MaxSubscriptions = 16

// subPrefix keys the subscriptions in the cloud bucket; each has its own
// outbox in the bucket outboxPrefix+id.
const (
	subPrefix    = "sub/"
	outboxPrefix = "cloud-outbox-"
)

// Subscription is one application server's subscription to the box's
// events: where to POST them and which.
type Subscription struct {
	// ID names the subscription.
	ID string `json:"id"`
	// URL is where events are POSTed (http or https).
	URL string `json:"url"`
	// Topics are the event topics wanted: TopicIVR, TopicCall.
	Topics []string `json:"topics"`
	// Namespace is the box's namespace (the only one a box has); "" follows
	// the box's namespace when the admin changes it.
	Namespace string `json:"namespace"`
	// Secret, when set, signs each delivery (HMAC-SHA256); it is never
	// listed, only HasSecret.
	Secret string `json:"secret,omitempty"`
	// HasSecret says a secret is set.
	HasSecret bool `json:"hasSecret"`
	// Created is when it was made.
	Created time.Time `json:"created"`
	// Pending, Delivered and Failed are its outbox's counts: events
	// stored and not yet delivered, events delivered, failed attempts.
	Pending   int    `json:"pending"`
	Delivered uint64 `json:"delivered"`
	Failed    uint64 `json:"failed"`
	// LastError is the last delivery failure, if any.
	LastError string `json:"lastError,omitempty"`
	// QueueAge is how long its oldest undelivered event has waited (0:
	// none waits); LastLatency its last delivered event's time from being
	// queued to the 2xx answer (0: none yet). Both count from the service's
	// start for events stored before it.
	QueueAge    time.Duration `json:"-"`
	LastLatency time.Duration `json:"-"`
	// QueueAgeS and LastLatencyMS are QueueAge in seconds and LastLatency
	// in milliseconds, as listed.
	QueueAgeS     float64 `json:"queueAgeS"`
	LastLatencyMS float64 `json:"lastDeliveryLatencyMs,omitempty"`
}

// The event topics.
const (
	TopicIVR  = "ivr"
	TopicCall = "call"
)

// sub is one subscription and its outbox.
type sub struct {
	Subscription
	ob *outbox.Outbox
}

// subs keeps the subscriptions in bbolt and delivers events to each
// through its own outbox: at least once, in order per call, retried with
// back-off, signed when it has a secret. One slow or absent application
// server never holds up another.
type subs struct {
	db     *bbolt.DB
	log    *slog.Logger
	client *http.Client
	tune   func(*outbox.Options) // tests: faster retries

	mu     sync.RWMutex
	m      map[string]*sub
	runCtx context.Context // set by run; nil before
	wg     sync.WaitGroup  // the outboxes' Run goroutines
	closed bool
}

// newSubs loads the stored subscriptions and opens their outboxes.
func newSubs(db *bbolt.DB, client *http.Client, tune func(*outbox.Options), log *slog.Logger) (*subs, error) {
	s := &subs{db: db, log: log, client: client, tune: tune, m: map[string]*sub{}}
	var list []Subscription
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte(subPrefix)); k != nil && len(k) > len(subPrefix) && string(k[:len(subPrefix)]) == subPrefix; k, v = c.Next() {
			var sb Subscription
			if err := json.Unmarshal(v, &sb); err != nil {
				log.Warn("cloud api: a stored subscription is unreadable; ignored", "key", string(k), "err", err)
				continue
			}
			list = append(list, sb)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cloud: subscriptions: %w", err)
	}
	for _, sb := range list {
		if err := s.open(sb); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// open makes sb's outbox and adds it; s.mu is not held.
func (s *subs) open(sb Subscription) error {
	secret := sb.Secret
	o := outbox.Options{Bucket: outboxPrefix + sb.ID, Client: s.client,
		URL:    func() string { return sb.URL },
		Secret: func() string { return secret },
		Log:    s.log.With("subscription", sb.ID)}
	if s.tune != nil {
		s.tune(&o)
	}
	ob, err := outbox.New(s.db, o)
	if err != nil {
		return fmt.Errorf("cloud: subscription %s: %w", sb.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[sb.ID] = &sub{Subscription: sb, ob: ob}
	if s.runCtx != nil {
		s.start(ob)
	}
	return nil
}

// start runs ob's delivery. s.mu is held.
func (s *subs) start(ob *outbox.Outbox) {
	ctx := s.runCtx
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := ob.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("cloud api: delivery stopped", "err", err)
		}
	}()
}

// run starts the deliveries of every subscription, and of those made
// later, until ctx ends.
func (s *subs) run(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.runCtx != nil {
		return
	}
	s.runCtx = ctx
	for _, sb := range s.m {
		s.start(sb.ob)
	}
}

// add validates and stores a new subscription and starts its delivery.
func (s *subs) add(sb Subscription, now time.Time) (Subscription, error) {
	u, err := url.Parse(sb.URL)
	switch {
	case sb.URL == "":
		return Subscription{}, errf(CodeEmpty, "url is empty")
	case err != nil || u.Host == "":
		return Subscription{}, errf(CodeEmpty, "url %.100q is not an http(s) URL", sb.URL)
	case u.Scheme != "http" && u.Scheme != "https":
		return Subscription{}, errf(CodeNotSupported, "url scheme %.20q is not supported (http or https)", u.Scheme)
	}
	if len(sb.Topics) == 0 {
		sb.Topics = []string{TopicIVR, TopicCall}
	}
	for _, t := range sb.Topics {
		if t != TopicIVR && t != TopicCall {
			return Subscription{}, errf(CodeNotSupported, "topic %.40q is not known (ivr, call)", t)
		}
	}
	slices.Sort(sb.Topics)
	sb.Topics = slices.Compact(sb.Topics)
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return Subscription{}, fmt.Errorf("cloud: subscription id: %w", err)
	}
	sb.ID, sb.Created, sb.HasSecret = hex.EncodeToString(id[:]), now.UTC(), sb.Secret != ""
	s.mu.RLock()
	n, closed := len(s.m), s.closed
	s.mu.RUnlock()
	if closed {
		return Subscription{}, errf(CodeInternal, "the API is closed")
	}
	if n >= MaxSubscriptions {
		return Subscription{}, errf(CodeNotSupported, "at most %d subscriptions", MaxSubscriptions)
	}
	v, _ := json.Marshal(sb)
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put([]byte(subPrefix+sb.ID), v)
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("cloud: store subscription: %w", err)
	}
	if err := s.open(sb); err != nil {
		return Subscription{}, err
	}
	return s.view(sb), nil
}

// remove stops and deletes the subscription id, with its undelivered
// events. An unknown id wraps fs.ErrNotExist.
func (s *subs) remove(id string) error {
	s.mu.Lock()
	sb := s.m[id]
	delete(s.m, id)
	s.mu.Unlock()
	if sb == nil {
		return &Error{Code: CodeNoRoute, Message: fmt.Sprintf("no subscription %.40q", id), Err: fs.ErrNotExist}
	}
	_ = sb.ob.Close()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Delete([]byte(subPrefix + id)); err != nil {
			return err
		}
		if tx.Bucket([]byte(outboxPrefix+id)) != nil {
			return tx.DeleteBucket([]byte(outboxPrefix + id))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cloud: delete subscription: %w", err)
	}
	return nil
}

// view is sb as listed: no secret, the outbox's counts.
func (s *subs) view(sb Subscription) Subscription {
	s.mu.RLock()
	cur := s.m[sb.ID]
	s.mu.RUnlock()
	sb.Secret = ""
	if cur != nil {
		st := cur.ob.Stats()
		sb.Pending, sb.Delivered, sb.Failed, sb.LastError = st.Pending+st.Queued, st.Delivered, st.Retried, st.LastError
		sb.QueueAge, sb.LastLatency = st.OldestAge, st.LastLatency
		sb.QueueAgeS = math.Round(st.OldestAge.Seconds()*10) / 10
		if st.LastLatency > 0 {
			sb.LastLatencyMS = max(0.1, math.Round(float64(st.LastLatency)/1e5)/10)
		}
	}
	return sb
}

// list returns the subscriptions, oldest first.
func (s *subs) list() []Subscription {
	s.mu.RLock()
	out := make([]Subscription, 0, len(s.m))
	for _, sb := range s.m {
		out = append(out, sb.Subscription)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	for i := range out {
		out[i] = s.view(out[i])
	}
	return out
}

// wants reports whether a subscription wants topic in namespace ns.
func (s *subs) wants(topic, ns string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sb := range s.m {
		if (sb.Namespace == "" || sb.Namespace == ns) && slices.Contains(sb.Topics, topic) {
			return true
		}
	}
	return false
}

// enqueue queues body for every subscription in namespace ns with one of
// topics. It never waits for the disk or the network.
func (s *subs) enqueue(callID, ns string, topics []string, body []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sb := range s.m {
		if (sb.Namespace != "" && sb.Namespace != ns) || !overlap(sb.Topics, topics) {
			continue
		}
		if err := sb.ob.Enqueue(callID, body); err != nil {
			s.log.Warn("cloud api: event not queued", "subscription", sb.ID, "call", callID, "err", err)
		}
	}
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// close stops every delivery, storing what is queued, and waits.
func (s *subs) close() {
	s.mu.Lock()
	s.closed = true
	all := make([]*sub, 0, len(s.m))
	for _, sb := range s.m {
		all = append(all, sb)
	}
	s.mu.Unlock()
	for _, sb := range all {
		_ = sb.ob.Close()
	}
	s.wg.Wait()
}
