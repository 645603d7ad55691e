package call

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/media/stream"
)

// openMedia opens the call's RTP stream on a port pair from the range. DTMF
// works like Asterisk's dtmf_mode=auto: RFC 4733 when the peer offers
// telephone-event, in-band tone detection when it does not (and until a
// late offer's answer says).
func (c *Call) openMedia(local netip.Addr) error {
	codec, dtmfPT := stream.PCMU, uint8(0)
	if c.media.Codecs != nil {
		codec, dtmfPT = stream.Codec(c.media.Codecs[0]), c.media.DTMFPT
	}
	st, err := c.m.opt.Media.Open(stream.Config{
		Remote:     c.media.Addr,
		Codec:      codec,
		DTMFPT:     dtmfPT,
		InbandDTMF: dtmfPT == 0, // Asterisk's dtmf_mode=auto
		OnDigit:    func(key byte, source string) { c.m.offerDigit(c, key, source) },
	})
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	c.audio.Store(uint32(codec))
	c.mu.Lock()
	c.st = st
	c.local.addr = netip.AddrPortFrom(local, uint16(st.LocalPort()))
	c.mu.Unlock()
	c.applyDirection(c.media)
	return nil
}

func (c *Call) closeMedia() {
	c.mu.Lock()
	st := c.st
	c.mu.Unlock()
	if st != nil {
		_ = st.Close()
	}
}

// Answer answers the call (200 OK with our SDP, waiting for the ACK). For a
// late-offer call our SDP is the offer and the ACK carries the answer.
// An outbound call is answered by the far end before it runs: Answer only
// checks that it is still up.
func (c *Call) Answer(ctx context.Context) error {
	if err := c.alive(ctx); err != nil || c.d == nil {
		return err
	}
	c.mu.Lock()
	late := c.media.Codecs == nil
	body := c.sdpLocked(late)
	c.mu.Unlock()
	ack, err := c.d.Answer(ctx, body)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if late {
		m, err := sdp.ParseAnswer(ack)
		if err != nil || len(m.Codecs) == 0 {
			c.log.Warn("late offer: bad answer in ACK", "err", err)
			_ = c.Hangup(ctx, "bad-sdp")
			return fmt.Errorf("late offer answer: %w", err)
		}
		c.setMedia(m)
	}
	c.mu.Lock()
	c.answered = time.Now()
	c.mu.Unlock()
	c.m.opt.Bus.Publish(c.ev(event.CallAnswered))
	return nil
}

// sdpLocked builds our SDP: an answer to the negotiated media, or an offer.
func (c *Call) sdpLocked(offer bool) []byte {
	if offer {
		return sdp.Offer(c.local.addr, c.local.sessID, c.local.version)
	}
	return sdp.Answer(c.local.addr, c.media, c.local.sessID, c.local.version)
}

// setMedia applies newly negotiated media to the stream.
func (c *Call) setMedia(m sdp.Media) {
	c.mu.Lock()
	c.media = m
	st := c.st
	c.mu.Unlock()
	if st == nil {
		return
	}
	codec := stream.Codec(m.Codecs[0])
	st.SetCodec(codec, m.DTMFPT)
	st.SetInband(m.DTMFPT == 0)
	c.audio.Store(uint32(codec))
	c.applyDirection(m)
}

// applyDirection sets the remote address and stops sending while the peer
// holds the call (sendonly, inactive, or c=0.0.0.0).
func (c *Call) applyDirection(m sdp.Media) {
	c.mu.Lock()
	st := c.st
	c.mu.Unlock()
	if st == nil {
		return
	}
	held := m.Direction == "sendonly" || m.Direction == "inactive" ||
		(m.Addr.IsValid() && m.Addr.Addr().IsUnspecified())
	if m.Addr.IsValid() && !m.Addr.Addr().IsUnspecified() && m.Addr.Port() != 0 {
		st.SetRemote(m.Addr)
	}
	st.SetSending(!held)
}

// reInvite answers a re-INVITE: hold, unhold, codec change or refresh.
func (c *Call) reInvite(offer []byte) ([]byte, error) {
	if offer == nil { // refresh without SDP: offer what we have
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.sdpLocked(false), nil
	}
	m, err := negotiate(offer)
	if err != nil {
		return nil, &sip.StatusError{Code: sdpStatus(err), Reason: reasonPhrase(sdpStatus(err)), Err: err}
	}
	c.setMedia(m)
	c.log.Info("re-INVITE", "direction", m.Direction, "remote", m.Addr)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.local.version++
	return c.sdpLocked(false), nil
}

// deliverDigit runs on the manager's digit pump: it publishes the digit event
// and queues the key for Play/ReadKey (dropping the oldest when full).
func (c *Call) deliverDigit(key byte, source string) {
	if c.ctx.Err() != nil {
		return
	}
	flag := int(c.flag.Add(1) - 1)
	ev := c.ev(event.DTMFDigit)
	ev.Digit, ev.Flag, ev.Source = string(key), flag, source
	c.m.opt.Bus.Publish(ev)
	for {
		select {
		case c.keys <- key:
			return
		default:
			select {
			case <-c.keys:
			default:
			}
		}
	}
}

// Play plays prompts in order. Names are expanded (${EXTEN}...) and loaded
// through the prompt cache; a missing or unreadable prompt is logged and
// skipped. With bargeIn, a key (queued or pressed while playing) stops the
// prompts and is returned; without, keys are discarded. key is "" when the
// prompts ended.
func (c *Call) Play(ctx context.Context, prompts []string, bargeIn bool) (string, error) {
	if err := c.alive(ctx); err != nil {
		return "", err
	}
	if bargeIn {
		select {
		case k := <-c.keys:
			return string(k), nil
		default:
		}
	} else {
		c.drainKeys()
	}
	clips := c.load(ctx, prompts)
	if len(clips) == 0 {
		return "", nil
	}
	c.mu.Lock()
	st := c.st
	c.mu.Unlock()
	done := st.Play(clips)
	for {
		select {
		case <-done:
			return "", nil
		case k := <-c.keys:
			if bargeIn {
				st.Stop()
				return string(k), nil
			}
		case <-ctx.Done():
			st.Stop()
			return "", ctx.Err()
		case <-c.ctx.Done():
			st.Stop()
			return "", c.alive(ctx)
		}
	}
}

// load resolves, expands and decodes prompts into payloads for the call's codec.
func (c *Call) load(ctx context.Context, prompts []string) [][]byte {
	codec := stream.Codec(c.audio.Load())
	clips := make([][]byte, 0, len(prompts))
	for _, name := range prompts {
		full, err := config.ExpandPrompt(name, c.Var)
		if err != nil {
			c.skipped(name, err)
			continue
		}
		a, err := c.m.opt.Prompts.Get(ctx, full)
		if err != nil {
			c.skipped(full, err)
			continue
		}
		if codec == stream.PCMA {
			clips = append(clips, a.ALaw)
		} else {
			clips = append(clips, a.ULaw)
		}
	}
	return clips
}

// skipped logs a prompt that cannot be played and publishes PromptSkipped;
// the call goes on with the next prompt.
func (c *Call) skipped(name string, err error) {
	c.log.Warn("prompt skipped", "prompt", name, "err", err)
	ev := c.ev(event.PromptSkipped)
	ev.Prompt, ev.Cause = name, err.Error()
	c.m.opt.Bus.Publish(ev)
}

func (c *Call) drainKeys() {
	for {
		select {
		case <-c.keys:
		default:
			return
		}
	}
}

// ReadKey waits up to d for a key; it returns "" on timeout.
func (c *Call) ReadKey(ctx context.Context, d time.Duration) (string, error) {
	if err := c.alive(ctx); err != nil {
		return "", err
	}
	select {
	case k := <-c.keys:
		return string(k), nil
	default:
	}
	if d <= 0 {
		return "", nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case k := <-c.keys:
		return string(k), nil
	case <-t.C:
		return "", nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-c.ctx.Done():
		return "", c.alive(ctx)
	}
}

// Stats returns the call's RTP counters.
func (c *Call) Stats() stream.Stats {
	c.mu.Lock()
	st := c.st
	c.mu.Unlock()
	if st == nil {
		return stream.Stats{}
	}
	return st.Stats()
}
