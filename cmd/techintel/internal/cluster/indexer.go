package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Delivery is a Result as an indexer receives it, with its place in the
// documents stream.
type Delivery struct {
	Result
	// StreamSeq is the message's sequence in the documents stream: a
	// backup records the last one committed, and a replica started from
	// that backup consumes from the next.
	StreamSeq uint64
}

// IndexerOptions configure RunIndexer.
type IndexerOptions struct {
	// Durable names the consumer: "indexer" for the primary, one name per
	// replica. Each has its own place in the stream.
	Durable string
	// StartSeq, when the consumer does not exist yet, is the first
	// sequence to consume (a backup's sequence plus one); 0 is the start
	// of the stream.
	StartSeq uint64
	// MaxBatch is how many messages that arrived together are committed
	// at once (0: 64).
	MaxBatch int
	// AckWait is how long a commit may go without a heartbeat before its
	// messages are delivered again (0: 30 s).
	AckWait time.Duration
	// Commit commits deliveries in stream order and returns once they
	// are durable; it must be idempotent, as a crash before the ack
	// replays them.
	Commit func(ctx context.Context, ds []Delivery) error
}

// RunIndexer consumes the documents stream until ctx is done, handing
// what arrives to o.Commit and acking it only after Commit returned. A
// failed commit is delivered again after a pause.
func (c *Conn) RunIndexer(ctx context.Context, o IndexerOptions) error {
	if o.Durable == "" || o.Commit == nil {
		return errors.New("cluster: an indexer needs a durable name and a commit function")
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 64
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	cons, err := c.indexerConsumer(ctx, o)
	if err != nil {
		return err
	}
	log := c.log.With(slog.String("consumer", o.Durable))
	for ctx.Err() == nil {
		msgs, err := c.pullBatch(ctx, cons, o.MaxBatch)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("indexer: pull batches", slog.Any("error", err))
				wait(ctx, time.Second)
			}
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		ds := make([]Delivery, 0, len(msgs))
		keep := msgs[:0]
		for _, m := range msgs {
			var d Delivery
			if err := json.Unmarshal(m.Data(), &d.Result); err != nil {
				log.Error("indexer: a batch that does not decode is dropped", slog.Any("error", err))
				_ = m.TermWithReason("undecodable batch")
				continue
			}
			if md, err := m.Metadata(); err == nil {
				d.StreamSeq = md.Sequence.Stream
			}
			ds = append(ds, d)
			keep = append(keep, m)
		}
		if err := c.commitHeartbeat(ctx, o, keep, ds); err != nil {
			if ctx.Err() != nil {
				return nil // not acked: delivered again after a restart
			}
			log.Warn("indexer: commit failed; the batches come again", slog.Any("error", err), slog.Int("messages", len(keep)))
			for _, m := range keep {
				_ = m.NakWithDelay(time.Second)
			}
			continue
		}
		for _, m := range keep {
			if err := m.Ack(); err != nil {
				// Delivered again later: the commit is idempotent.
				log.Warn("indexer: ack", slog.Any("error", err))
			}
		}
	}
	return nil
}

// indexerConsumer opens the durable consumer, creating it at o.StartSeq
// the first time.
func (c *Conn) indexerConsumer(ctx context.Context, o IndexerOptions) (jetstream.Consumer, error) {
	cons, err := c.js.Consumer(ctx, DocsStream, o.Durable)
	if err == nil {
		return cons, nil
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("cluster: consumer %s: %w", o.Durable, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable: o.Durable, AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait, MaxDeliver: -1,
		MaxAckPending: 4 * o.MaxBatch, DeliverPolicy: jetstream.DeliverAllPolicy,
		Description: "techintel indexer " + o.Durable,
	}
	if o.StartSeq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, o.StartSeq
	}
	cons, err = c.js.CreateConsumer(ctx, DocsStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster: create consumer %s: %w", o.Durable, err)
	}
	return cons, nil
}

// pullBatch waits for a message, then takes those already waiting behind
// it, up to n: what arrived together is committed together.
func (c *Conn) pullBatch(ctx context.Context, cons jetstream.Consumer, n int) ([]jetstream.Msg, error) {
	first, err := next(ctx, cons)
	if err != nil || first == nil {
		return nil, err
	}
	msgs := []jetstream.Msg{first}
	if n > 1 {
		more, err := cons.FetchNoWait(n - 1)
		if err != nil {
			return msgs, nil
		}
		for m := range more.Messages() {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// commitHeartbeat runs o.Commit, telling the server the messages are in
// progress while it runs.
func (c *Conn) commitHeartbeat(ctx context.Context, o IndexerOptions, msgs []jetstream.Msg, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	defer heartbeat(ctx, o.AckWait/3, func(context.Context) {
		for _, m := range msgs {
			_ = m.InProgress()
		}
	})()
	return o.Commit(ctx, ds)
}

// Lag is how many messages of the documents stream the consumer has not
// committed yet (waiting and in flight).
func (c *Conn) Lag(ctx context.Context, durable string) (uint64, error) {
	cons, err := c.js.Consumer(ctx, DocsStream, durable)
	if err != nil {
		return 0, fmt.Errorf("cluster: consumer %s: %w", durable, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: consumer %s: %w", durable, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// Delivered is how many messages the consumer was handed (each
// redelivery counts again).
func (c *Conn) Delivered(ctx context.Context, durable string) (uint64, error) {
	cons, err := c.js.Consumer(ctx, DocsStream, durable)
	if err != nil {
		return 0, fmt.Errorf("cluster: consumer %s: %w", durable, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: consumer %s: %w", durable, err)
	}
	return info.Delivered.Consumer, nil
}

// heartbeat calls beat every period until the returned stop is called;
// stop returns once beat is no longer running.
func heartbeat(ctx context.Context, every time.Duration, beat func(context.Context)) (stop func()) {
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				beat(hctx)
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
