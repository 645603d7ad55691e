package call

import (
	"context"
	"fmt"
	"net/netip"
	"time"

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
	c.mu.Lock()
	crypto := c.srtp.streamCrypto()
	c.mu.Unlock()
	st, err := c.m.opt.Media.Open(stream.Config{
		Local:      c.m.bindIP(),
		Remote:     c.media.Addr,
		Codec:      codec,
		DTMFPT:     dtmfPT,
		InbandDTMF: dtmfPT == 0, // Asterisk's dtmf_mode=auto
		OnDigit:    c.offerKey,
		Crypto:     crypto,
		Signal:     c.source.Addr(), // strict RTP: learn from the SDP address or this IP
		LearnAny:   c.m.opt.Config().System.RTPLearnAny,
	})
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if crypto != nil {
		c.log.Info("media encrypted", "srtp", c.srtp.ours.Suite)
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
// For an outbound call Answer places it: it dials through the route's
// trunks and returns once the far end answers (or with the failure, the
// call then being over).
func (c *Call) Answer(ctx context.Context) error {
	if err := c.alive(ctx); err != nil {
		return err
	}
	if c.d == nil {
		return c.placeOnce(ctx)
	}
	c.mu.Lock()
	late := c.media.Codecs == nil
	body, err := c.lateOfferLocked(late)
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	ack, err := c.d.Answer(ctx, body)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if late {
		if err := c.lateAnswer(ack); err != nil {
			c.log.Warn("late offer: bad answer in ACK", "err", err)
			_ = c.Hangup(ctx, "bad-sdp")
			return fmt.Errorf("late offer answer: %w", err)
		}
	}
	c.mu.Lock()
	c.answered = time.Now()
	c.mu.Unlock()
	c.publish(event.Event{Kind: event.CallAnswered})
	return nil
}

// sdpLocked builds our answer to the negotiated media.
func (c *Call) sdpLocked() []byte {
	return sdp.Answer(c.local.addr, c.media, c.local.sessID, c.local.version, c.srtp.answerCrypto()...)
}

// lateOfferLocked builds the body of our 200 OK: the answer, or for an
// INVITE without SDP our offer under the call's media encryption (its
// keys kept to match the ACK's answer).
func (c *Call) lateOfferLocked(late bool) ([]byte, error) {
	if !late {
		return c.sdpLocked(), nil
	}
	body, offered, err := offerKeys(c.srtp.policy, c.local.addr, c.local.sessID, c.local.version)
	c.srtp.offered = offered
	return body, err
}

// lateAnswer applies the answer an ACK carries to our late offer.
func (c *Call) lateAnswer(ack []byte) error {
	m, err := sdp.ParseAnswer(ack)
	if err != nil {
		return err
	}
	c.mu.Lock()
	policy, offered := c.srtp.policy, c.srtp.offered
	c.mu.Unlock()
	k, err := acceptKeys(policy, offered, m)
	if err != nil {
		return err
	}
	if err := c.setKeys(k); err != nil {
		return err
	}
	c.setMedia(m)
	return nil
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
		return c.sdpLocked(), nil
	}
	m, err := negotiate(offer)
	if err == nil {
		c.mu.Lock()
		prev := c.srtp
		c.mu.Unlock()
		var k srtpKeys
		if k, err = answerKeys(prev.policy, m, prev); err == nil {
			err = c.setKeys(k)
		}
	}
	if err != nil {
		return nil, &sip.StatusError{Code: sdpStatus(err), Reason: reasonPhrase(sdpStatus(err)), Err: err}
	}
	c.setMedia(m)
	c.log.Info("re-INVITE", "direction", m.Direction, "remote", m.Addr)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.local.version++
	return c.sdpLocked(), nil
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
