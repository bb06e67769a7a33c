package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	review "github.com/techintel/techintel/index/insight"
	"github.com/techintel/techintel/index/store"
)

// reviewer answers the alliance review and the technology radar from the
// index, with the review dates kept in the store: it implements
// api.Reviews.
type reviewer struct {
	watch *liveWatch
	index *index.Index
	store *store.Store
	now   func() time.Time
}

var _ api.Reviews = reviewer{}

// reviewEntities converts the watch list for package insight.
func reviewEntities(ws *watchSet) []review.Entity {
	out := make([]review.Entity, len(ws.Watch))
	for i, w := range ws.Watch {
		out[i] = review.Entity{Name: w.Name, Role: w.Role, ReviewEvery: w.ReviewEvery}
	}
	return out
}

func technologyNames(ws *watchSet) []string {
	out := make([]string, len(ws.Technologies))
	for i, t := range ws.Technologies {
		out[i] = t.Name
	}
	return out
}

func (r reviewer) Alliances(ctx context.Context) ([]review.Review, error) {
	reviewed, err := r.store.Reviewed()
	if err != nil {
		return nil, err
	}
	return review.Alliances(ctx, r.index, r.now(), reviewEntities(r.watch.get()), reviewed)
}

func (r reviewer) Alliance(ctx context.Context, name string) (*review.Review, error) {
	reviewed, err := r.store.Reviewed()
	if err != nil {
		return nil, err
	}
	rv, ok, err := review.Alliance(ctx, r.index, r.now(), name, reviewEntities(r.watch.get()), reviewed)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("alliance %q: %w", name, api.ErrNotFound)
	}
	return rv, nil
}

func (r reviewer) MarkReviewed(ctx context.Context, name string) (*review.Review, error) {
	if _, err := r.Alliance(ctx, name); err != nil {
		return nil, err // not a partner: nothing recorded
	}
	if err := r.store.SetReviewed(name, r.now()); err != nil {
		return nil, err
	}
	return r.Alliance(ctx, name)
}

func (r reviewer) Radar(ctx context.Context) (*review.Radar, error) {
	ws := r.watch.get()
	return review.NewRadar(ctx, r.index, r.now(), technologyNames(ws), reviewEntities(ws))
}
