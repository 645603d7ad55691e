package cloud

import (
	"net/http"
)

// subscribeRequest is the body of /event/subscribe.
type subscribeRequest struct {
	URL       string   `json:"url"`
	Topics    []string `json:"topics"`
	Namespace string   `json:"namespace"`
	Secret    string   `json:"secret"`
}

// subscribe adds a subscription for the caller's callback URL.
func (a *API) subscribe(w http.ResponseWriter, r *http.Request, _ string) {
	var q subscribeRequest
	if e := decode(r, &q); e != nil {
		writeError(w, "", "", e)
		return
	}
	if q.Namespace != "" {
		if want := a.config().Cloud.NS(); q.Namespace != want {
			writeError(w, "", "", errf(CodeBadDevice, "namespace %.100q: the box's namespace is %s", q.Namespace, want))
			return
		}
	}
	sb, err := a.Subscribe(Subscription{URL: q.URL, Topics: q.Topics, Namespace: q.Namespace, Secret: q.Secret})
	if err != nil {
		writeError(w, "", "", err)
		return
	}
	writeJSON(w, http.StatusOK, okAnswer{ID: sb.ID, Result: "success"})
}

// unsubscribeRequest is the body of /event/unsubscribe.
type unsubscribeRequest struct {
	ID string `json:"id"`
}

// unsubscribe removes a subscription.
func (a *API) unsubscribe(w http.ResponseWriter, r *http.Request, _ string) {
	var q unsubscribeRequest
	if e := decode(r, &q); e != nil {
		writeError(w, q.ID, "", e)
		return
	}
	if e := required([2]string{"id", q.ID}); e != nil {
		writeError(w, q.ID, "", e)
		return
	}
	if err := a.Unsubscribe(q.ID); err != nil {
		writeError(w, q.ID, "", err)
		return
	}
	writeJSON(w, http.StatusOK, okAnswer{ID: q.ID, Result: "success"})
}

// subscriptionsAnswer lists the subscriptions.
type subscriptionsAnswer struct {
	Result        string         `json:"result"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// subscriptions lists the subscriptions.
func (a *API) subscriptions(w http.ResponseWriter, _ *http.Request, _ string) {
	writeJSON(w, http.StatusOK, subscriptionsAnswer{Result: "success", Subscriptions: a.Subscriptions()})
}
