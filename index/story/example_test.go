package story_test

import (
	"fmt"
	"time"

	"github.com/techintel/techintel/index/story"
)

func ExampleClusterer() {
	release := "Nokia and Elisa have switched on Finland's first 5G standalone network slice for emergency " +
		"services, the companies said on Tuesday. Police and rescue teams in Helsinki get guaranteed capacity " +
		"even when the network is congested. Elisa plans to extend the service nationwide next year."
	summary := "Nokia and Elisa have switched on Finland's first 5G standalone network slice for emergency " +
		"services, the companies said on Tuesday."
	other := "Ericsson has opened a research centre in Ottawa that will employ 300 engineers working on 6G " +
		"radio interfaces, sensing and energy efficiency."

	c := story.NewClusterer()
	at := time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC)
	fmt.Println(c.Add("doc-1", story.Fingerprint("Nokia, Elisa launch emergency slice", release), at))
	fmt.Println(c.Add("doc-2", story.Fingerprint("Ericsson opens Ottawa lab", other), at.Add(time.Hour)))
	fmt.Println(c.Add("doc-3", story.Fingerprint("Finland gets 5G slice for police", summary), at.Add(2*time.Hour)))
	// Output:
	// doc-1
	// doc-2
	// doc-1
}
