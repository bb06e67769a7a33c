package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/techintel/techintel/cmd/techintel/internal/gather"
)

// Job is one due run of a source, as published to the jobs stream.
type Job struct {
	gather.Job
	// Slot is the scheduled time the run is due at: with the source it
	// names the run, so that two schedulers never run one slot twice.
	Slot time.Time `json:"slot"`
}

// ID names the run: the source and its slot. It is the job's Nats-Msg-Id,
// and the prefix of its batches' IDs.
func (j Job) ID() string {
	return j.Source + "@" + j.Slot.UTC().Format(time.RFC3339Nano)
}

// ErrDuplicate says a job was already published for that source and slot
// (by this scheduler or another) within the dedup window.
var ErrDuplicate = errors.New("cluster: job already published for this slot")

// PublishJob publishes job to the jobs stream once the stream has stored
// it. A job for a source and slot already published is not queued again
// and ErrDuplicate is returned.
func (c *Conn) PublishJob(ctx context.Context, job Job) error {
	if job.Source == "" || job.Slot.IsZero() {
		return fmt.Errorf("cluster: a job needs a source and a slot (got %q at %v)", job.Source, job.Slot)
	}
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("cluster: encode job %s: %w", job.ID(), err)
	}
	if len(data) > c.MaxPayload() {
		return fmt.Errorf("cluster: job %s is %d bytes, more than the server's max_payload %d", job.ID(), len(data), c.MaxPayload())
	}
	ack, err := c.js.Publish(ctx, JobsSubj, data, jetstream.WithMsgID(job.ID()))
	if err != nil {
		return fmt.Errorf("cluster: publish job %s: %w", job.ID(), err)
	}
	if ack.Duplicate {
		return ErrDuplicate
	}
	return nil
}

// JobsPending is how many jobs wait in the queue or run (not yet acked).
func (c *Conn) JobsPending(ctx context.Context) (uint64, error) {
	info, err := c.jobs.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: stream %s: %w", JobsStream, err)
	}
	return info.State.Msgs, nil
}
