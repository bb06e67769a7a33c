// Package cluster runs gathering on several machines over NATS JetStream.
// The scheduler publishes due source runs as jobs to a work-queue stream;
// workers pull them, run the fetch side (gather.Fetcher) and publish the
// resulting batches to a documents stream; indexers (the primary serve and
// any replica) consume that stream with durable consumers and commit the
// batches. A job is acked only once its batches are stored in the stream,
// and a batch only once it is committed, so a crash anywhere replays work
// instead of losing it; the commit side's upserts make a replay harmless.
//
// Per-host politeness holds across workers through leases in a key-value
// bucket that expire on their own when a worker dies.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of the streams, subjects and bucket techintel uses.
const (
	JobsStream = "TECHINTEL_JOBS"
	JobsSubj   = "techintel.jobs"
	DocsStream = "TECHINTEL_DOCS"
	DocsSubj   = "techintel.docs"
	HostsKV    = "techintel_hosts"
	// WorkersConsumer is the durable consumer every worker shares: the
	// jobs stream is a work queue, each job goes to one worker.
	WorkersConsumer = "workers"
)

// Options say how to reach NATS and how the streams are kept.
type Options struct {
	// URL is the NATS server (or a comma-separated list of them).
	URL string
	// Name identifies this process to the server and in leases.
	Name string
	// CredsFile is a NATS credentials file (JWT and NKey seed).
	CredsFile string
	// NKeyFile is a file holding an NKey seed.
	NKeyFile string
	// TLS: a CA to verify the server with, and a client certificate.
	TLSCA, TLSCert, TLSKey string
	// Replicas of each stream in a NATS cluster (1 on a single server).
	Replicas int
	// DocsMaxAge is how long the documents stream keeps batches: a replica
	// or indexer down longer than that must start again from a backup
	// (0: 7 days).
	DocsMaxAge time.Duration
	// DocsMaxBytes caps the documents stream's size (0: no cap).
	DocsMaxBytes int64
	// DedupWindow is how long the jobs stream remembers a job's ID, so
	// that a second scheduler publishing the same slot is ignored (0:
	// 1 hour).
	DedupWindow time.Duration
	// LeaseTTL is how long a host lease lasts without renewal: a dead
	// worker's hosts are free again after it (0: 1 minute).
	LeaseTTL time.Duration
	Logger   *slog.Logger
}

// Conn is a connection to NATS with the streams ready.
type Conn struct {
	o    Options
	nc   *nats.Conn
	js   jetstream.JetStream
	jobs jetstream.Stream
	docs jetstream.Stream
	kv   jetstream.KeyValue
	log  *slog.Logger
	// closed is closed once the client has stopped for good.
	closed chan struct{}
}

// Connect connects to NATS, reconnecting by itself for as long as the
// connection is open, and creates or updates the streams and bucket.
func Connect(ctx context.Context, o Options) (*Conn, error) {
	if o.URL == "" {
		return nil, errors.New("cluster: nats_url is empty")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.DocsMaxAge <= 0 {
		o.DocsMaxAge = 7 * 24 * time.Hour
	}
	if o.DedupWindow <= 0 {
		o.DedupWindow = time.Hour
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = time.Minute
	}
	log := o.Logger
	closed := make(chan struct{})
	opts := []nats.Option{
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		nats.Name(o.Name),
		// A server stopped for maintenance must not stop a worker or
		// serve: retry for ever, from the first connect on.
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", slog.Any("error", err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", slog.String("url", nc.ConnectedUrlRedacted()))
		}),
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NKeyFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("cluster: nkey_file %s: %w", o.NKeyFile, err)
		}
		opts = append(opts, opt)
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" || o.TLSKey != "" {
		if o.TLSCert == "" || o.TLSKey == "" {
			return nil, errors.New("cluster: tls_cert and tls_key go together")
		}
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to %s: %w", o.URL, err)
	}
	c := &Conn{o: o, nc: nc, log: log, closed: closed}
	if err := c.setup(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// setup creates or updates the streams and the lease bucket.
func (c *Conn) setup(ctx context.Context) error {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return fmt.Errorf("cluster: jetstream: %w", err)
	}
	c.js = js
	c.jobs, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: JobsStream, Subjects: []string{JobsSubj}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: c.o.Replicas, Duplicates: c.o.DedupWindow,
		Description: "techintel source runs due, one message per source and slot",
	})
	if err != nil {
		return fmt.Errorf("cluster: stream %s: %w", JobsStream, err)
	}
	c.docs, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: DocsStream, Subjects: []string{DocsSubj}, Retention: jetstream.LimitsPolicy,
		Storage: jetstream.FileStorage, Replicas: c.o.Replicas, MaxAge: c.o.DocsMaxAge, MaxBytes: maxBytes(c.o.DocsMaxBytes),
		Duplicates:  10 * time.Minute,
		Description: "techintel fetched batches, consumed by the indexer and every replica",
	})
	if err != nil {
		return fmt.Errorf("cluster: stream %s: %w", DocsStream, err)
	}
	c.kv, err = ensureKV(ctx, js, jetstream.KeyValueConfig{
		Bucket: HostsKV, TTL: c.o.LeaseTTL, Storage: jetstream.FileStorage, Replicas: c.o.Replicas,
		Description: "techintel per-host run leases",
	})
	if err != nil {
		return fmt.Errorf("cluster: bucket %s: %w", HostsKV, err)
	}
	return nil
}

// ensureStream creates the stream, or updates it only when its
// configuration changed. An update of an unchanged stream is not free:
// nats-server 2.15.3 races (under -race) between a stream update and a
// consumer being created on it, which every process starting at once
// would provoke.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return js.UpdateStream(ctx, cfg)
	}
	return s, err
}

// ensureKV is ensureStream for a key-value bucket.
func ensureKV(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.UpdateKeyValue(ctx, cfg)
	}
	return kv, err
}

func maxBytes(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// Close drains the connection: what was published is flushed first.
func (c *Conn) Close() error {
	if err := c.nc.Drain(); err != nil {
		c.nc.Close()
		return err
	}
	// Drain returns at once; wait until it is done so that no goroutine
	// of the client outlives Close.
	<-c.closed
	return nil
}

// MaxPayload is the largest message the server takes.
func (c *Conn) MaxPayload() int { return int(c.nc.MaxPayload()) }

// DocsSeq is the last sequence of the documents stream: a backup taken
// now covers every batch up to it once they are committed.
func (c *Conn) DocsSeq(ctx context.Context) (uint64, error) {
	info, err := c.docs.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: stream %s: %w", DocsStream, err)
	}
	return info.State.LastSeq, nil
}
