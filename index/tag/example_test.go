package tag_test

import (
	"fmt"
	"log"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

func ExampleTagger_Tag() {
	tg, err := tag.New(
		[]tag.Entity{
			{Name: "Nokia", Role: "own", Aliases: []string{"Nokia Bell Labs"}},
			{Name: "Intel", Role: "partner"},
			{Name: "Telefónica", Role: "customer"},
			{Name: "Arm", Role: "competitor", CaseSensitive: true},
		},
		[]tag.Technology{{Name: "Open RAN", Aliases: []string{"O-RAN"}}},
	)
	if err != nil {
		log.Fatal(err)
	}
	doc := &index.Document{
		Source: "ietf-blog",
		Title:  "Intel’s O-RAN push",
		Body:   "Nokia Bell\nLabs and Telefonica test a robotic arm, not Intelligence.",
	}
	tg.Tag(doc, []string{"industry"})
	fmt.Println(doc.Components)
	fmt.Println(doc.Entities, doc.Technologies)
	for _, e := range doc.Evidence {
		fmt.Printf("%s/%s %s: %q\n", e.Entity, e.Component, e.Field, e.Matched)
	}
	// Output:
	// [industry own alliances]
	// [Intel Nokia Telefónica] [Open RAN]
	// /industry source: "ietf-blog"
	// Intel/alliances title: "Intel"
	// Nokia/own body: "Nokia Bell\nLabs"
	// Open RAN/ title: "O-RAN"
	// Telefónica/industry body: "Telefonica"
}

// Exclude and Context keep names that are also words, places or people's
// names from tagging what they should not; evidence quotes the text around
// each counting mention.
func ExampleEntity_precision() {
	tg, err := tag.New([]tag.Entity{
		{Name: "Nokia", Role: "own", Exclude: []string{"Nokia Arena"}},
		{Name: "Elisa", Role: "customer", CaseSensitive: true, Context: []string{"Finland", "Finnish", "operator"}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	doc := &index.Document{
		Title: "Hockey fans stream from Nokia Arena",
		Body: "Elisa Rossi, an analyst, watched the final at Nokia Arena in Tampere, where the Finnish " +
			"operator Elisa had doubled capacity with radios from Nokia before the tournament.",
	}
	tg.Tag(doc, nil)
	for _, e := range doc.Evidence {
		fmt.Printf("%s %s: %q\n", e.Entity, e.Field, e.Excerpt)
	}
	// Output:
	// Elisa body: "…final at Nokia Arena in Tampere, where the Finnish operator Elisa had doubled capacity with radios from Nokia before the…"
	// Nokia body: "…operator Elisa had doubled capacity with radios from Nokia before the tournament."
}
