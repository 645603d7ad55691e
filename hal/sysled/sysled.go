package sysled

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ivrbox/ivrbox/hal"
)

// Name is the driver's registry name.
const Name = "sysled"

// DefaultRoot is the kernel's LED class directory.
const DefaultRoot = "/sys/class/leds"

var (
	// errName reports an LED name that is not a plain directory name.
	errName = errors.New("sysled: bad LED name")
	// errButtons reports a request for buttons, which sysled has none of.
	errButtons = errors.New("sysled: the LED class has no buttons")
)

func init() {
	// The only possible error is a duplicate name; "sysled" is unique.
	_ = hal.Register(driver{})
}

// driver implements hal.Driver.
type driver struct{}

func (driver) Name() string { return Name }

// Open opens the LEDs of cfg under cfg.Root (default DefaultRoot), all or
// nothing. LEDSpec.Pin is the kernel's LED name; ActiveLow is ignored (the
// kernel knows the polarity).
func (driver) Open(cfg hal.Config) (*hal.Devices, error) {
	if len(cfg.Buttons) > 0 {
		return nil, errButtons
	}
	root := cfg.Root
	if root == "" {
		root = DefaultRoot
	}
	var leds []*LED
	for _, s := range cfg.LEDs {
		l, err := Open(root, s.PinOr(), s.Name)
		if err != nil {
			_ = hal.CloseAll(leds)
			return nil, err
		}
		leds = append(leds, l)
	}
	hl := make([]hal.LED, len(leds))
	for i, l := range leds {
		hl[i] = l
	}
	return hal.NewDevices(hl, nil, func() error { return hal.CloseAll(leds) }), nil
}

// Exists reports whether root has an LED called name.
func Exists(root, name string) bool {
	if validName(name) != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(root, name, "brightness"))
	return err == nil
}

// LED is one kernel LED.
type LED struct {
	name    string // shown to users
	dir     string
	onValue string // max_brightness, written to switch on
	trigger string // the trigger to restore on Close
	once    sync.Once
}

var _ hal.LED = (*LED)(nil)

// Open takes over the LED called kernelName under root and shows it to
// users as name (kernelName when empty). It sets the trigger to "none".
func Open(root, kernelName, name string) (*LED, error) {
	if err := validName(kernelName); err != nil {
		return nil, err
	}
	if name == "" {
		name = kernelName
	}
	l := &LED{name: name, dir: filepath.Join(root, kernelName), onValue: "1", trigger: "none"}
	if b, err := os.ReadFile(filepath.Join(l.dir, "max_brightness")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			l.onValue = strconv.Itoa(n)
		}
	}
	if b, err := os.ReadFile(filepath.Join(l.dir, "trigger")); err == nil {
		if t := current(string(b)); t != "" {
			l.trigger = t
		}
	}
	if err := l.write("trigger", "none"); err != nil {
		return nil, err
	}
	if err := l.Set(false); err != nil {
		_ = l.write("trigger", l.trigger)
		return nil, err
	}
	return l, nil
}

// Name implements hal.LED.
func (l *LED) Name() string { return l.name }

// Set implements hal.LED.
func (l *LED) Set(on bool) error {
	v := "0"
	if on {
		v = l.onValue
	}
	return l.write("brightness", v)
}

// Trigger is the trigger Close restores.
func (l *LED) Trigger() string { return l.trigger }

// Close switches the LED off and restores its trigger. It is idempotent.
func (l *LED) Close() error {
	var err error
	l.once.Do(func() {
		err = errors.Join(l.Set(false), l.write("trigger", l.trigger))
	})
	return err
}

// write writes one attribute. sysfs wants the whole value in one write; the
// file must exist (it is never created).
func (l *LED) write(attr, v string) error {
	f, err := os.OpenFile(filepath.Join(l.dir, attr), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("sysled: %s: %w", l.name, err)
	}
	_, err = f.WriteString(v)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sysled: %s: write %s: %w", l.name, attr, err)
	}
	return nil
}

// current returns the active trigger of a trigger file's contents: the
// one in brackets ("none [mmc0] timer" → "mmc0").
func current(s string) string {
	for _, f := range strings.Fields(s) {
		if len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' {
			return f[1 : len(f)-1]
		}
	}
	return ""
}

// validName accepts a single path element: LED names come from config.
func validName(n string) error {
	if n == "" || n == "." || n == ".." || strings.ContainsAny(n, `/\`) || strings.ContainsRune(n, 0) {
		return fmt.Errorf("%w: %q", errName, n)
	}
	return nil
}
