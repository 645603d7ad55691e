package conf

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	rooms "github.com/ivrbox/ivrbox/firmware/conf"
)

// Limits on requests.
const (
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody = 64 << 10
	// MinMembers and MaxMembers bound maxmember (the vendor's limits).
	MinMembers = 3
	MaxMembers = rooms.MaxMembersLimit
	// MaxPrompts is the most prompts one play request may list.
	MaxPrompts = rooms.MaxPlay
	// maxPromptLen bounds one prompt name or URL.
	maxPromptLen = 1024
)

// Voice modes (voicemod, the vendor's CreateConf attribute): which tones
// the room plays. The box has no background music, so 0 and 2 differ only
// in name.
const (
	VoiceModeNone    = 0 // no join or leave tones (vendor: no prompts, background music)
	VoiceModeAll     = 1 // join and leave tones (the default)
	VoiceModeSilent  = 2 // no tones at all
	defaultVoiceMode = VoiceModeAll
)

var (
	confIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	callIDRE = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,128}$`)
	numberRE = regexp.MustCompile(`^[A-Za-z0-9*#+._@-]{1,64}$`)
)

// errTrailing means a body held more than one JSON value.
var errTrailing = errors.New("trailing data")

// createBody is POST conferences. Confid "" makes a free 8-digit id;
// maxmember 0 is the rooms' default; voicemod nil is VoiceModeAll.
type createBody struct {
	ConfID    string `json:"confid"`
	MaxMember int    `json:"maxmember"`
	VoiceMod  *int   `json:"voicemod"`
}

// spec checks b and returns the room it asks for.
func (b createBody) spec() (rooms.Spec, *apiError) {
	if b.ConfID != "" && !confIDRE.MatchString(b.ConfID) {
		return rooms.Spec{}, invalid("confid", "%q must be 1-32 letters, digits, - or _", b.ConfID)
	}
	if b.MaxMember != 0 && (b.MaxMember < MinMembers || b.MaxMember > MaxMembers) {
		return rooms.Spec{}, invalid("maxmember", "%d must be between %d and %d (0: the default)", b.MaxMember, MinMembers, MaxMembers)
	}
	mode := defaultVoiceMode
	if b.VoiceMod != nil {
		mode = *b.VoiceMod
	}
	if mode < VoiceModeNone || mode > VoiceModeSilent {
		return rooms.Spec{}, invalid("voicemod", "%d must be 0, 1 or 2", mode)
	}
	tones := mode == VoiceModeAll
	return rooms.Spec{ID: b.ConfID, MaxMembers: b.MaxMember, JoinTone: tones, LeaveTone: tones}, nil
}

// inviteBody is POST conferences/{confid}/invite: number is dialled with
// the route permissions of the account fromext, as the PBX API's
// dial_outbound does.
type inviteBody struct {
	Number  string `json:"number"`
	FromExt string `json:"fromext"`
}

func (b inviteBody) check() *apiError {
	switch {
	case b.Number == "":
		return invalid("number", "is required")
	case !numberRE.MatchString(b.Number):
		return invalid("number", "%q must be 1-64 digits, letters or *#+._@-", b.Number)
	case b.FromExt == "":
		return invalid("fromext", "is required: the account whose outbound routes the call may use")
	case !numberRE.MatchString(b.FromExt):
		return invalid("fromext", "%q is not an extension", b.FromExt)
	}
	return nil
}

// playBody is POST conferences/{confid}/play: prompt names or http(s)
// URLs, played one after the other to every member.
type playBody struct {
	Prompts []string `json:"prompts"`
}

func (b playBody) check() *apiError {
	if len(b.Prompts) == 0 {
		return invalid("prompts", "is required: at least one prompt name or http(s) URL")
	}
	if len(b.Prompts) > MaxPrompts {
		return invalid("prompts", "%d prompts; at most %d", len(b.Prompts), MaxPrompts)
	}
	for i, p := range b.Prompts {
		if msg := checkPrompt(p); msg != "" {
			return invalid("prompts["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	return nil
}

// checkPrompt says what is wrong with a prompt name or URL ("": nothing).
func checkPrompt(p string) string {
	switch {
	case p == "":
		return "is empty"
	case len(p) > maxPromptLen:
		return "is longer than " + strconv.Itoa(maxPromptLen) + " bytes"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "holds control characters"
	}
	if i := strings.Index(p, "://"); i >= 0 {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return strconv.Quote(p) + " must be a prompt name or an http(s) URL"
		}
		return ""
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) {
		return strconv.Quote(p) + " must be a prompt name, not a path"
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return strconv.Quote(p) + " must be a prompt name, not a path"
		}
	}
	return ""
}

// decode reads r's JSON object body into v: at most MaxBody bytes, no
// unknown field, nothing after it. An empty body is an empty object when
// optional.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fail(http.StatusUnsupportedMediaType, CodeMediaType, "Content-Type %q: the body must be application/json", ct)
		}
	}
	return decodeBody(http.MaxBytesReader(w, r.Body, MaxBody), v, optional)
}

// decodeBody is decode once the body is limited.
func decodeBody(body io.Reader, v any, optional bool) *apiError {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			if optional {
				return nil
			}
			return fail(http.StatusBadRequest, CodeMalformed, "a JSON object body is required")
		}
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return bodyError(err)
		}
		return bodyError(errTrailing)
	}
	return nil
}
