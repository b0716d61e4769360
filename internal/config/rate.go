package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a limit of N events per Per, written "COUNT/DURATION" (such as
// "60/1m"); "0" turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the limit is turned off.
func (r Rate) Off() bool { return r.N == 0 }

// String writes the rate back in its variable's form.
func (r Rate) String() string {
	if r.Off() {
		return "0"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// UnmarshalText parses "COUNT/DURATION" or "0".
func (r *Rate) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "0" {
		*r = Rate{}
		return nil
	}
	count, per, ok := strings.Cut(s, "/")
	if !ok {
		return fmt.Errorf("%q is not COUNT/DURATION (such as 60/1m) or 0", s)
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 {
		return fmt.Errorf("%q: count must be a whole number of at least 0", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	if d < time.Second {
		return errors.New("the duration of " + strconv.Quote(s) + " must be at least 1s")
	}
	*r = Rate{N: n, Per: d}
	return nil
}
