package feeds

import (
	"context"
	"time"

	"github.com/techintel/techintel/internal/netfail"
)

// failure is an error with a message written for the person who configured
// the source, keeping the error it describes in the chain.
type failure struct {
	msg string
	err error
}

func (e *failure) Error() string { return e.msg }
func (e *failure) Unwrap() error { return e.err }

// describe turns an error of the transport, or of reading the body when
// reading is set, into one that says what happened in a user's terms
// (netfail, shared with the crawler). A cancelled context is reported as
// such: a shutdown or the run's own deadline, not something the server did.
func describe(ctx context.Context, err error, host string, timeout time.Duration, reading bool) error {
	if ctx.Err() != nil {
		return &failure{"stopped: " + ctx.Err().Error(), err}
	}
	return netfail.Describe(err, host, timeout, reading)
}
