//go:build race

package main

// raceEnabled: this test binary runs under the race detector, which makes
// bleve indexing about ten times slower; scale tests shrink.
const raceEnabled = true
