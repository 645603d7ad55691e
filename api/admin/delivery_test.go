package admin

import (
	"net/http"
	"testing"
)

func TestAPIAccessShowsDelivery(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var got map[string]any
	e.do(me, "GET", "api-access", nil).want(t, http.StatusOK).decode(t, &got)
	if _, ok := got["delivery"]; ok {
		t.Errorf("delivery shown without an outbox: %v", got)
	}
	e.api.opt.Delivery = func() DeliveryStats { return DeliveryStats{Pending: 3, Delivered: 40, Retried: 5, Dropped: 1} }
	var withStats struct {
		Delivery DeliveryStats `json:"delivery"`
	}
	e.do(me, "GET", "api-access", nil).want(t, http.StatusOK).decode(t, &withStats)
	if withStats.Delivery != (DeliveryStats{Pending: 3, Delivered: 40, Retried: 5, Dropped: 1}) {
		t.Errorf("delivery %+v", withStats.Delivery)
	}
}
