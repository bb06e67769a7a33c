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
