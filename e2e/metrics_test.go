package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// callTrace is what the test reads of a call's trace.
type callTrace struct {
	Call      string `json:"call"`
	SIPCallID string `json:"sip_call_id"`
	Live      bool   `json:"live"`
	SIP       []struct {
		Dir       string `json:"dir"`
		Method    string `json:"method"`
		Status    int    `json:"status"`
		FirstLine string `json:"first_line"`
	} `json:"sip"`
	RTP *struct {
		Codec      string `json:"codec"`
		PacketsIn  uint64 `json:"packets_in"`
		PacketsOut uint64 `json:"packets_out"`
		First      string `json:"first"`
	} `json:"rtp"`
}

// scrape GETs /metrics with the Authorization header auth ("": none).
func scrape(t *testing.T, b *box, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t, 10*time.Second), "GET", fmt.Sprintf("http://127.0.0.1:%d/metrics", b.httpPort), nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

// metricValue is the value of the family name's series whose labels
// include every pair of labels (summed over the series that match).
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	sum := 0.0
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && have[labels[i]] == labels[i+1]
		}
		if !ok {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetUntyped() != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

// TestMetricsAndCallTrace: /metrics refuses a scrape without the admin
// API's token; a SIPp call with RTP both ways then shows in the trace
// (INVITE in, 200 out, BYE in, packets counted) and in the metrics, which
// parse with the Prometheus text parser.
func TestMetricsAndCallTrace(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	adm := admin(t, b)
	if code, _ := scrape(t, b, ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without credentials: %d, want 401", code)
	}
	if code, _ := scrape(t, b, "Bearer ivb_wrong"); code != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d, want 401", code)
	}

	// The PBX API's app server is down for the whole test: the call's
	// events wait in the outbox and age.
	app := newAppServer(t, "")
	app.down()
	adm.must("PUT", "api-access", map[string]any{"user": apiUser, "password": apiPassword, "app_url": app.url()},
		http.StatusOK, nil)
	begun := time.Now()

	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(2*time.Second).bye(), p, "udp")
	r.wait(t)
	sipID := r.callID(t)
	recs := waitRecords(t, adm, "number=6500", 1)

	var tr callTrace
	adm.must("GET", "calls/"+recs[0].ID+"/trace", nil, http.StatusOK, &tr)
	var ladder []string
	for _, m := range tr.SIP {
		ladder = append(ladder, fmt.Sprintf("%s %s %d", m.Dir, m.Method, m.Status))
	}
	l := strings.Join(ladder, ", ")
	for _, want := range []string{"in INVITE 0", "out INVITE 200", "in ACK 0", "in BYE 0", "out BYE 200"} {
		if !strings.Contains(l, want) {
			t.Errorf("trace lacks %q: %s", want, l)
		}
	}
	if tr.SIPCallID != sipID || tr.Live || tr.RTP == nil || tr.RTP.PacketsIn == 0 || tr.RTP.PacketsOut == 0 || tr.RTP.Codec != "PCMU" || tr.RTP.First == "" {
		t.Errorf("trace %+v rtp %+v", tr, tr.RTP)
	}
	var bySIP callTrace
	adm.must("GET", "calls/"+sipID+"/trace", nil, http.StatusOK, &bySIP)
	if bySIP.Call != recs[0].ID {
		t.Errorf("trace by SIP Call-ID names call %q, want %q", bySIP.Call, recs[0].ID)
	}
	code, h, text := adm.do("GET", "calls/"+recs[0].ID+"/trace?format=text", nil)
	if code != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(string(text), "INVITE sip:") || !strings.Contains(string(text), "BYE sip:") ||
		!strings.Contains(string(text), "packets in") {
		t.Errorf("text trace %d %v:\n%s", code, h, text)
	}
	var list []struct {
		Call string `json:"call"`
	}
	adm.must("GET", "traces", nil, http.StatusOK, &list)
	if len(list) == 0 || list[0].Call != recs[0].ID {
		t.Errorf("traces %+v", list)
	}

	code, body := scrape(t, b, "Bearer "+adm.token)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"ivrbox_calls_started_total", nil},
		{"ivrbox_calls_answered_total", nil},
		{"ivrbox_calls_ended_total", []string{"cause", "remote-bye"}},
		{"ivrbox_ivr_calls_total", []string{"ivr", "6500"}},
		{"ivrbox_sip_requests_total", []string{"direction", "in", "method", "INVITE"}},
		{"ivrbox_sip_requests_total", []string{"direction", "in", "method", "BYE"}},
		{"ivrbox_sip_responses_total", []string{"direction", "out", "code", "200"}},
		{"ivrbox_rtp_packets_in_total", nil},
		{"ivrbox_rtp_packets_out_total", nil},
		{"process_resident_memory_bytes", nil},
	} {
		if v := metricValue(fams, c.name, c.labels...); v < 1 {
			t.Errorf("%s%v = %v, want at least 1", c.name, c.labels, v)
		}
	}
	if v := metricValue(fams, "ivrbox_calls", "state", "answered"); v != 0 {
		t.Errorf("answered calls now = %v after the call ended", v)
	}
	checkDeliveryDown(t, adm, fams, time.Since(begun))
}

// checkDeliveryDown checks the metrics and the dashboard while the app
// server is down: the call's events (the first queued when it rang, 2 s
// before it ended) wait, their age at least 1 s and at most within (the
// time since the app URL was set), with the failure as the last error.
func checkDeliveryDown(t *testing.T, adm *adminClient, fams map[string]*dto.MetricFamily, within time.Duration) {
	t.Helper()
	age := metricValue(fams, "ivrbox_outbox_oldest_pending_age_seconds", "app", "pbx")
	if age < 1 || age > within.Seconds() || metricValue(fams, "ivrbox_outbox_pending") < 1 {
		t.Errorf("app server down: oldest pending age %v s (want 1..%v), pending %v", age, within.Seconds(),
			metricValue(fams, "ivrbox_outbox_pending"))
	}
	if n := metricValue(fams, "ivrbox_outbox_delivery_latency_seconds_count", "app", "pbx"); n != 0 {
		t.Errorf("delivery latency histogram count %v, want 0 (-1: missing)", n)
	}
	var d struct {
		Delivery []struct {
			App       string   `json:"app"`
			Pending   int      `json:"pending"`
			LastError string   `json:"last_error"`
			QueueAgeS float64  `json:"queue_age_s"`
			LatencyMS *float64 `json:"last_delivery_latency_ms"`
		} `json:"delivery"`
	}
	adm.must("GET", "dashboard", nil, http.StatusOK, &d)
	if len(d.Delivery) != 1 || d.Delivery[0].App != "pbx" || d.Delivery[0].Pending < 1 || d.Delivery[0].LastError == "" ||
		d.Delivery[0].QueueAgeS < 1 || d.Delivery[0].QueueAgeS > within.Seconds()+1 || d.Delivery[0].LatencyMS != nil {
		t.Errorf("dashboard delivery %+v, want pbx waiting 1..%v s with an error and no latency", d.Delivery, within.Seconds()+1)
	}
}
