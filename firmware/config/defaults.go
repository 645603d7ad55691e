package config

// Built-in prompt names used by the factory configuration. The media package
// embeds prompts under these names (plus "digits/0" … "digits/9").
const (
	PromptNotice    = "notice"    // "This is the driving-school exam desk."
	PromptConfirm   = "confirm"   // "To accept, press 1."
	PromptPassword  = "password"  // "Enter the code from your SMS, then press #."
	PromptPassword1 = "password1" // "Wrong code. Enter the code from your SMS, then press #."
	PromptHoldOn    = "holdon"    // "Please hold."
	PromptOK        = "ok"        // "Your booking is confirmed. Goodbye!"
	PromptMusic     = "music"     // Hold music (the seed's macroform-the_simplicity).
	PromptBeep      = "beep"      // The tone before a record step (1 kHz, 250 ms).
)

// Defaults returns the factory configuration: the PBX seed's four-IVR exam
// booking flow.
//
//   - 6500 plays notice and confirm twice, waiting 1 s after each round;
//     key 1 goes to 6501, silence hangs up.
//   - 6501 asks for the SMS code (password) twice, waiting 4 s; a digit
//     string ended by # is reported to the API, then holdon/music play twice
//     while the application server checks it, then 6501 starts again.
//   - 6502 says ok once and hangs up.
//   - 6503 is 6501 with the "wrong code" prompt (password1).
//
// The application server moves the call from 6501/6503 to 6502 or 6503.
// System.SN is empty: the store generates the serial on first start.
func Defaults() Config {
	hangup := Action{Type: ActHangup}
	return Config{
		Version: SchemaVersion,
		System:  System{Name: "ivrbox"},
		IVRs: []IVR{
			{
				Number:       "6500",
				Name:         "Exam booking",
				Prompts:      []string{PromptNotice, PromptConfirm},
				Repeat:       2,
				DigitTimeout: 3,
				WaitSeconds:  1,
				Keys:         map[string]Action{"1": {Type: ActIVR, Target: "6501"}},
				Timeout:      hangup,
			},
			{
				Number:       "6501",
				Name:         "Enter code",
				Prompts:      []string{PromptPassword},
				Repeat:       2,
				DigitTimeout: 3,
				WaitSeconds:  4,
				Collect:      defaultCollect(),
				Timeout:      hangup,
			},
			{
				Number:       "6502",
				Name:         "Booking confirmed",
				Prompts:      []string{PromptOK},
				Repeat:       1,
				DigitTimeout: 3,
				WaitSeconds:  1,
				Timeout:      hangup,
			},
			{
				Number:       "6503",
				Name:         "Wrong code",
				Prompts:      []string{PromptPassword1},
				Repeat:       2,
				DigitTimeout: 3,
				WaitSeconds:  4,
				Collect:      defaultCollect(),
				Timeout:      hangup,
			},
		},
	}
}

// defaultCollect is the seed's `_X.#` extension: a code ended by #, then
// "please hold" and hold music twice, then the IVR again.
func defaultCollect() *Collect {
	return &Collect{
		MinLen:      1,
		MaxLen:      32,
		Terminator:  "#",
		HoldPrompts: []string{PromptHoldOn, PromptMusic, PromptHoldOn, PromptMusic},
		After:       Action{Type: ActRepeat},
	}
}
