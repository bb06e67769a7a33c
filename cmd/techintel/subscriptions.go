package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// subscriptionStore is what the subscriptions command needs: the alerter
// when the data directory is free, the running serve's API otherwise.
type subscriptionStore interface {
	CreateSubscription(context.Context, api.SubscriptionRequest) (api.Subscription, error)
	ListSubscriptions(context.Context) ([]api.Subscription, error)
	DeleteSubscription(ctx context.Context, id string) error
}

// remoteSubscriptions reaches the subscriptions of a running serve.
type remoteSubscriptions struct {
	cfg   *Config
	inUse error
}

func (r remoteSubscriptions) CreateSubscription(ctx context.Context, req api.SubscriptionRequest) (api.Subscription, error) {
	body, _ := json.Marshal(req)
	out, err := apiDo(ctx, r.cfg, http.MethodPost, "/api/v1/subscriptions", body, r.inUse)
	var sub api.Subscription
	if err == nil {
		err = json.Unmarshal(out, &sub)
	}
	return sub, err
}

func (r remoteSubscriptions) ListSubscriptions(ctx context.Context) ([]api.Subscription, error) {
	out, err := apiDo(ctx, r.cfg, http.MethodGet, "/api/v1/subscriptions", nil, r.inUse)
	var list struct{ Subscriptions []api.Subscription }
	if err == nil {
		err = json.Unmarshal(out, &list)
	}
	return list.Subscriptions, err
}

func (r remoteSubscriptions) DeleteSubscription(ctx context.Context, id string) error {
	_, err := apiDo(ctx, r.cfg, http.MethodDelete, "/api/v1/subscriptions/"+id, nil, r.inUse)
	return err
}

// cmdSubscriptions: techintel subscriptions add|list|rm -config FILE ...
func cmdSubscriptions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "subscriptions: want add, list or rm"}
	}
	sub, args := args[0], args[1:]
	fs := newFlags("subscriptions "+sub, stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	var req api.SubscriptionRequest
	var components, entities, technologies, sources multiFlag
	if sub == "add" {
		fs.StringVar(&req.Name, "name", "", "name of the subscription (required)")
		fs.Var(&components, "component", "only this component (repeatable)")
		fs.Var(&entities, "entity", "only documents about this watched entity (repeatable)")
		fs.Var(&technologies, "technology", "only documents about this technology (repeatable)")
		fs.Var(&sources, "source", "only documents from this source (repeatable)")
		fs.StringVar(&req.Since, "since", "", "only documents published at or after (YYYY-MM-DD or RFC 3339)")
		fs.StringVar(&req.Until, "until", "", "only documents published up to (YYYY-MM-DD inclusive, or RFC 3339)")
		fs.StringVar(&req.WebhookURL, "webhook", "", "webhook URL: each alert is POSTed there as signed JSON (serve sends them)")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	var store subscriptionStore
	d, err := datadir.Open(cfg.DataDir)
	switch {
	case datadir.IsInUse(err):
		store = remoteSubscriptions{cfg: cfg, inUse: err}
	case err != nil:
		return err
	default:
		defer d.Close()
		a, err := engine.NewAlerter(cfg.settings(), d, newLogger(io.Discard))
		if err != nil {
			return err
		}
		store = a
	}
	switch sub {
	case "add":
		req.Query = strings.Join(fs.Args(), " ")
		req.Components, req.Entities, req.Technologies, req.Sources = components, entities, technologies, sources
		s, err := store.CreateSubscription(ctx, req)
		if errors.Is(err, api.ErrInvalid) {
			return &usageError{msg: err.Error()}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "subscription %s created\n", s.ID)
		if s.WebhookSecret != "" {
			fmt.Fprintf(stdout, "webhook signing secret: %s\n(shown only now: keep it to verify X-Techintel-Signature)\n", s.WebhookSecret)
		}
		return nil
	case "list":
		list, err := store.ListSubscriptions(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tQUERY\tCOMPONENTS\tENTITIES\tCREATED")
		for _, s := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, termSafe(s.Name), termSafe(s.Query), strings.Join(s.Components, ","),
				termSafe(strings.Join(s.Entities, ",")), s.Created.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "rm":
		if fs.NArg() != 1 {
			return &usageError{msg: "subscriptions rm: give one subscription ID"}
		}
		if err := store.DeleteSubscription(ctx, fs.Arg(0)); err != nil {
			if errors.Is(err, api.ErrNotFound) {
				return &usageError{msg: fmt.Sprintf("no subscription with id %q", fs.Arg(0))}
			}
			return err
		}
		fmt.Fprintf(stdout, "subscription %s deleted\n", fs.Arg(0))
		return nil
	}
	return &usageError{msg: fmt.Sprintf("subscriptions: unknown subcommand %q (want add, list or rm)", sub)}
}
